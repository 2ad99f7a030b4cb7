"""Fixtures for reminders: an order with a contact, and a clock that sweeps and sends."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail

from notifications.sender import send_pending
from notifications.sweep import run_sweep
from tests.factories import ContactFactory, CustomerFactory, OrderFactory, PartnerFactory


def make_order(partner, term_end, *, contacts=1, customer=None, **kwargs):
    customer = customer or CustomerFactory(partner=partner)
    for _ in range(contacts):
        ContactFactory(customer=customer)
    return OrderFactory(
        customer=customer, term_end=term_end, next_reminder_at=datetime(2000, 1, 1, tzinfo=UTC), **kwargs
    )


def sweep_and_send(now):
    swept = run_sweep(now=now)
    sent = send_pending(now=now)
    return swept, sent


@pytest.fixture
def seoul_partner(db):
    return PartnerFactory(time_zone="Asia/Seoul", language="en")


@pytest.fixture
def outbox():
    mail.outbox = []
    return mail.outbox


__all__ = ["make_order", "sweep_and_send", "date", "timedelta"]
