"""A renewal awaiting the CA's certificate reminds support, never the customer, after the partner's
number of days and again every as many days, until the certificate is recorded."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import override_settings

from notifications.models import EmailKind, EmailStatus, OutboxEmail, Reminder
from notifications.policy import issuance_thresholds
from notifications.sender import send_pending
from notifications.sweep import run_sweep
from partners.models import Role
from renewals.issuance import attach_certificate
from renewals.models import Order, OrderStatus
from renewals.services import reissue_certificate
from tests.factories import CertificateFactory, MembershipFactory, UserFactory

from .helpers import make_order

pytestmark = [pytest.mark.django_db]

ORDERED = datetime(2027, 1, 4, 3, tzinfo=UTC)  # noon in Seoul, 4 January


@pytest.fixture
def awaiting(seoul_partner):
    seoul_partner.support_email = "support@partner.example"
    seoul_partner.issuance_reminder_days = 3
    seoul_partner.save()
    order = make_order(seoul_partner, date(2028, 1, 31), status=OrderStatus.AWAITING_ISSUANCE)
    Order.objects.filter(pk=order.pk).update(created_at=ORDERED)
    order.refresh_from_db()
    return order


def issuance_reminders(order):
    return list(Reminder.objects.filter(order=order, kind="issuance").values_list("threshold_days", flat=True))


def test_support_is_reminded_after_the_partners_number_of_days_and_the_customer_is_not(awaiting, outbox):
    assert run_sweep(now=ORDERED + timedelta(days=2)).due == 0
    assert run_sweep(now=ORDERED + timedelta(days=3)).due == 1
    send_pending(now=ORDERED + timedelta(days=3))
    assert [message.to for message in outbox] == [["support@partner.example"]]
    email = OutboxEmail.objects.get()
    assert (email.kind, email.customer) == (EmailKind.ISSUANCE, None)
    assert email.items.get().reasons == "support"
    assert "Awaiting the CA's certificate for 3 days" in outbox[0].body


def test_support_is_reminded_again_every_as_many_days(awaiting):
    for day in range(0, 10):
        run_sweep(now=ORDERED + timedelta(days=day))
    assert sorted(issuance_reminders(awaiting), reverse=True) == [-3, -6, -9]


def test_reminders_stop_once_the_certificate_is_recorded(awaiting, outbox):
    run_sweep(now=ORDERED + timedelta(days=3))
    attach_certificate(
        awaiting,
        common_name=awaiting.common_name,
        names=awaiting.names,
        serial="0abc",
        not_before=ORDERED + timedelta(days=3),
        not_after=ORDERED + timedelta(days=200),
        pem="",
    )
    # The email queued before the certificate came is left out; no later one is queued.
    assert send_pending(now=ORDERED + timedelta(days=3)).skipped_opted_out == 1
    assert OutboxEmail.objects.get().status == EmailStatus.SKIPPED
    for day in range(4, 20):
        run_sweep(now=ORDERED + timedelta(days=day))
    assert issuance_reminders(awaiting) == [-3]
    assert outbox == []


def test_support_staff_are_reminded_when_the_partner_has_no_support_mailbox(awaiting, outbox):
    partner = awaiting.partner
    partner.support_email = ""
    partner.save()
    MembershipFactory(partner=partner, role=Role.SUPPORT, user=UserFactory(email="desk@partner.example"))
    run_sweep(now=ORDERED + timedelta(days=3))
    send_pending(now=ORDERED + timedelta(days=3))
    assert [message.to for message in outbox] == [["desk@partner.example"]]


def test_reminders_go_to_support_even_with_the_customers_notices_off(awaiting):
    Order.objects.filter(pk=awaiting.pk).update(renewal_notices=False)
    run_sweep(now=ORDERED + timedelta(days=3))
    assert issuance_reminders(awaiting) == [-3]


def test_no_issuance_reminder_when_the_partner_has_them_off(awaiting):
    awaiting.partner.issuance_reminder_days = 0
    awaiting.partner.save()
    for day in range(0, 10):
        run_sweep(now=ORDERED + timedelta(days=day))
    assert issuance_reminders(awaiting) == []


def test_a_cancelled_order_reminds_nobody(awaiting):
    Order.objects.filter(pk=awaiting.pk).update(status=OrderStatus.CANCELLED)
    run_sweep(now=ORDERED + timedelta(days=3))
    assert issuance_reminders(awaiting) == []


def test_issuance_thresholds_count_days_waited():
    assert issuance_thresholds(0) == ()
    assert issuance_thresholds(30)[:4] == (-30, -60, -90, -120)


@override_settings(RENEWALS_ISSUANCE_BACKEND="renewals.issuance.ManualIssuance")
def test_a_reissue_awaiting_its_certificate_counts_from_the_request_not_the_sale(seoul_partner):
    seoul_partner.support_email = "support@partner.example"
    seoul_partner.issuance_reminder_days = 3
    seoul_partner.save()
    order = make_order(seoul_partner, date(2027, 12, 1))
    Order.objects.filter(pk=order.pk).update(created_at=ORDERED - timedelta(days=300))
    not_after = datetime(2027, 1, 20, 14, 59, 59, tzinfo=UTC)  # ends inside the term, 16 days after ORDERED
    CertificateFactory(order=order, not_before=not_after - timedelta(days=199), not_after=not_after)
    staff = MembershipFactory(partner=seoul_partner, role=Role.SUPPORT)
    assert reissue_certificate(order=order, by=staff, at=ORDERED)
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_ISSUANCE and order.awaiting_issuance_since is not None
    Order.objects.filter(pk=order.pk).update(awaiting_issuance_since=ORDERED)
    assert run_sweep(now=ORDERED + timedelta(days=2)).due == 0  # 300 days since the sale: not counted
    run_sweep(now=ORDERED + timedelta(days=3))
    assert issuance_reminders(order) == [-3]
