"""Two sweeps and two senders at the same moment, on PostgreSQL: every reminder reaches each contact once."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.db import connection, connections

from notifications.models import OutboxEmail, OutboxItem, Reminder
from notifications.sender import send_pending
from notifications.sweep import run_sweep
from tests.factories import PartnerFactory

from .helpers import make_order

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

NOW = datetime(2027, 1, 30, 3, tzinfo=UTC)


def in_parallel(function, count=2):
    start = threading.Barrier(count)
    errors = []

    def run():
        try:
            start.wait()
            function()
        except Exception as error:  # surfaced by the assertion in the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


def test_two_sweeps_and_two_senders_at_once_send_each_reminder_once():
    assert connection.vendor == "postgresql", "the race needs real row locks"
    mail.outbox = []
    partner = PartnerFactory()
    for offset in range(1200):  # more than two chunks, so both sweeps have work to split
        make_order(partner, date(2027, 3, 1) - timedelta(days=offset % 25))  # 6 to 30 days left: all due
    in_parallel(lambda: run_sweep(now=NOW))
    in_parallel(lambda: send_pending(now=NOW))
    reminders = Reminder.objects.count()
    assert reminders == 1200
    assert OutboxItem.objects.count() == reminders
    assert OutboxEmail.objects.filter(status="sent").count() == len(mail.outbox) == 1200
    assert len({message.extra_headers["Message-ID"] for message in mail.outbox}) == 1200
