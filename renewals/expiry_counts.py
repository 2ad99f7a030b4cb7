"""Listed orders per partner, expiry day, action and notices, kept by the database: the dashboard's
window counts, the home page's terms to renew and free reissues, the banner's notices off.

Counting a large partner's windows scanned its 100,000 index entries on every page view (about 15 ms
at 1,000,000 orders); summing this table's few hundred rows per partner answers the same in well
under a millisecond. On PostgreSQL, statement-level triggers on ``renewals_order`` (migration 0006,
SQL below) keep it exact whatever writes orders (the services, bulk loads, the admin, raw SQL): each
INSERT, UPDATE or DELETE adds its rows' net change per (partner, day, action, notices)
(``kept_sums``), and cancelled orders, which are never listed, are not counted. The action is computed from the row's own columns
(``renewed_at``, kept by the database too, then ``expires_on < term_end``) exactly as
``expiring.ACTION_CONDITIONS`` reads it. Other databases leave the table empty and count by scanning.
"""

from django.db import models
from django.db.models import Q, Sum

from partners.models import Partner
from partners.tenancy import PartnerScopedManager

from .kept_sums import KeptSums, kept  # noqa: F401 (kept: whether the table is kept)
from .models import OrderStatus
from .selectors import window_condition


class ExpiryCount(models.Model):
    # No database constraint: the triggers may write a deleted partner's last zero counts.
    partner = models.ForeignKey(Partner, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    expires_on = models.DateField()
    action = models.CharField(max_length=8)  # renew, reissue or renewed (``ACTION_SQL``)
    notices = models.BooleanField()  # the orders' ``renewal_notices``
    orders = models.IntegerField(default=0)

    objects = PartnerScopedManager()
    partner_lookup = "partner"

    class Meta:
        app_label = "renewals"
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "expires_on", "action", "notices"], name="expiry_count_per_day_action_notices"
            )
        ]

    def __str__(self):
        return f"{self.partner_id} {self.expires_on}: {self.orders}"


def window_counts(partner, *, windows, today, where=None) -> dict:
    """``{window key: count}`` for every window and ``"all"`` of the partner's listed orders, from
    the table: the same numbers as ``selectors.count_by_window(listed_orders(partner))``; ``where``
    narrows them by the table's ``action`` and ``notices``."""
    aggregates = {f"w_{w.key}": Sum("orders", filter=window_condition(w, today), default=0) for w in windows}
    rows = ExpiryCount.objects.for_partner(partner).filter(where or Q())
    counts = rows.aggregate(w_all=Sum("orders", default=0), **aggregates)
    return {key.removeprefix("w_"): value for key, value in counts.items()}


def grouped_window_counts(partner, *, windows, today, groups: dict) -> dict:
    """``{(group, window key): count}`` in one query, each group a condition on the table's
    ``action`` and ``notices`` (such as ``Q(action="renew")``), read within the windows' days only."""
    start, end = span_of(windows, today)
    rows = ExpiryCount.objects.for_partner(partner)
    if start is not None:
        rows = rows.filter(expires_on__gte=start)
    if end is not None:
        rows = rows.filter(expires_on__lte=end)
    aggregates = {
        f"{group}__{w.key}": Sum("orders", filter=window_condition(w, today) & condition, default=0)
        for group, condition in groups.items()
        for w in windows
    }
    counts = rows.aggregate(**aggregates)
    return {tuple(key.split("__", 1)): value for key, value in counts.items()}


def span_of(windows, today):
    """The first and last day the windows cover (None: open-ended)."""
    ranges = [w.expires_range(today) for w in windows]
    starts, ends = [r[0] for r in ranges], [r[1] for r in ranges]
    return (None if None in starts else min(starts)), (None if None in ends else max(ends))


# An order's action from its own columns: the SQL twin of ``expiring.ACTION_CONDITIONS``.
ACTION_SQL = (
    "CASE WHEN renewed_at IS NOT NULL THEN 'renewed' WHEN expires_on < term_end THEN 'reissue' ELSE 'renew' END"
)


# The triggers' SQL (frozen in migrations 0006 and 0010 as it was written then).
SUMS = KeptSums(
    name="expiry_count",
    table="renewals_expirycount",
    keys={"partner_id": "partner_id", "expires_on": "expires_on", "action": ACTION_SQL, "notices": "renewal_notices"},
    sums={"orders": "1"},
    where=f"status <> '{OrderStatus.CANCELLED}'",
)
CREATE_SQL = SUMS.create_sql()
DROP_SQL = SUMS.drop_sql()
