"""Reads of renewal data, always scoped to one partner."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from offers.selection import AppliedOffer, offer_and_discount

from .models import Order, Product
from .pricing import NotPriced, Price, renewal_price
from .validity import CertificateValidity, RenewalQuote, certificate_validity, quote_renewal_at


def window_condition(window, today: date) -> Q:
    start, end = window.expires_range(today)
    condition = Q()
    if start is not None:
        condition &= Q(expires_on__gte=start)
    if end is not None:
        condition &= Q(expires_on__lte=end)
    return condition


def count_by_window(queryset, *, windows, today: date) -> dict:
    """``{window key: count}`` for every window and ``"all"``, in one query."""
    aggregates = {f"w_{window.key}": Count("pk", filter=window_condition(window, today)) for window in windows}
    counts = queryset.aggregate(w_all=Count("pk"), **aggregates)
    return {key.removeprefix("w_"): value for key, value in counts.items()}


def grouped_count_by_window(queryset, *, windows, today: date, groups: dict) -> dict:
    """``{(group, window key): count}`` in one query, each group a condition on the orders: the scan
    twin of ``expiry_counts.grouped_window_counts``, for databases without the count table."""
    aggregates = {
        f"{group}__{window.key}": Count("pk", filter=window_condition(window, today) & condition)
        for group, condition in groups.items()
        for window in windows
    }
    return {tuple(key.split("__", 1)): value for key, value in queryset.aggregate(**aggregates).items()}


@dataclass(frozen=True)
class RenewalPreview:
    """What Renew Now would give at an instant: the term, the first certificate and the price
    (None when the partner's price list has no price for the product and plan: it cannot be sold)."""

    quote: RenewalQuote
    certificate: CertificateValidity
    certificate_ends_on: date
    price: Price | None
    product: Product
    offer: AppliedOffer | None = None  # the customer's offer, whose discount ``price`` includes


def renewal_preview(*, order, at: datetime, plan_years=None, product=None, discount_percent: Decimal | None = None):
    """``discount_percent`` None: the customer's offer applies, if any (``offers.selection``)."""
    zone = order.customer.tzinfo
    product = product or order.product
    offer, discount_percent = offer_and_discount(order=order, at=at, product=product, discount_percent=discount_percent)
    quote = quote_renewal_at(term_end=order.term_end, at=at, zone=zone, plan_years=plan_years or order.plan_years)
    certificate = certificate_validity(issued_at=at, term_end=quote.new_term_end, zone=zone)
    try:
        price = renewal_price(
            partner=order.partner, product=product, plan_years=quote.plan_years, discount_percent=discount_percent
        )
    except NotPriced:
        price = None
    return RenewalPreview(
        quote=quote,
        certificate=certificate,
        certificate_ends_on=certificate.expires_on(zone),
        price=price,
        product=product,
        offer=offer,
    )


def order_for_staff(*, partner, order_number):
    """One of the partner's orders with what its pages show, or 404."""
    queryset = (
        Order.objects.for_partner(partner)
        .select_related("customer", "product", "renewed_from", "renewal")
        .prefetch_related("certificates", "customer__contacts")
    )
    order = get_object_or_404(queryset, order_number=order_number)
    order.partner = order.customer.partner = partner  # the rows the scoping filter matched on: no query, no join
    return order
