"""Two sweeps and two senders at once on PostgreSQL, with additional recipients and escalations:
every reminder reaches each address once, and each email goes out once."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.db.models import Count

from notifications.models import EmailKind, OutboxEmail, OutboxItem, Reminder
from notifications.sender import send_pending
from notifications.sweep import run_sweep
from tests.factories import ContactFactory, CustomerFactory, PartnerFactory

from .helpers import make_order
from .test_concurrent_sweeps import in_parallel

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

NOW = datetime(2027, 1, 30, 3, tzinfo=UTC)


def test_two_sweeps_at_once_tell_each_address_of_each_reminder_once():
    assert connection.vendor == "postgresql", "the race needs real row locks"
    mail.outbox = []
    partner = PartnerFactory(
        support_email="support@partner.example",
        reminder_escalations=[{"threshold": 30, "support": True, "emails": ["boss@partner.example"]}],
    )
    for number in range(60):
        customer = CustomerFactory(partner=partner, reminder_recipients=[f"it{number}@customer.example"])
        ContactFactory(customer=customer)
        for offset in range(20):  # 1200 orders: more than two chunks
            make_order(partner, date(2027, 3, 1) - timedelta(days=offset % 25), customer=customer, contacts=0)
    in_parallel(lambda: run_sweep(now=NOW))
    in_parallel(lambda: send_pending(now=NOW))
    reminders = Reminder.objects.count()
    assert reminders == 1200
    escalated = Reminder.objects.filter(threshold_days=30).count()
    assert OutboxItem.objects.count() == reminders * 2 + escalated * 2
    assert not OutboxItem.objects.values("reminder", "address").annotate(n=Count("id")).filter(n__gt=1).exists()
    sent = OutboxEmail.objects.filter(status="sent")
    assert sent.count() == OutboxEmail.objects.count() == len(mail.outbox)
    assert len({message.extra_headers["Message-ID"] for message in mail.outbox}) == len(mail.outbox)
    # One digest per staff address, though both sweeps had orders that tell it.
    assert sorted(OutboxEmail.objects.filter(kind=EmailKind.ESCALATION).values_list("to_email", flat=True)) == [
        "boss@partner.example",
        "support@partner.example",
    ]
