"""The ``order_replaced`` contract: how a renewal or reissue turns off what was pending.

``renewals`` sends the signal and never imports ``notifications``; ``notifications.receivers`` (wired
in ``NotificationsConfig.ready``) cancels the replaced order's pending reminders. Both sides are
pinned here: the senders send it exactly once, inside their transaction, and the receiver cancels
what is pending, keeps what was sent, and after a reissue touches only reissue reminders.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from notifications.models import EmailStatus, OutboxEmail, OutboxItem, Reminder
from notifications.policy import REISSUE, RENEWAL
from notifications.receivers import cancel_pending_reminders
from partners.models import Role
from renewals.models import Order, OrderStatus
from renewals.services import reissue_certificate, renew_order
from renewals.signals import order_replaced
from renewals.validity import end_of_day
from tests.factories import CertificateFactory, ContactFactory, CustomerFactory, MembershipFactory, OrderFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # noon in Seoul


class ReceiverFailed(Exception):
    pass


@pytest.fixture
def sales(partner_a):
    return MembershipFactory(partner=partner_a, role=Role.SALES)


@pytest.fixture
def renewable(partner_a):
    """An order whose term ends in 30 days: inside the renewal window."""
    return OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=date(2026, 12, 31))


@pytest.fixture
def reissuable(partner_a):
    """An order whose certificate ends in 10 days, a year before its term: a reissue is due."""
    order = OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=date(2027, 12, 1))
    not_after = end_of_day(date(2026, 12, 11), partner_a.tzinfo)
    CertificateFactory(order=order, not_before=not_after - timedelta(days=199), not_after=not_after)
    return order


@pytest.fixture
def sent_signals():
    """Every ``order_replaced`` sent during the test, as (order, replacement, reason)."""
    received = []

    def record(sender, order, replacement, reason, **kwargs):
        received.append((order.pk, replacement.pk, reason))

    order_replaced.connect(record)
    yield received
    order_replaced.disconnect(record)


@pytest.fixture
def failing_receiver():
    def fail(sender, **kwargs):
        raise ReceiverFailed

    order_replaced.connect(fail)
    yield
    order_replaced.disconnect(fail)


def reminder(order, kind, threshold, email_status=None):
    """A reminder recorded for ``order``; with ``email_status``, carried by an email in that state."""
    ends_on = order.term_end if kind == RENEWAL else (order.expires_on or order.term_end)
    row = Reminder.objects.create(order=order, kind=kind, ends_on=ends_on, threshold_days=threshold)
    if email_status is not None:
        contact = ContactFactory(customer=order.customer)
        email = OutboxEmail.new(partner=order.partner, contact=contact, to_email=contact.email, status=email_status)
        email.save()
        OutboxItem.objects.create(email=email, reminder=row, contact=contact)
    return row


def cancelled(row):
    row.refresh_from_db()
    return (row.cancelled_at is not None, row.cancel_reason)


# The senders


def test_renewal_sends_order_replaced_once_naming_the_renewal(renewable, sales, sent_signals):
    renewal = renew_order(order=renewable, by=sales, at=NOW).order
    renew_order(order=renewable, by=sales, at=NOW)  # returns the same renewal: nothing replaced again
    assert sent_signals == [(renewable.pk, renewal.pk, "renewal")]


def test_reissue_sends_order_replaced_once_naming_the_order_itself(reissuable, sales, sent_signals):
    assert reissue_certificate(order=reissuable, by=sales, at=NOW)
    assert not reissue_certificate(order=reissuable, by=sales, at=NOW)  # no longer due: nothing sent
    assert sent_signals == [(reissuable.pk, reissuable.pk, "reissue")]


def test_a_renewal_whose_receiver_fails_is_not_made(renewable, sales, failing_receiver):
    """The signal is sent inside the renewal's transaction: the renewal and the cancelling happen
    together or not at all."""
    with pytest.raises(ReceiverFailed):
        renew_order(order=renewable, by=sales, at=NOW)
    assert not Order.objects.filter(renewed_from=renewable).exists()


def test_a_reissue_whose_receiver_fails_issues_nothing(reissuable, sales, failing_receiver):
    with pytest.raises(ReceiverFailed):
        reissue_certificate(order=reissuable, by=sales, at=NOW)
    assert reissuable.certificates.count() == 1
    assert Order.objects.get(pk=reissuable.pk).status == OrderStatus.ACTIVE


def test_the_receiver_is_connected_when_the_apps_are_ready():
    was_connected = order_replaced.disconnect(cancel_pending_reminders)
    order_replaced.connect(cancel_pending_reminders)
    assert was_connected


# The receiver


@time_machine.travel(NOW, tick=False)
def test_a_renewal_cancels_every_pending_reminder_and_keeps_the_sent_ones(renewable, sales):
    unqueued = reminder(renewable, RENEWAL, 30)
    waiting = reminder(renewable, RENEWAL, 60, email_status=EmailStatus.PENDING)
    failed = reminder(renewable, RENEWAL, 7, email_status=EmailStatus.FAILED)
    reissue = reminder(renewable, REISSUE, 14)
    sent = reminder(renewable, RENEWAL, 90, email_status=EmailStatus.SENT)

    renew_order(order=renewable, by=sales, at=NOW)

    for row in (unqueued, waiting, failed, reissue):
        assert cancelled(row) == (True, "renewal")
    assert cancelled(sent) == (False, "")
    renewable.refresh_from_db()
    assert renewable.next_reminder_at is None  # nothing more to remind for the old term


@time_machine.travel(NOW, tick=False)
def test_a_reissue_cancels_only_pending_reissue_reminders(reissuable, sales):
    pending_reissue = reminder(reissuable, REISSUE, 14, email_status=EmailStatus.PENDING)
    sent_reissue = reminder(reissuable, REISSUE, 30, email_status=EmailStatus.SENT)
    pending_renewal = reminder(reissuable, RENEWAL, 90)

    assert reissue_certificate(order=reissuable, by=sales, at=NOW)

    assert cancelled(pending_reissue) == (True, "reissue")
    assert cancelled(sent_reissue) == (False, "")
    assert cancelled(pending_renewal) == (False, "")  # the term still ends: its reminders stand
    reissuable.refresh_from_db()
    assert reissuable.next_reminder_at == NOW  # the sweep looks again at once: a new certificate


@time_machine.travel(NOW, tick=False)
def test_a_reminder_cancelled_before_keeps_its_first_reason(renewable):
    earlier = reminder(renewable, RENEWAL, 30)
    Reminder.objects.filter(pk=earlier.pk).update(cancelled_at=NOW - timedelta(days=1), cancel_reason="cancelled")
    order_replaced.send(sender=Order, order=renewable, replacement=renewable, reason="renewal")
    earlier.refresh_from_db()
    assert (earlier.cancelled_at, earlier.cancel_reason) == (NOW - timedelta(days=1), "cancelled")


@time_machine.travel(NOW, tick=False)
def test_the_receiver_touches_no_other_order(renewable, partner_a):
    other = OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=renewable.term_end)
    others = reminder(other, RENEWAL, 30)
    order_replaced.send(sender=Order, order=renewable, replacement=renewable, reason="renewal")
    assert cancelled(others) == (False, "")
