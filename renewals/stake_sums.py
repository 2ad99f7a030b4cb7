"""The terms to renew per partner, expiry day, product, plan and currency, kept by the database:
how many and their own prices' sum, so the revenue at stake of the weeks ahead is a sum of a few
thousand rows rather than a read of every order expiring in them.

The reports' weekly outlook read a large partner's 42,000 orders of the next 13 weeks to value them
(about 60 ms at 1,000,000 orders). The value rule (``reports.stake``) needs only the product, plan
and currency of an order and its own price, so these sums carry it exactly: the listed price times
the orders, else the own prices' sum when in the partner's currency. Statement-level triggers on
PostgreSQL (``kept_sums``, migration 0011) keep the table whatever writes orders; a term to renew is
the dashboard's ``action=renew`` (``expiry_counts.ACTION_SQL``) of a listed order. Other databases
leave the table empty and value by scanning.
"""

from django.db import models

from partners.models import Partner
from partners.tenancy import PartnerScopedManager

from .expiry_counts import ACTION_SQL
from .kept_sums import KeptSums
from .models import OrderStatus, Product

MONEY_SUM = {"max_digits": 16, "decimal_places": 2}


class StakeSum(models.Model):
    # No database constraints: the triggers may write a deleted partner's last zero sums.
    partner = models.ForeignKey(Partner, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    expires_on = models.DateField()
    product = models.ForeignKey(Product, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    plan_years = models.PositiveSmallIntegerField()
    currency = models.CharField(max_length=3)
    orders = models.IntegerField(default=0)
    price_sum = models.DecimalField(default=0, **MONEY_SUM)  # the orders' own ``price``

    objects = PartnerScopedManager()
    partner_lookup = "partner"

    class Meta:
        app_label = "renewals"
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "expires_on", "product", "plan_years", "currency"], name="stake_sum_per_key"
            )
        ]

    def __str__(self):
        return f"{self.partner_id} {self.expires_on} {self.product_id}/{self.plan_years}y: {self.orders}"


SUMS = KeptSums(
    name="stake_sum",
    table="renewals_stakesum",
    keys={
        "partner_id": "partner_id",
        "expires_on": "expires_on",
        "product_id": "product_id",
        "plan_years": "plan_years",
        "currency": "currency",
    },
    sums={"orders": "1", "price_sum": "price"},
    where=f"status <> '{OrderStatus.CANCELLED}' AND ({ACTION_SQL}) = 'renew'",
)
CREATE_SQL = SUMS.create_sql()
DROP_SQL = SUMS.drop_sql()
