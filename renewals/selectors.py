"""Reads of renewal data, always scoped to one partner."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from .models import Order, OrderStatus, Product
from .pricing import Price, renewal_price
from .validity import CertificateValidity, RenewalQuote, certificate_validity, local_day, quote_renewal_at
from .windows import WINDOWS


def open_orders(*, partner):
    """Orders that still need someone to act: not cancelled and not yet renewed."""
    return Order.objects.for_partner(partner).exclude(status=OrderStatus.CANCELLED).filter(renewal__isnull=True)


def window_counts(*, partner, today: date) -> list[tuple]:
    """``[(window, count), …]`` for every window, in one query."""
    aggregates = {}
    for window in WINDOWS:
        start, end = window.term_end_range(today)
        condition = Q()
        if start is not None:
            condition &= Q(term_end__gte=start)
        if end is not None:
            condition &= Q(term_end__lte=end)
        aggregates[f"w_{window.key}"] = Count("pk", filter=condition)
    counts = open_orders(partner=partner).aggregate(**aggregates)
    return [(window, counts[f"w_{window.key}"]) for window in WINDOWS]


@dataclass(frozen=True)
class RenewalPreview:
    """What Renew Now would give at an instant: the term, the first certificate and the price."""

    quote: RenewalQuote
    certificate: CertificateValidity
    certificate_ends_on: date
    price: Price
    product: Product


def renewal_preview(*, order, at: datetime, plan_years=None, product=None, discount_percent=Decimal("0")):
    zone = order.customer.tzinfo
    product = product or order.product
    quote = quote_renewal_at(term_end=order.term_end, at=at, zone=zone, plan_years=plan_years or order.plan_years)
    certificate = certificate_validity(issued_at=at, term_end=quote.new_term_end, zone=zone)
    return RenewalPreview(
        quote=quote,
        certificate=certificate,
        certificate_ends_on=local_day(certificate.ends_at, zone),
        price=renewal_price(product=product, plan_years=quote.plan_years, discount_percent=discount_percent),
        product=product,
    )


def order_for_staff(*, partner, order_number):
    """One of the partner's orders with what its pages show, or 404."""
    queryset = (
        Order.objects.for_partner(partner)
        .select_related("customer__partner", "product", "renewed_from", "renewal")
        .prefetch_related("certificates", "customer__contacts")
    )
    return get_object_or_404(queryset, order_number=order_number)
