"""Formatting of money and day counts for templates."""

from decimal import Decimal

from django import template

from renewals.pricing import CURRENCY_QUANTUM

register = template.Library()

SYMBOLS = {"KRW": "₩", "USD": "$"}


@register.filter
def money(amount, currency="KRW"):
    """``₩590,000`` or ``$1,234.50``: the currency's own number of decimals."""
    if amount is None or amount == "":
        return ""
    quantum = CURRENCY_QUANTUM.get(currency, Decimal("0.01"))
    decimals = max(-quantum.as_tuple().exponent, 0)
    return f"{SYMBOLS.get(currency, currency + ' ')}{Decimal(amount):,.{decimals}f}"


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
