"""What a renewal is worth, as a query expression: the rule every "revenue at stake" figure reads.

An order's renewal is valued at the partner's price-list price for the order's product and plan
length (the price a renewal would be sold at, before any discount), in the partner's currency.
When the price list has no such price, the order's own price stands in, if it was sold in the
partner's currency; otherwise it has no value and is counted apart as "not priced", never added in
another currency.
"""

from datetime import timedelta
from decimal import Decimal

from django.db.models import Case, DecimalField, ExpressionWrapper, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate

from renewals.expiring import ACTION_CONDITIONS, listed_orders
from renewals.kept_sums import kept
from renewals.models import RENEWED, StakeSum
from renewals.pricing import price_list

MONEY = DecimalField(max_digits=14, decimal_places=2)
EARLY_DAYS = 30  # a renewal this many days or more before the end of the term is early


def listed_price(partner, prices=None):
    """The partner's price-list price for a row's product and plan (NULL when unlisted). The price
    list (a few dozen rows, read first unless given) becomes a CASE over product and plan: joining it
    (and the product) per order made the planner loop over tens of thousands of orders at a million
    rows."""
    prices = price_list(partner) if prices is None else prices
    if not prices:
        return Value(None, output_field=MONEY)
    return Case(
        *(
            When(product_id=product_id, plan_years=years, then=Value(price))
            for (product_id, years), price in sorted(prices.items())
        ),
        default=None,
        output_field=MONEY,
    )


def in_partner_currency(partner, field):
    """``field`` when the row was sold in the partner's currency, else NULL."""
    return Case(When(currency=partner.currency, then=F(field)), default=None, output_field=MONEY)


def with_renewal_value(orders, partner, prices=None):
    """``orders`` annotated with ``renewal_value``: the order's renewal value in ``partner``'s
    currency, or NULL when it has none."""
    value = Coalesce(listed_price(partner, prices), in_partner_currency(partner, "price"), output_field=MONEY)
    return orders.annotate(renewal_value=value)


def with_stake_value(sums, partner, prices=None):
    """``stake_sums.StakeSum`` rows annotated with ``stake_value``: the same rule over a row of
    orders of one product, plan and currency (the listed price times the orders, else their own
    prices' sum), NULL when they have none."""
    listed = ExpressionWrapper(listed_price(partner, prices) * F("orders"), output_field=MONEY)
    value = Coalesce(listed, in_partner_currency(partner, "price_sum"), output_field=MONEY)
    return sums.annotate(stake_value=value)


def stake_rows(partner, first, last, prices=None):
    """The partner's terms to renew expiring from ``first`` through ``last`` as rows with ``terms``
    (how many) and ``value`` (their renewal value, NULL when not priced): sums of the kept table
    where the database keeps it, else the orders themselves. Group and sum them as needed."""
    if kept():
        sums = StakeSum.objects.for_partner(partner).filter(expires_on__range=(first, last))
        return with_stake_value(sums, partner, prices).annotate(terms=F("orders"), value=F("stake_value"))
    orders = terms_to_renew(partner).filter(expires_on__range=(first, last))
    return with_renewal_value(orders, partner, prices).annotate(terms=Value(1), value=F("renewal_value"))


def stake_sums(key, within: Q) -> dict:
    """Aggregates of rows with ``terms`` and ``value`` (``stake_rows``') that match ``within``: the
    terms to renew, their value and the unpriced ones, as ``{key}_terms``, ``{key}_amount`` and
    ``{key}_unpriced`` (read back with ``stake_of``)."""
    return {
        f"{key}_terms": Sum("terms", filter=within, default=0),
        f"{key}_amount": Sum("value", filter=within, default=Decimal("0")),
        f"{key}_unpriced": Sum("terms", filter=within & Q(value__isnull=True), default=0),
    }


def stake_of(values, key) -> tuple:
    """``(terms, amount, unpriced)`` of ``stake_sums(key)`` in an aggregate's ``values``."""
    return values[f"{key}_terms"], values[f"{key}_amount"], values[f"{key}_unpriced"]


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
