"""Listed orders per partner and expiry day, kept by the database: the dashboard's window counts.

Counting a large partner's windows scanned its 100,000 index entries on every page view (about 15 ms
at 1,000,000 orders); summing this table's few hundred rows per partner answers the same in well
under a millisecond. On PostgreSQL, statement-level triggers on ``renewals_order`` (migration 0006,
SQL below) keep it exact whatever writes orders (the services, bulk loads, the admin, raw SQL): each
INSERT, UPDATE or DELETE adds its rows' net change per (partner, day), and cancelled orders, which are
never listed, are not counted. Other databases leave the table empty and count by scanning.
"""

from django.db import connection, models
from django.db.models import Sum

from partners.models import Partner
from partners.tenancy import PartnerScopedManager

from .models import OrderStatus
from .selectors import window_condition


class ExpiryCount(models.Model):
    # No database constraint: the triggers may write a deleted partner's last zero counts.
    partner = models.ForeignKey(Partner, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    expires_on = models.DateField()
    orders = models.IntegerField(default=0)

    objects = PartnerScopedManager()
    partner_lookup = "partner"

    class Meta:
        app_label = "renewals"
        constraints = [models.UniqueConstraint(fields=["partner", "expires_on"], name="expiry_count_per_day")]

    def __str__(self):
        return f"{self.partner_id} {self.expires_on}: {self.orders}"


def kept() -> bool:
    """Whether the triggers keep the table (PostgreSQL); elsewhere it stays empty."""
    return connection.vendor == "postgresql"


def window_counts(partner, *, windows, today) -> dict:
    """``{window key: count}`` for every window and ``"all"`` of the partner's listed orders, from
    the table: the same numbers as ``selectors.count_by_window(listed_orders(partner))``."""
    aggregates = {f"w_{w.key}": Sum("orders", filter=window_condition(w, today), default=0) for w in windows}
    counts = ExpiryCount.objects.for_partner(partner).aggregate(w_all=Sum("orders", default=0), **aggregates)
    return {key.removeprefix("w_"): value for key, value in counts.items()}


def _apply(*sources):
    """The trigger function's body: the net change of ``sources`` (transition tables, each with its
    sign) per (partner, day), added to the counts. Sorted, so concurrent writers lock rows in one
    order; a change that nets to zero (an UPDATE of other columns) writes nothing."""
    rows = " UNION ALL ".join(
        f"SELECT partner_id, expires_on, {sign} AS delta FROM {table} WHERE status <> '{OrderStatus.CANCELLED}'"
        for table, sign in sources
    )
    return f"""
        INSERT INTO renewals_expirycount AS counts (partner_id, expires_on, orders)
        SELECT partner_id, expires_on, sum(delta) FROM ({rows}) AS changed
        GROUP BY partner_id, expires_on HAVING sum(delta) <> 0
        ORDER BY partner_id, expires_on
        ON CONFLICT (partner_id, expires_on) DO UPDATE SET orders = counts.orders + EXCLUDED.orders;
        RETURN NULL;"""


TRIGGERS = {
    "insert": ("REFERENCING NEW TABLE AS new_rows", _apply(("new_rows", 1))),
    "update": ("REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows", _apply(("new_rows", 1), ("old_rows", -1))),
    "delete": ("REFERENCING OLD TABLE AS old_rows", _apply(("old_rows", -1))),
}

CREATE_SQL = [
    statement
    for operation, (referencing, body) in TRIGGERS.items()
    for statement in (
        f"CREATE FUNCTION renewals_expiry_count_{operation}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} END $$",
        f"CREATE TRIGGER expiry_count_{operation} AFTER {operation.upper()} ON renewals_order {referencing} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION renewals_expiry_count_{operation}()",
    )
] + [
    "INSERT INTO renewals_expirycount (partner_id, expires_on, orders) SELECT partner_id, expires_on, count(*) "
    f"FROM renewals_order WHERE status <> '{OrderStatus.CANCELLED}' GROUP BY partner_id, expires_on"
]

DROP_SQL = [
    statement
    for operation in TRIGGERS
    for statement in (
        f"DROP TRIGGER IF EXISTS expiry_count_{operation} ON renewals_order",
        f"DROP FUNCTION IF EXISTS renewals_expiry_count_{operation}()",
    )
] + ["DELETE FROM renewals_expirycount"]
