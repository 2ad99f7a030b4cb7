"""Formatting of money and day counts for templates."""

from django import template

from renewals.money import format_money
from renewals.quick_view import NOT_OPEN, renewal_status
from renewals.windows import urgency as urgency_of

register = template.Library()


@register.filter
def money(amount, currency="KRW"):
    """``₩590,000`` or ``$1,234.50`` (``590,000원`` in Korean), in the active language; see
    ``renewals.money.format_money``, which every other surface (admin, CSV) uses too."""
    return format_money(amount, currency)


@register.filter
def days_after(day, today):
    """Whole days from ``today`` to ``day`` (negative when ``day`` is past)."""
    return (day - today).days


@register.filter
def other_names(order):
    return [name for name in order.sans if name != order.common_name]


@register.filter
def absolute(number):
    return abs(number)


@register.filter
def renewal_opens_later(order, now):
    """Renewal has not opened yet at ``now`` on the customer's calendar day: the same decision as
    Quick View and ``renew_order``, so a row never offers what the service refuses."""
    return renewal_status(order, at=now).state == NOT_OPEN


@register.filter
def urgency(days_left):
    """ "critical", "warning" or "notice": the one scale emails and the dashboard colour by."""
    return urgency_of(days_left)
