"""The renewal-notices switch as a service: turned back on, the order is looked at again at once;
every change records who made it; the caller's order reads the new value."""

from datetime import UTC, date, datetime

import pytest
from django.utils import timezone

from notifications.models import Reminder
from notifications.sweep import run_sweep
from partners.models import Role
from renewals.models import NoticeChange, Order
from renewals.services import set_renewal_notices
from tests.factories import ContactFactory, CustomerFactory, MembershipFactory, OrderFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


@pytest.fixture
def silent_order(partner_a):
    """Notices off, and off the sweep's clock (as the sweep leaves an order it need not look at)."""
    customer = CustomerFactory(partner=partner_a)
    ContactFactory(customer=customer)
    return OrderFactory(customer=customer, term_end=date(2027, 3, 1), renewal_notices=False, next_reminder_at=None)


def test_notices_turned_back_on_put_the_order_on_the_next_sweep(silent_order, partner_a):
    staff = MembershipFactory(partner=partner_a, role=Role.SUPPORT)
    assert set_renewal_notices(order=silent_order, by=staff, enabled=True) is True
    assert silent_order.renewal_notices is True
    stored = Order.objects.get(pk=silent_order.pk)
    assert stored.renewal_notices and stored.next_reminder_at <= timezone.now()
    assert run_sweep(now=datetime(2027, 1, 30, 3, tzinfo=UTC)).due == 1
    assert Reminder.objects.get(order=silent_order).threshold_days == 30


def test_notices_turned_off_record_who_and_leave_the_next_check_alone(silent_order, partner_a):
    Order.objects.filter(pk=silent_order.pk).update(renewal_notices=True)
    silent_order.renewal_notices = True
    staff = MembershipFactory(partner=partner_a, role=Role.SALES)
    assert set_renewal_notices(order=silent_order, by=staff, enabled=False) is False
    assert silent_order.renewal_notices is False
    assert Order.objects.get(pk=silent_order.pk).next_reminder_at is None
    change = NoticeChange.objects.get(order=silent_order)
    assert (change.changed_by, change.old_value, change.new_value) == (staff.user, True, False)
