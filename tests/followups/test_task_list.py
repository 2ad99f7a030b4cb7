"""The /tasks/ page: the sales staff's calls with contacts, the outcome form, and the header's count."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from followups import views
from followups.models import CallOutcome, CallTask
from followups.services import create_call_tasks, record_outcome
from renewals.models import OrderNote, OrderStatus
from tests.factories import ContactFactory, CustomerFactory, OrderFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

AT = datetime(2027, 3, 1, 0, 30, tzinfo=UTC)
TODAY = date(2027, 3, 1)  # Seoul


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(AT + timedelta(hours=1), tick=False):
        yield


def make_task(partner, *, owner=None, days=30, **order_fields):
    customer = CustomerFactory(partner=partner, sales_owner=owner)
    order = OrderFactory(customer=customer, term_end=TODAY + timedelta(days=days), **order_fields)
    create_call_tasks(at=AT, partner=partner)
    return CallTask.objects.get(order=order)


def listed(response):
    return [row["task"].order.order_number for row in response.context["rows"]]


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_users_own_tasks_come_first_then_unassigned_then_others(client, partner_a, sales_a):
    colleague = UserFactory()
    partner_a.memberships.create(user=colleague, role="sales")
    others = make_task(partner_a, owner=colleague, days=5)
    nobodys = make_task(partner_a, days=10)
    mine = make_task(partner_a, owner=sales_a, days=20)
    client.force_login(sales_a)
    response = client.get(reverse("call-tasks"))
    assert listed(response) == [mine.order.order_number, nobodys.order.order_number, others.order.order_number]


def test_a_task_shows_the_order_customer_and_contacts_with_phone_links(client, partner_a, sales_a):
    task = make_task(partner_a)
    ContactFactory(customer=task.customer, name="Jisoo Park", email="jisoo+it@example.kr", phone="+82 2 555 0100")
    client.force_login(sales_a)
    html = client.get(reverse("call-tasks")).content.decode()
    assert reverse("order-detail", args=[task.order.order_number]) in html
    assert task.customer.company_name in html
    assert "Jisoo Park" in html and 'href="mailto:jisoo%2Bit@example.kr"' in html
    assert 'href="tel:+8225550100"' in html
    assert "30 days left" in html


def test_the_mine_filter_shows_only_the_users_tasks(client, partner_a, sales_a):
    mine = make_task(partner_a, owner=sales_a)
    make_task(partner_a)
    client.force_login(sales_a)
    assert listed(client.get(reverse("call-tasks"), {"who": "mine"})) == [mine.order.order_number]


def test_done_tasks_leave_the_open_list_and_show_under_done(client, partner_a, sales_a):
    done = make_task(partner_a, days=10)
    still_open = make_task(partner_a, days=20)
    record_outcome(task=done, by=sales_a.memberships.get(), outcome=CallOutcome.REACHED, at=AT)
    client.force_login(sales_a)
    assert listed(client.get(reverse("call-tasks"))) == [still_open.order.order_number]
    assert listed(client.get(reverse("call-tasks"), {"status": "done"})) == [done.order.order_number]
    assert len(listed(client.get(reverse("call-tasks"), {"status": "all"}))) == 2


def test_a_renewed_or_cancelled_orders_task_is_no_longer_open(client, partner_a, sales_a):
    renewed = make_task(partner_a, days=10)
    cancelled = make_task(partner_a, days=20)
    OrderFactory(customer=renewed.customer, renewed_from=renewed.order, term_end=TODAY + timedelta(days=400))
    cancelled.order.status = OrderStatus.CANCELLED
    cancelled.order.save()
    client.force_login(sales_a)
    assert listed(client.get(reverse("call-tasks"))) == []
    response = client.get(reverse("call-tasks"), {"status": "all"})
    assert len(listed(response)) == 2
    assert "No call needed" in response.content.decode()


def test_a_filter_value_not_understood_shows_the_default_list(client, partner_a, sales_a):
    task = make_task(partner_a)
    client.force_login(sales_a)
    response = client.get(reverse("call-tasks"), {"status": "<script>", "who": "nobody", "page": "x"})
    assert response.status_code == 200
    assert listed(response) == [task.order.order_number]


def test_the_list_is_paginated(client, partner_a, sales_a, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for days in (5, 6, 7):
        make_task(partner_a, days=days)
    client.force_login(sales_a)
    assert len(listed(client.get(reverse("call-tasks")))) == 2
    assert len(listed(client.get(reverse("call-tasks"), {"page": 2}))) == 1


def test_no_tasks_shows_the_empty_state(client, sales_a):
    client.force_login(sales_a)
    response = client.get(reverse("call-tasks"))
    assert 'data-testid="no-tasks"' in response.content.decode()


def test_sales_records_an_outcome_and_returns_to_the_list(client, partner_a, sales_a):
    task = make_task(partner_a)
    client.force_login(sales_a)
    response = client.post(
        reverse("call-task-outcome", args=[task.pk]), {"outcome": CallOutcome.WILL_RENEW, "next": "/tasks/?who=mine"}
    )
    assert response.status_code == 302 and response["Location"] == "/tasks/?who=mine"
    task.refresh_from_db()
    assert task.outcome == CallOutcome.WILL_RENEW and not task.is_open
    assert OrderNote.objects.get(order=task.order).body.startswith("Follow-up call")


def test_posting_a_completed_task_again_changes_nothing_and_says_so(client, partner_a, sales_a):
    task = make_task(partner_a)
    client.force_login(sales_a)
    url = reverse("call-task-outcome", args=[task.pk])
    client.post(url, {"outcome": CallOutcome.REACHED})
    response = client.post(url, {"outcome": CallOutcome.WILL_NOT_RENEW, "reason": "Too late"})
    assert any("recorded already" in message for message in messages_of(response))
    task.refresh_from_db()
    assert task.outcome == CallOutcome.REACHED
    assert OrderNote.objects.count() == 1


def test_will_not_renew_without_a_reason_is_refused(client, partner_a, sales_a):
    task = make_task(partner_a)
    client.force_login(sales_a)
    response = client.post(reverse("call-task-outcome", args=[task.pk]), {"outcome": CallOutcome.WILL_NOT_RENEW})
    assert any("Say why" in message for message in messages_of(response))
    task.refresh_from_db()
    assert task.is_open


def test_a_refused_outcome_comes_back_as_chosen_with_its_error_beside_it(client, partner_a, sales_a):
    task, other = make_task(partner_a), make_task(partner_a)
    client.force_login(sales_a)
    url = reverse("call-task-outcome", args=[task.pk])
    response = client.post(url, {"outcome": CallOutcome.WILL_NOT_RENEW, "next": reverse("call-tasks")})
    assert response["Location"] == f"{reverse('call-tasks')}#task-{task.pk}"
    page = client.get(reverse("call-tasks")).content.decode()
    start = page.index(f'id="task-{task.pk}"')
    end = page.find('data-testid="call-task"', start + len('id="task-0" data-testid="call-task"'))
    refused = page[start : end if end > 0 else len(page)]
    assert f'value="{CallOutcome.WILL_NOT_RENEW}"' in refused and "checked" in refused
    assert "Say why the customer will not renew." in refused
    # Shown once: the next visit has a fresh form, and the other task's form never had the error.
    again = client.get(reverse("call-tasks")).content.decode()
    assert "Say why the customer will not renew." not in again
    assert other.is_open


def test_an_unsafe_next_returns_to_the_task_list(client, partner_a, sales_a):
    task = make_task(partner_a)
    client.force_login(sales_a)
    response = client.post(
        reverse("call-task-outcome", args=[task.pk]), {"outcome": "reached", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("call-tasks")


def test_support_staff_see_the_list_without_forms_and_cannot_record(client, partner_a, support_a):
    task = make_task(partner_a)
    client.force_login(support_a)
    response = client.get(reverse("call-tasks"))
    assert listed(response) == [task.order.order_number]
    assert 'data-testid="outcome-form"' not in response.content.decode()
    assert client.post(reverse("call-task-outcome", args=[task.pk]), {"outcome": "reached"}).status_code == 403
    task.refresh_from_db()
    assert task.is_open


@pytest.mark.parametrize("role", ["sales_a", "support_a", "admin_a"])
def test_another_partners_task_is_a_404_for_every_role(client, partner_b, role, request):
    task = make_task(partner_b)
    client.force_login(request.getfixturevalue(role))
    assert client.post(reverse("call-task-outcome", args=[task.pk]), {"outcome": "reached"}).status_code == 404
    assert client.get(reverse("call-tasks"), {"status": "all"}).context["rows"] == []
    task.refresh_from_db()
    assert task.is_open


def test_the_header_counts_open_tasks_due_today_or_before_for_the_user(client, partner_a, sales_a):
    colleague = UserFactory()
    partner_a.memberships.create(user=colleague, role="sales")
    make_task(partner_a, owner=sales_a, days=30)  # due today
    make_task(partner_a, days=10)  # unassigned, due 20 days ago
    make_task(partner_a, owner=colleague, days=30)  # someone else's
    done = make_task(partner_a, owner=sales_a, days=20)
    record_outcome(task=done, by=sales_a.memberships.get(), outcome=CallOutcome.REACHED, at=AT)
    client.force_login(sales_a)
    html = client.get(reverse("home")).content.decode()
    assert 'data-testid="call-tasks-due">2<' in html
    # The badge says whose calls it counts (the home page's card counts everyone's).
    assert 'title="Calls due today or earlier that are yours or nobody’s"' in html


def test_the_header_shows_no_count_when_nothing_is_due(client, sales_a):
    client.force_login(sales_a)
    html = client.get(reverse("home")).content.decode()
    assert 'data-testid="nav-call-tasks"' in html
    assert 'data-testid="call-tasks-due"' not in html


def test_the_list_costs_the_same_queries_for_one_task_or_many(client, partner_a, sales_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(sales_a)
    first = make_task(partner_a, days=5)
    ContactFactory(customer=first.customer)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("call-tasks"))
    for days in (6, 7, 8, 9):
        task = make_task(partner_a, days=days, owner=sales_a)
        ContactFactory(customer=task.customer, phone="010-1234-5678")
    with CaptureQueriesContext(connection) as five:
        response = client.get(reverse("call-tasks"))
    assert len(listed(response)) == 5
    assert len(five) == len(one)
