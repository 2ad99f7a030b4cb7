"""Mail only in the customer's working hours, late reminders included: they wait for the next send hour."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from notifications.models import EmailStatus, OutboxEmail
from notifications.policy import send_time
from notifications.sender import send_pending
from notifications.sweep import run_sweep
from partners.models import Role
from renewals.services import set_renewal_notices
from tests.factories import MembershipFactory, PartnerFactory

from .helpers import make_order

SEOUL = ZoneInfo("Asia/Seoul")
NEW_YORK = ZoneInfo("America/New_York")


def seoul(day, hour, minute=0):
    return datetime(2027, 1, day, hour, minute, tzinfo=SEOUL)


@pytest.mark.smoke
@pytest.mark.parametrize(
    ("now", "leaves"),
    [
        (seoul(30, 3), seoul(30, 9)),  # before the send hour: the same morning
        (seoul(30, 9), seoul(30, 9)),  # on the hour: now
        (seoul(30, 17, 59), seoul(30, 17, 59)),  # inside working hours: now
        (seoul(30, 18), seoul(31, 9)),  # after working hours: the next morning
        (seoul(30, 23, 30), seoul(31, 9)),
    ],
)
def test_an_email_leaves_inside_the_customers_working_hours(now, leaves):
    assert send_time(now.astimezone(UTC), SEOUL, 9) == leaves


@pytest.mark.smoke
def test_working_hours_follow_the_customers_zone_and_the_partners_send_hour():
    # 14:00 UTC is 23:00 in Seoul (wait for the morning) and 09:00 in New York (go now).
    now = datetime(2027, 1, 30, 14, tzinfo=UTC)
    assert send_time(now, SEOUL, 9) == seoul(31, 9)
    assert send_time(now, NEW_YORK, 9) == now
    assert send_time(now, NEW_YORK, 10) == datetime(2027, 1, 30, 10, tzinfo=NEW_YORK)


pytestmark = [pytest.mark.django_db]


def queued_email(order):
    return OutboxEmail.objects.get(items__reminder__order=order)


@pytest.mark.smoke
def test_a_reminder_late_after_downtime_waits_for_the_morning(outbox):
    partner = PartnerFactory(time_zone="Asia/Seoul", language="en")
    order = make_order(partner, date(2027, 3, 1))
    # The sweep comes back at 03:00 Seoul time, the 30-day reminder being a day late.
    run_sweep(now=seoul(31, 3))
    email = queued_email(order)
    assert email.next_attempt_at == seoul(31, 9)
    assert send_pending(now=seoul(31, 3)).sent == 0
    assert send_pending(now=seoul(31, 8, 59)).sent == 0
    assert outbox == []
    assert send_pending(now=seoul(31, 9)).sent == 1
    assert len(outbox) == 1


def test_an_order_added_at_night_gets_its_reminder_the_next_morning(outbox):
    partner = PartnerFactory(time_zone="Asia/Seoul", language="en")
    order = make_order(partner, date(2027, 2, 25))  # 27 days left: the 30-day reminder is due at once
    run_sweep(now=seoul(29, 22, 40))
    assert send_pending(now=seoul(29, 22, 40)).sent == 0
    assert queued_email(order).next_attempt_at == seoul(30, 9)
    assert send_pending(now=seoul(30, 9, 1)).sent == 1


def test_notices_switched_back_on_at_dawn_wait_for_the_working_day(outbox):
    partner = PartnerFactory(time_zone="Asia/Seoul", language="en")
    order = make_order(partner, date(2027, 2, 25), renewal_notices=False)
    admin = MembershipFactory(partner=partner, role=Role.ADMIN)
    set_renewal_notices(order=order, by=admin, enabled=True)
    run_sweep(now=seoul(30, 5))
    assert send_pending(now=seoul(30, 5)).sent == 0
    assert send_pending(now=seoul(30, 9)).sent == 1


def test_a_retry_that_falls_at_night_is_held_and_the_attempt_not_counted(outbox):
    partner = PartnerFactory(time_zone="Asia/Seoul", language="en")
    order = make_order(partner, date(2027, 2, 25))
    run_sweep(now=seoul(30, 10))
    email = queued_email(order)
    # A retry (or support's resend, or a released claim) comes due at 20:00.
    OutboxEmail.objects.filter(pk=email.pk).update(next_attempt_at=seoul(30, 20), attempts=2)
    result = send_pending(now=seoul(30, 20))
    email.refresh_from_db()
    assert (result.sent, result.held) == (0, 1)
    assert (email.status, email.attempts, email.next_attempt_at) == (EmailStatus.PENDING, 2, seoul(31, 9))
    assert outbox == []
    assert send_pending(now=seoul(31, 9) + timedelta(minutes=1)).sent == 1


def test_quick_view_says_when_a_waiting_email_leaves(client, outbox):
    partner = PartnerFactory(time_zone="Asia/Seoul", language="en")
    order = make_order(partner, date(2027, 3, 1))
    run_sweep(now=seoul(31, 3))
    client.force_login(MembershipFactory(partner=partner, role=Role.SUPPORT).user)
    page = client.get(f"/orders/{order.order_number}/").content.decode()
    assert "leaves 31 Jan 2027, 09:00 KST" in page
