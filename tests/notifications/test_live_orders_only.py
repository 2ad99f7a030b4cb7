"""Reminders are for live orders only: a cancelled or renewed order gets no new reminder from the sweep,
and an email queued before the order was cancelled or renewed is dropped when the sender picks it up."""

from datetime import UTC, date, datetime, timedelta

import pytest

from notifications.models import EmailStatus, OutboxEmail, OutboxItem, Reminder
from notifications.sender import send_pending
from notifications.sweep import run_sweep
from renewals.models import Order, OrderStatus
from tests.factories import OrderFactory

from .helpers import make_order

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

TERM_END = date(2027, 3, 1)
NOW = datetime(2027, 1, 30, 3, tzinfo=UTC)  # 30 days left, 12:00 in Seoul


def cancel(order):
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.CANCELLED)


def renew_without_signal(order):
    """A renewal recorded outside ``renew_order`` (an import, the admin): no receiver ran, so the old
    order's reminders are neither cancelled nor taken off the sweep's clock."""
    return OrderFactory(customer=order.customer, renewed_from=order, term_end=order.term_end + timedelta(days=365))


@pytest.mark.parametrize("end_it", [cancel, renew_without_signal], ids=["cancelled", "renewed"])
def test_an_email_queued_before_the_order_ended_is_skipped_at_send_time(seoul_partner, outbox, end_it):
    order = make_order(seoul_partner, TERM_END)
    assert run_sweep(now=NOW).due == 1
    end_it(order)
    result = send_pending(now=NOW)
    assert (result.sent, result.skipped_opted_out) == (0, 1)
    assert outbox == []
    assert OutboxEmail.objects.get().status == EmailStatus.SKIPPED
    assert OutboxItem.objects.get().skipped


def test_a_cancelled_orders_reminder_leaves_a_digest_without_it(seoul_partner, outbox):
    """Two orders of one contact in one email: the cancelled one is dropped, the other still goes."""
    kept = make_order(seoul_partner, TERM_END)
    dropped = make_order(seoul_partner, TERM_END, customer=kept.customer, contacts=0)
    run_sweep(now=NOW)
    cancel(dropped)
    assert send_pending(now=NOW).sent == 1
    assert kept.order_number in outbox[0].body
    assert dropped.order_number not in outbox[0].body


@pytest.mark.parametrize("end_it", [cancel, renew_without_signal], ids=["cancelled", "renewed"])
def test_the_sweep_records_no_reminder_for_an_order_that_ended(seoul_partner, outbox, end_it):
    order = make_order(seoul_partner, TERM_END)  # due for a sweep: its next check is in the past
    end_it(order)
    swept = run_sweep(now=NOW)
    assert swept.due == 0
    assert not Reminder.objects.filter(order=order).exists()
    assert not OutboxEmail.objects.exists()
    order.refresh_from_db()
    assert order.next_reminder_at is None  # off the sweep's clock for good
