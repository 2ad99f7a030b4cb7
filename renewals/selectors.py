"""Reads of renewal data, always scoped to one partner."""

from datetime import date

from django.db.models import Count, Q

from .models import Order, OrderStatus
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
