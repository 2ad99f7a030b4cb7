"""Call tasks appear once per order and threshold, at the partner's threshold in the customer's time
zone, for orders worth the partner's minimum, assigned to the customer's sales owner."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from followups.models import CallTask
from followups.rules import LAPSED_DAYS, call_is_due
from followups.services import create_call_tasks
from partners.models import Role
from renewals.models import OrderStatus
from tests.factories import CustomerFactory, MembershipFactory, OrderFactory, PartnerFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

# 2027-03-01 00:30 UTC is 09:30 in Seoul: Seoul's day is 1 March, New York's still 28 February.
AT = datetime(2027, 3, 1, 0, 30, tzinfo=UTC)
SEOUL_TODAY = date(2027, 3, 1)


def order_ending(partner, days_from_today, **kwargs):
    customer = kwargs.pop("customer", None) or CustomerFactory(partner=partner)
    return OrderFactory(customer=customer, term_end=SEOUL_TODAY + timedelta(days=days_from_today), **kwargs)


def test_an_order_reaching_the_threshold_gets_one_task_due_that_day(partner_a):
    order = order_ending(partner_a, 30)
    assert create_call_tasks(at=AT) == 1
    task = CallTask.objects.get()
    assert (task.order, task.customer, task.partner) == (order, order.customer, partner_a)
    assert task.threshold_days == 30
    assert task.due_on == SEOUL_TODAY
    assert task.is_open


def test_a_second_run_makes_no_second_task(partner_a):
    order_ending(partner_a, 30)
    order_ending(partner_a, 12)
    assert create_call_tasks(at=AT) == 2
    assert create_call_tasks(at=AT) == 0
    assert create_call_tasks(at=AT + timedelta(days=3)) == 0
    assert CallTask.objects.count() == 2


def test_an_order_further_than_the_threshold_gets_no_task_yet(partner_a):
    order_ending(partner_a, 31)
    assert create_call_tasks(at=AT) == 0
    assert create_call_tasks(at=AT + timedelta(days=1)) == 1


def test_an_order_found_late_is_due_the_day_its_task_appears(partner_a):
    order_ending(partner_a, 10)
    create_call_tasks(at=AT)
    assert CallTask.objects.get().due_on == SEOUL_TODAY  # its threshold was 20 days ago


def test_an_order_lapsed_more_than_seven_days_ago_gets_no_task(partner_a):
    order_ending(partner_a, -LAPSED_DAYS)
    order_ending(partner_a, -LAPSED_DAYS - 1)
    assert create_call_tasks(at=AT) == 1
    assert CallTask.objects.get().order.term_end == SEOUL_TODAY - timedelta(days=LAPSED_DAYS)


def test_the_threshold_is_counted_in_the_customers_time_zone(partner_a):
    seoul = order_ending(partner_a, 30)  # the partner's zone: 1 March already
    new_york = order_ending(partner_a, 30, customer=CustomerFactory(partner=partner_a, time_zone="America/New_York"))
    create_call_tasks(at=AT)
    assert list(CallTask.objects.values_list("order", flat=True)) == [seoul.pk]
    # New York reaches 1 March five hours later (05:00 UTC).
    create_call_tasks(at=datetime(2027, 3, 1, 5, 0, tzinfo=UTC))
    assert CallTask.objects.filter(order=new_york).exists()


def test_call_is_due_from_the_threshold_day_to_seven_days_after_the_end():
    end = date(2027, 3, 31)
    assert not call_is_due(term_end=end, threshold_days=30, today=date(2027, 2, 28))
    assert call_is_due(term_end=end, threshold_days=30, today=date(2027, 3, 1))
    assert call_is_due(term_end=end, threshold_days=30, today=date(2027, 4, 7))
    assert not call_is_due(term_end=end, threshold_days=30, today=date(2027, 4, 8))


def test_only_orders_sold_at_the_minimum_or_more_get_a_task(partner_a):
    partner_a.call_min_value = Decimal("500000")
    partner_a.save()
    at_minimum = order_ending(partner_a, 30, price=Decimal("500000"))
    order_ending(partner_a, 30, price=Decimal("499999"))
    create_call_tasks(at=AT)
    assert list(CallTask.objects.values_list("order", flat=True)) == [at_minimum.pk]


def test_cancelled_and_renewed_orders_get_no_task(partner_a):
    order_ending(partner_a, 30, status=OrderStatus.CANCELLED)
    renewed = order_ending(partner_a, 30)
    order_ending(partner_a, 395, customer=renewed.customer, renewed_from=renewed)
    assert create_call_tasks(at=AT) == 0


def test_a_changed_threshold_makes_tasks_at_the_new_one(partner_a):
    order = order_ending(partner_a, 14)
    create_call_tasks(at=AT)
    partner_a.call_threshold_days = 14
    partner_a.save()
    assert create_call_tasks(at=AT) == 1
    assert sorted(order.call_tasks.values_list("threshold_days", flat=True)) == [14, 30]
    assert order.call_tasks.get(threshold_days=14).due_on == SEOUL_TODAY


def test_each_partner_uses_its_own_threshold(partner_a):
    other = PartnerFactory(call_threshold_days=60)
    order_ending(partner_a, 45)
    mine = order_ending(other, 45)
    assert create_call_tasks(at=AT) == 1
    assert CallTask.objects.get().order == mine
    assert create_call_tasks(at=AT, partner=partner_a) == 0


def test_a_run_for_one_partner_leaves_the_others_alone(partner_a, partner_b):
    order_ending(partner_a, 30)
    order_ending(partner_b, 30)
    assert create_call_tasks(at=AT, partner=partner_a) == 1
    assert list(CallTask.objects.values_list("partner", flat=True)) == [partner_a.pk]


def test_the_task_goes_to_the_customers_sales_owner(partner_a, sales_a):
    customer = CustomerFactory(partner=partner_a, sales_owner=sales_a)
    order_ending(partner_a, 30, customer=customer)
    create_call_tasks(at=AT)
    assert CallTask.objects.get().assigned_to == sales_a


def test_a_sales_owner_who_left_the_partner_leaves_the_task_unassigned(partner_a, partner_b):
    gone = UserFactory()
    MembershipFactory(user=gone, partner=partner_b, role=Role.SALES)  # staff elsewhere only
    order_ending(partner_a, 30, customer=CustomerFactory(partner=partner_a, sales_owner=gone))
    order_ending(partner_a, 30)  # no owner at all
    create_call_tasks(at=AT)
    assert list(CallTask.objects.values_list("assigned_to", flat=True)) == [None, None]


def test_the_beat_task_runs_the_service(partner_a, time_machine):
    from followups.tasks import make_call_tasks

    time_machine.move_to(AT)
    order_ending(partner_a, 30)
    assert make_call_tasks.delay().get() == {"created": 1}


def test_the_command_makes_the_tasks_due_at_the_given_instant(partner_a):
    from io import StringIO

    from django.core.management import call_command

    order_ending(partner_a, 30)
    out = StringIO()
    call_command("make_call_tasks", "--now", "2027-03-01T09:30:00+09:00", stdout=out)
    assert out.getvalue().strip() == "1 call task(s) made."
    assert CallTask.objects.get().due_on == SEOUL_TODAY
