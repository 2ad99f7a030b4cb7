"""Plain helpers for the reminder tests (fixtures stay in conftest.py): an order on the reminder clock,
and one tick of that clock (sweep, then send)."""

from datetime import UTC, datetime

from notifications.sender import send_pending
from notifications.sweep import run_sweep
from tests.factories import ContactFactory, CustomerFactory, OrderFactory


def make_order(partner, term_end, *, contacts=1, customer=None, **kwargs):
    """An order of a new (or the given) customer with ``contacts`` contacts, due for a sweep now."""
    customer = customer or CustomerFactory(partner=partner)
    for _ in range(contacts):
        ContactFactory(customer=customer)
    return OrderFactory(
        customer=customer, term_end=term_end, next_reminder_at=datetime(2000, 1, 1, tzinfo=UTC), **kwargs
    )


def sweep_and_send(now):
    """What beat and the worker do at ``now``: record the due reminders, then send what is queued."""
    swept = run_sweep(now=now)
    sent = send_pending(now=now)
    return swept, sent
