"""Hand-built data for the reports' tests: orders whose figures are known by construction."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from notifications.models import EmailStatus, OutboxEmail
from renewals.models import Order, PartnerPrice
from tests.factories import ContactFactory, CustomerFactory, OrderFactory, ProductFactory

# 10:00 in Seoul on 2026-11-25 is 01:00 UTC the same day.
NOW = "2026-11-25T01:00:00Z"
TODAY = date(2026, 11, 25)


def order(partner, days=None, *, term_end=None, customer=None, product=None, **fields):
    """An order of ``partner`` whose term ends ``days`` from TODAY; its product is not on the
    partner's price list unless the test puts it there."""
    customer = customer or CustomerFactory(partner=partner)
    term_end = term_end or TODAY + timedelta(days=days)
    return OrderFactory(
        customer=customer, term_end=term_end, product=product or ProductFactory(), priced=False, **fields
    )


def renew(old, at):
    """Renew ``old`` with a new order made at the instant ``at`` (UTC)."""
    new = OrderFactory(
        customer=old.customer,
        product=old.product,
        renewed_from=old,
        term_end=old.term_end + timedelta(days=365),
        priced=False,
    )
    Order.objects.filter(pk=new.pk).update(created_at=at)
    return new


def at(day, hour=1):
    """An instant on ``day`` at ``hour`` UTC (10:00 or so in Seoul)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def list_price(partner, product, price, years=1):
    return PartnerPrice.objects.create(partner=partner, product=product, plan_years=years, price=Decimal(price))


def email(partner, status, created_at=None):
    contact = ContactFactory(customer=CustomerFactory(partner=partner))
    message = OutboxEmail.new(partner=partner, contact=contact, to_email=contact.email, status=status)
    message.save()
    if created_at is not None:
        OutboxEmail.objects.filter(pk=message.pk).update(created_at=created_at)
    return message


__all__ = ["NOW", "TODAY", "EmailStatus", "at", "email", "list_price", "order", "renew"]
