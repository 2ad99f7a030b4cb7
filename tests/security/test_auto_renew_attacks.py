"""Auto-renew's switches (the customer's ``/r/<token>/auto-renew/``, Quick View's
``/orders/<n>/auto-renew/``), the ``/auto-renewals/`` list, and the Expiring list's and the API's
``action`` filter, attacked: hostile values, stale or foreign links, other partners' orders, the wrong
role, two requests at once, markup in what staff read. None may be a 500, switch what it should not, or
show markup. (Security review of issue 15, regression coverage.)"""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from partners.actors import CUSTOMER
from partners.models import Role
from renewals.auto_renew import run_auto_renewal, turn_on
from renewals.links import customer_renewal_path
from renewals.models import AutoRenewal, AutoRenewalStatus
from renewals.services import renew_order
from tests.api.conftest import api_client, make_tokens
from tests.factories import ContactFactory, CustomerFactory, MembershipFactory, OrderFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 3, tzinfo=UTC)
TERM_END = date(2027, 3, 1)
HOSTILE_PLANS = ["", "0", "-1", "4", "1.0", "1e0", "１", "1\n", "99999999999999999999999", "x" * 5000, "<b>1</b>"]
HOSTILE_ACTIONS = ["ON", "On", "", "delete", "x" * 5000, "<script>alert(1)</script>"]


@pytest.fixture
def order(partner_a):
    customer = CustomerFactory(partner=partner_a, company_name="Blue Foods")
    ContactFactory(customer=customer)
    return OrderFactory(customer=customer, term_end=TERM_END, order_number="5001")


def customer_switch(order):
    token = customer_renewal_path(order).rstrip("/").rsplit("/", 1)[1]
    return reverse("customer-auto-renew", kwargs={"token": token})


def staff_switch(order):
    return reverse("order-auto-renew", kwargs={"order_number": order.order_number})


# Hostile values ----------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_hostile_plans_and_actions_switch_nothing_and_say_why(client, sales_a, order):
    client.force_login(sales_a)
    for url, clients in ((staff_switch(order), client), (customer_switch(order), Client())):
        for plan in HOSTILE_PLANS:
            response = clients.post(url, {"auto-action": "on", "auto-plan_years": plan}, follow=True)
            assert response.status_code == 200, (url, plan)
            assert "<b>1</b>" not in response.content.decode()
        for action in HOSTILE_ACTIONS:
            response = clients.post(url, {"auto-action": action, "auto-plan_years": "1"}, follow=True)
            assert response.status_code == 200, (url, action)
            assert "<script>alert(1)" not in response.content.decode()
    assert not AutoRenewal.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_an_expired_link_switches_nothing_and_names_no_order(order, settings):
    url = customer_switch(order)
    with time_machine.travel(NOW + timedelta(days=settings.CUSTOMER_LINK_MAX_AGE_DAYS + 1), tick=False):
        response = Client().post(url, {"auto-action": "on", "auto-plan_years": "1"})
    assert response.status_code == 404
    assert order.order_number not in response.content.decode() and "Blue Foods" not in response.content.decode()
    assert not AutoRenewal.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_link_of_a_renewed_order_cannot_schedule_a_second_renewal(order, sales_a):
    from partners.models import StaffMembership

    url = customer_switch(order)
    renew_order(order=order, by=StaffMembership.objects.get(user=sales_a), at=NOW)
    response = Client().post(url, {"auto-action": "on", "auto-plan_years": "1"}, follow=True)
    assert "is renewed already" in response.content.decode()
    assert not AutoRenewal.objects.exists()


# Tenancy and roles -------------------------------------------------------------------------------


@pytest.mark.parametrize("role_user", ["sales_a", "support_a", "admin_a"])
@pytest.mark.parametrize("method", ["put", "patch", "delete", "head", "options"])
@time_machine.travel(NOW, tick=False)
def test_another_partners_order_is_a_404_for_every_other_method_too(client, request, role_user, method, order_b):
    client.force_login(request.getfixturevalue(role_user))
    response = getattr(client, method)(staff_switch(order_b))
    assert response.status_code == 404
    assert not AutoRenewal.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_support_cannot_turn_it_on_either(client, support_a, order):
    client.force_login(support_a)
    response = client.post(staff_switch(order), {"auto-action": "on", "auto-plan_years": "1"})
    assert response.status_code == 403
    assert not AutoRenewal.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_staff_switch_needs_the_csrf_token(sales_a, order):
    client = Client(enforce_csrf_checks=True)
    client.force_login(sales_a)
    assert client.post(staff_switch(order), {"auto-action": "on", "auto-plan_years": "1"}).status_code == 403
    assert not AutoRenewal.objects.exists()


# What staff read ---------------------------------------------------------------------------------


@time_machine.travel(datetime(2027, 1, 30, 1, tzinfo=UTC), tick=False)
def test_a_failure_reason_carrying_markup_is_shown_as_text(client, support_a, partner_a):
    customer = CustomerFactory(partner=partner_a, company_name="<b>Evil</b> Co")
    order = OrderFactory(customer=customer, term_end=TERM_END, order_number="5002", common_name="<i>x</i>.example")
    auto = turn_on(order=order, by=CUSTOMER, plan_years=1, now=NOW)
    order.product.name = '<img src=x onerror="alert(1)">'
    order.product.is_active = False
    order.product.save()
    run_auto_renewal(auto, datetime(2027, 1, 30, 1, tzinfo=UTC))
    assert AutoRenewal.objects.get().failure_reason.startswith("<img src=x")
    client.force_login(support_a)
    for url in (
        reverse("auto-renewals"),
        reverse("order-detail", args=["5002"]),
        reverse("order-detail", args=["5002"]) + "?panel=1",
    ):
        page = client.get(url).content.decode()
        assert "&lt;img src=x onerror=" in page, url
        assert "<img src=x" not in page and "<b>Evil" not in page and "<i>x</i>" not in page, url


@pytest.mark.parametrize(
    "query",
    [
        {"status": "x" * 5000},
        {"status": "<script>alert(1)</script>"},
        {"status": ["failed", "<b>bogus"]},
        {"page": "99999999999999999999999"},
        {"page": "-1"},
        {"page": "1e9"},
        {"page": "inf"},
        {"page": "nan"},
        {"page": "<script>alert(1)</script>", "status": "scheduled"},
        {"unknown": "<script>alert(1)</script>"},
    ],
)
def test_hostile_query_parameters_on_the_list_are_never_a_500_nor_markup(client, support_a, order, query):
    turn_on(order=order, by=CUSTOMER, plan_years=1, now=datetime.now(UTC))
    client.force_login(support_a)
    response = client.get(reverse("auto-renewals"), query)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<script>alert" not in page and "<b>bogus" not in page
    assert order.order_number in page


# Two requests at once ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
@pytest.mark.parametrize("attempt", range(3))
def test_switches_at_the_same_moment_leave_one_row_and_no_error(attempt):
    """Two staff "on" (different plans), the customer's "on" and "off", all at once: each request
    locks the order's row first, so they queue, and the one row ends in a state one of them asked for."""
    assert connection.vendor == "postgresql", "the race needs real row locks"
    sales = MembershipFactory(role=Role.SALES)
    customer = CustomerFactory(partner=sales.partner)
    ContactFactory(customer=customer)
    order = OrderFactory(customer=customer, term_end=date.today() + timedelta(days=200))

    def staff(action, plan):
        client = Client(raise_request_exception=True)
        client.force_login(sales.user)
        return lambda: client.post(staff_switch(order), {"auto-action": action, "auto-plan_years": plan})

    def customer_post(action, plan):
        client = Client(raise_request_exception=True)
        return lambda: client.post(customer_switch(order), {"auto-action": action, "auto-plan_years": plan})

    requests = [staff("on", "1"), staff("on", "2"), customer_post("on", "3"), customer_post("off", "")]
    start = threading.Barrier(len(requests))
    statuses, errors = [], []

    def run(send):
        try:
            start.wait()
            statuses.append(send().status_code)
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(send,)) for send in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors and statuses == [302] * 4
    auto = AutoRenewal.objects.get(order=order)
    assert auto.status in (AutoRenewalStatus.SCHEDULED, AutoRenewalStatus.CANCELLED)
    assert auto.plan_years in (1, 2, 3)


# The action filter -------------------------------------------------------------------------------

HOSTILE_FILTER_ACTIONS = [
    "OPEN",
    "open ",
    " open",
    "open\x01",
    "renew,open",
    "x" * 5000,
    "<script>alert(1)</script>",
    "%",
]


@pytest.mark.parametrize("action", HOSTILE_FILTER_ACTIONS)
def test_a_hostile_action_on_the_expiring_list_is_ignored_and_named(client, sales_a, order, action):
    client.force_login(sales_a)
    response = client.get(reverse("expiring"), {"action": action})
    assert response.status_code == 200
    assert response.context["ignored"] == ["action"]
    assert "<script>alert" not in response.content.decode()
    export = client.get(reverse("expiring"), {"action": action, "format": "csv"})
    assert export.status_code == 200


@pytest.mark.parametrize("action", HOSTILE_FILTER_ACTIONS)
def test_a_hostile_action_in_the_api_is_a_400_that_names_it(partner_a, order, order_b, action):
    response = api_client(make_tokens(partner_a).read).get("/api/v1/orders/", {"action": action})
    assert response.status_code == 400
    assert response.json() == {"action": ["Not understood."]}


def test_the_open_action_lists_only_the_partners_own_open_orders(client, sales_a, order, order_b):
    client.force_login(sales_a)
    page = client.get(reverse("expiring"), {"action": "open", "window": "all"}).content.decode()
    assert order.order_number in page and order_b.order_number not in page
    rows = api_client(make_tokens(order.partner).read).get("/api/v1/orders/", {"action": "open"}).json()["results"]
    assert [row["order_number"] for row in rows] == [order.order_number]
