"""A renewal cancels only what has not gone out: a reminder whose email was sent stays as history."""

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from notifications.models import EmailStatus, Reminder
from notifications.sender import send_pending
from notifications.sweep import run_sweep
from partners.models import Role
from renewals.services import renew_order
from tests.factories import MembershipFactory

from .helpers import make_order, sweep_and_send

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

TERM_END = date(2027, 3, 1)
DAY_30 = datetime(2027, 1, 30, 3, tzinfo=UTC)  # 12:00 in Seoul, 30 days left
DAY_7 = datetime(2027, 2, 22, 3, tzinfo=UTC)  # 7 days left


@pytest.fixture
def renewed_after_one_sent_and_one_queued(seoul_partner, outbox):
    """The 30-day reminder went out; the 7-day one is queued when the customer renews."""
    order = make_order(seoul_partner, TERM_END)
    sweep_and_send(DAY_30)
    run_sweep(now=DAY_7)
    renew_order(order=order, by=MembershipFactory(partner=seoul_partner, role=Role.SALES), at=DAY_7)
    return order


def test_a_reminder_already_sent_is_not_cancelled_by_the_renewal(renewed_after_one_sent_and_one_queued):
    sent = Reminder.objects.get(order=renewed_after_one_sent_and_one_queued, threshold_days=30)
    assert (sent.cancelled_at, sent.cancel_reason) == (None, "")
    assert sent.items.get().email.status == EmailStatus.SENT


def test_the_reminder_not_yet_sent_is_cancelled_and_never_sent(renewed_after_one_sent_and_one_queued, outbox):
    queued = Reminder.objects.get(order=renewed_after_one_sent_and_one_queued, threshold_days=7)
    assert queued.cancelled_at is not None and queued.cancel_reason == "renewal"
    assert send_pending(now=DAY_7).sent == 0
    assert len(outbox) == 1  # only the 30-day email, from before the renewal


def test_the_order_timeline_shows_the_sent_reminder_as_sent_not_cancelled(
    client, seoul_partner, renewed_after_one_sent_and_one_queued
):
    staff = MembershipFactory(partner=seoul_partner, role=Role.SUPPORT).user
    client.force_login(staff)
    response = client.get(reverse("order-detail", args=[renewed_after_one_sent_and_one_queued.order_number]))
    reminders = {reminder.threshold_days: reminder for reminder in response.context["reminders"]}
    assert reminders[30].cancelled_at is None
    assert reminders[7].cancelled_at is not None
