"""Formatting of money and day counts for templates."""

from django import template

from partners.mailto import mailto_url
from renewals.money import format_money

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
def absolute(number):
    return abs(number)


@register.filter
def mailto(address):
    """``address`` as a percent-encoded ``mailto:`` link (``partners.mailto``)."""
    return mailto_url(address)
