"""Several sweeps share one on PostgreSQL (Celery's sweep tasks on N workers): each takes the chunks
the others have not locked, so together they check every due order once and record each reminder once."""

import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection, connections

from notifications import sweep
from notifications.models import OutboxEmail, OutboxItem, Reminder
from renewals.models import Order
from tests.factories import PartnerFactory

from .helpers import make_order

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

NOW = datetime(2027, 1, 30, 3, tzinfo=UTC)
ORDERS, CHUNK = 60, 5


def sweeps_at_once(count):
    """``count`` sweeps started together, each on its own connection; their results."""
    start = threading.Barrier(count)
    results, errors = [None] * count, []

    def run(index):
        try:
            start.wait()
            results[index] = sweep.run_sweep(now=NOW)
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def test_two_sweeps_at_once_split_the_chunks_and_record_each_reminder_once(monkeypatch):
    assert connection.vendor == "postgresql", "the split needs real row locks"
    partner = PartnerFactory()
    for offset in range(ORDERS):
        make_order(partner, date(2027, 3, 1) - timedelta(days=offset % 25))  # 6 to 30 days left: all due
    monkeypatch.setattr(sweep, "CHUNK", CHUNK)
    plan_rows, planning = sweep.plan_rows, []

    def slow_plan(*args):
        started = time.monotonic()
        time.sleep(0.05)  # a chunk takes a while, its rows locked, so the other sweep takes the next
        planning.append((threading.get_ident(), started, time.monotonic()))
        return plan_rows(*args)

    monkeypatch.setattr(sweep, "plan_rows", slow_plan)
    first, second = sweeps_at_once(2)
    # At once, not in turns: each skips the rows the other holds rather than waiting for them.
    assert any(
        a_thread != b_thread and a_start < b_end and b_start < a_end
        for a_thread, a_start, a_end in planning
        for b_thread, b_start, b_end in planning
    )
    assert first.orders_checked + second.orders_checked == ORDERS  # no order checked twice
    assert first.orders_checked >= CHUNK and second.orders_checked >= CHUNK  # both took chunks
    assert first.due + second.due == ORDERS == Reminder.objects.count()
    assert first.already_recorded == second.already_recorded == 0
    assert OutboxItem.objects.count() == OutboxEmail.objects.count() == ORDERS  # one contact each
    assert not Order.objects.filter(next_reminder_at__lte=NOW).exists()
