"""What a renewal is worth, as a query expression: the rule every "revenue at stake" figure reads.

An order's renewal is valued at the partner's price-list price for the order's product and plan
length (the price a renewal would be sold at, before any discount), in the partner's currency.
When the price list has no such price, the order's own price stands in, if it was sold in the
partner's currency; otherwise it has no value and is counted apart as "not priced", never added in
another currency.
"""

from datetime import timedelta

from django.db.models import Case, DecimalField, F, Q, Value, When
from django.db.models.functions import Coalesce, TruncDate

from renewals.expiring import ACTION_CONDITIONS, listed_orders
from renewals.models import RENEWED
from renewals.pricing import price_list

MONEY = DecimalField(max_digits=14, decimal_places=2)
EARLY_DAYS = 30  # a renewal this many days or more before the end of the term is early


def with_renewal_value(orders, partner):
    """``orders`` annotated with ``renewal_value``: the order's renewal value in ``partner``'s
    currency, or NULL when it has none. The price list (a few dozen rows, read first) becomes a CASE
    over product and plan: joining it (and the product) per order made the planner loop over tens of
    thousands of orders at a million rows."""
    prices = price_list(partner)
    listed = (
        Case(
            *(
                When(product_id=product_id, plan_years=years, then=Value(price))
                for (product_id, years), price in sorted(prices.items())
            ),
            default=None,
            output_field=MONEY,
        )
        if prices
        else Value(None, output_field=MONEY)
    )
    own = Case(When(currency=partner.currency, then=F("price")), default=None, output_field=MONEY)
    return orders.annotate(renewal_value=Coalesce(listed, own, output_field=MONEY))


def terms_to_renew(partner):
    """The partner's listed orders whose paid term ends and is not renewed yet: the sales to make
    (the dashboard's ``action=renew``)."""
    return listed_orders(partner).filter(ACTION_CONDITIONS["renew"])


def renewed_on(partner):
    """The day (in the partner's zone) the order's renewal was made; NULL when not renewed."""
    return TruncDate("renewed_at", tzinfo=partner.tzinfo)


def renewed_in_time():
    """Renewed on or before the last day of the term (needs ``renewed_on`` annotated)."""
    return RENEWED & Q(renewed_on__lte=F("term_end"))


def renewed_early():
    return RENEWED & Q(renewed_on__lte=F("term_end") - timedelta(days=EARLY_DAYS))
