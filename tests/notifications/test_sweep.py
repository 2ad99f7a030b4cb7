"""The sweep: each reminder once, on the customer's local day, the most urgent after downtime, as digests."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from notifications.models import EmailStatus, OutboxEmail, Reminder
from notifications.sender import send_pending
from notifications.sweep import run_sweep
from partners.models import Role
from renewals.models import Order
from renewals.services import renew_order
from tests.factories import CertificateFactory, ContactFactory, CustomerFactory, MembershipFactory, PartnerFactory

from .helpers import make_order, sweep_and_send

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

TERM_END = date(2027, 3, 1)


@pytest.mark.parametrize("zone", ["Asia/Seoul", "America/New_York"])
def test_an_order_followed_hourly_for_100_days_gets_exactly_its_four_reminders(zone, outbox):
    partner = PartnerFactory(time_zone=zone)
    order = make_order(partner, TERM_END)
    start = datetime(2026, 11, 21, tzinfo=UTC)
    received = []
    with time_machine.travel(start, tick=False) as clock:
        for hour in range(100 * 24):
            now = start + timedelta(hours=hour)
            clock.move_to(now)
            before = len(outbox)
            sweep_and_send(now)
            received += [(now, message) for message in outbox[before:]]
    local = ZoneInfo(zone)
    days_before = [(TERM_END - now.astimezone(local).date()).days for now, _message in received]
    assert days_before == [90, 60, 30, 7]
    assert all(now.astimezone(local).hour == 9 for now, _message in received)
    assert [message.subject for _now, message in received][-1] == "Your certificate expires in 7 days"
    assert Reminder.objects.filter(order=order).count() == 4


def test_second_sweep_at_the_same_instant_sends_nothing(seoul_partner, outbox):
    make_order(seoul_partner, TERM_END)
    now = datetime(2027, 1, 30, 3, tzinfo=UTC)
    first, _sent = sweep_and_send(now)
    second, sent = sweep_and_send(now)
    assert (first.due, second.due, sent.sent) == (1, 0, 0)
    assert len(outbox) == 1


def test_after_downtime_only_the_most_urgent_reminder_goes_out(seoul_partner, outbox):
    order = make_order(seoul_partner, TERM_END)
    sweep_and_send(datetime(2027, 2, 4, 3, tzinfo=UTC))  # 25 days left, first sweep after a long outage
    assert list(Reminder.objects.filter(order=order).values_list("threshold_days", flat=True)) == [30]
    assert outbox[0].subject == "Your certificate expires in 25 days"


def test_reminders_due_together_for_a_contact_go_out_as_one_digest(seoul_partner, outbox):
    customer = CustomerFactory(partner=seoul_partner)
    ContactFactory(customer=customer)
    orders = [
        make_order(seoul_partner, TERM_END - timedelta(days=offset), customer=customer, contacts=0)
        for offset in (0, 3, 20)
    ]
    sweep_and_send(datetime(2027, 2, 25, 3, tzinfo=UTC))  # 4, 1 and -16 days left
    assert len(outbox) == 1
    message = outbox[0]
    assert message.subject == "Your certificate expires in 1 day (and 1 more)"
    for order in orders[:2]:
        assert order.order_number in message.body


def test_each_contact_of_the_customer_gets_the_reminder_once(seoul_partner, outbox):
    make_order(seoul_partner, TERM_END, contacts=2)
    now = datetime(2027, 1, 30, 3, tzinfo=UTC)
    sweep_and_send(now)
    sweep_and_send(now + timedelta(hours=1))
    assert sorted(len(message.to) for message in outbox) == [1, 1]
    assert len({message.to[0] for message in outbox}) == 2


def test_notices_turned_off_after_queueing_are_checked_at_send_time(seoul_partner, outbox):
    order = make_order(seoul_partner, TERM_END)
    now = datetime(2027, 1, 30, 3, tzinfo=UTC)
    run_sweep(now=now)
    Order.objects.filter(pk=order.pk).update(renewal_notices=False)
    result = send_pending(now=now)
    assert (result.sent, result.skipped_opted_out) == (0, 1)
    assert outbox == []
    assert OutboxEmail.objects.get().status == EmailStatus.SKIPPED


def test_a_contact_who_unsubscribes_after_queueing_gets_nothing(seoul_partner, outbox):
    order = make_order(seoul_partner, TERM_END)
    now = datetime(2027, 1, 30, 3, tzinfo=UTC)
    run_sweep(now=now)
    order.customer.contacts.update(unsubscribed_at=now)
    assert send_pending(now=now).skipped_opted_out == 1
    assert outbox == []


def test_orders_with_notices_off_are_not_scheduled(seoul_partner, outbox):
    make_order(seoul_partner, TERM_END, renewal_notices=False)
    swept, _sent = sweep_and_send(datetime(2027, 1, 30, 3, tzinfo=UTC))
    assert swept.due == 0 and outbox == []


def test_renewal_cancels_what_is_pending_for_the_old_order(seoul_partner, outbox):
    order = make_order(seoul_partner, TERM_END)
    now = datetime(2027, 1, 30, 3, tzinfo=UTC)
    run_sweep(now=now)
    renew_order(order=order, by=MembershipFactory(partner=seoul_partner, role=Role.SALES), at=now)
    assert send_pending(now=now).skipped_opted_out == 1
    assert Reminder.objects.get(order=order).cancel_reason == "renewal"
    order.refresh_from_db()
    assert order.next_reminder_at is None
    swept, _sent = sweep_and_send(now + timedelta(days=25))
    assert not Reminder.objects.filter(order=order, threshold_days=7).exists()


def test_a_certificate_ending_inside_the_term_gets_reissue_reminders(seoul_partner, outbox):
    order = make_order(seoul_partner, date(2027, 12, 1))
    # Issued at 10:00 with the 200-day cap: notAfter 2027-03-01 09:59:59, so it expires on 1 March.
    issued = datetime(2026, 8, 13, 10, tzinfo=ZoneInfo("Asia/Seoul"))
    CertificateFactory(order=order, not_before=issued, not_after=issued + timedelta(days=200, seconds=-1))
    sweep_and_send(datetime(2027, 2, 15, 3, tzinfo=UTC))
    reminder = Reminder.objects.get(order=order)
    assert (reminder.kind, reminder.threshold_days, reminder.ends_on) == ("reissue", 14, date(2027, 3, 1))
    assert outbox[0].subject == "Free reissue needed: your certificate ends in 14 days"


def test_dry_run_lists_and_changes_nothing(seoul_partner):
    order = make_order(seoul_partner, TERM_END)
    result = run_sweep(now=datetime(2027, 1, 30, 3, tzinfo=UTC), dry_run=True)
    assert result.planned == [(order.order_number, "renewal", 30)]
    assert not Reminder.objects.exists() and not OutboxEmail.objects.exists()
