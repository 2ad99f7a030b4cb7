"""The home page: terms to renew and free reissues per expiry window, each equal to the list it opens."""

import html
import re
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from partners.models import Role
from renewals.models import OrderStatus
from renewals.windows import partner_windows
from tests.factories import CustomerFactory, OrderFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

# 2026-11-25 10:00 in Seoul is 01:00 UTC the same day.
NOW = "2026-11-25T01:00:00Z"
TODAY = date(2026, 11, 25)


def counts(response, action="renew"):
    return {window.key: by_action[action] for window, by_action in response.context["windows"]}


def order_ending_in(partner, days, **kwargs):
    return OrderFactory(customer=CustomerFactory(partner=partner), term_end=TODAY + timedelta(days=days), **kwargs)


@time_machine.travel(NOW, tick=False)
def test_each_window_counts_its_orders(client, sales_a, partner_a):
    for days in (-7, -6, -1, 0, 7, 8, 30, 31, 60, 61, 90, 91, 400):
        order_ending_in(partner_a, days)
    client.force_login(sales_a)
    assert counts(client.get(reverse("home"))) == {
        "expired": 2,
        "7": 2,
        "30": 2,
        "60": 2,
        "90": 2,
        "later": 2,
    }


@time_machine.travel(NOW, tick=False)
def test_renewed_cancelled_and_foreign_orders_are_not_counted(client, sales_a, partner_a, partner_b):
    old = order_ending_in(partner_a, 10)
    OrderFactory(customer=old.customer, renewed_from=old, term_end=TODAY + timedelta(days=500))
    order_ending_in(partner_a, 12, status=OrderStatus.CANCELLED)
    order_ending_in(partner_b, 15)
    client.force_login(sales_a)
    assert counts(client.get(reverse("home")))["30"] == 0


@time_machine.travel(NOW, tick=False)
def test_reissues_are_counted_apart_from_terms_to_renew(client, sales_a, partner_a):
    # A certificate ending in 5 days inside a term that runs another 200 days: a free reissue, not a sale.
    order_ending_in(partner_a, 200, expires_on=TODAY + timedelta(days=5))
    order_ending_in(partner_a, 6)
    client.force_login(sales_a)
    response = client.get(reverse("home"))
    assert counts(response, "renew")["7"] == 1
    assert counts(response, "reissue")["7"] == 1
    assert counts(response, "renew")["later"] == 0


@time_machine.travel(NOW, tick=False)
def test_every_number_equals_the_rows_of_the_list_it_links_to(client, sales_a, partner_a):
    """The numbers once disagreed with their lists (287 vs 295): the lists held renewed rows."""
    for days in (-3, 0, 5, 20, 45, 80, 200):
        order_ending_in(partner_a, days)
        order_ending_in(partner_a, days + 300, expires_on=TODAY + timedelta(days=days))
    renewed = order_ending_in(partner_a, 25)
    OrderFactory(customer=renewed.customer, renewed_from=renewed, term_end=TODAY + timedelta(days=400))
    order_ending_in(partner_a, 26, status=OrderStatus.CANCELLED)
    client.force_login(sales_a)
    page = client.get(reverse("home")).content.decode()
    links = re.findall(r'data-testid="(renew|reissue)-(\w+)" href="([^"]+)">([\d,]+)<', page)
    assert len(links) == 2 * len(partner_windows(partner_a))
    for _action, _window, href, number in links:
        listing = client.get(html.unescape(href))
        assert listing.context["total"] == int(number.replace(",", "")), href
    assert sum(int(number) for *_rest, number in links) > 0


@time_machine.travel("2026-11-24T15:30:00Z", tick=False)
def test_days_are_counted_in_the_partners_time_zone(client, sales_a, partner_a):
    # 15:30 UTC on the 24th is already 00:30 on the 25th in Seoul: an order ending on the 25th is at 0 days.
    order_ending_in(partner_a, 0)
    client.force_login(sales_a)
    response = client.get(reverse("home"))
    assert response.context["today"] == TODAY
    assert counts(response)["7"] == 1


def test_home_requires_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_user_without_a_partner_gets_a_clear_403(client):
    client.force_login(UserFactory())
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert "not a member of any partner" in response.content.decode()
    assert "Back to home" not in response.content.decode()  # it would lead to this same page


def test_header_shows_partner_and_role(client, support_a, partner_a):
    client.force_login(support_a)
    page = client.get(reverse("home")).content.decode()
    assert partner_a.name in page
    assert str(Role.SUPPORT.label) in page


def test_page_speaks_korean_after_switching_language(client, sales_a):
    # A request leaves this thread in its language: the tests after this one get theirs back.
    with translation.override(translation.get_language()):
        client.force_login(sales_a)
        client.post(reverse("set_language"), {"language": "ko", "next": "/"})
        page = client.get(reverse("home")).content.decode()
    assert "갱신" in page
    assert '<html lang="ko">' in page


# The cockpit: what is at stake and what is working (figures are pinned in tests/reports/test_cockpit.py).


@time_machine.travel(NOW, tick=False)
def test_notices_off_and_failed_emails_equal_the_lists_they_link_to(client, admin_a, partner_a, partner_b):
    from notifications.models import EmailStatus
    from tests.reports.data import email

    for days in (0, 10, 30, 31):
        order_ending_in(partner_a, days, renewal_notices=False)
    order_ending_in(partner_b, 10, renewal_notices=False)
    for status in (EmailStatus.FAILED, EmailStatus.FAILED, EmailStatus.SENT):
        email(partner_a, status)
    email(partner_b, EmailStatus.FAILED)
    client.force_login(admin_a)
    page = client.get(reverse("home")).content.decode()
    silent = re.search(r'href="([^"]+)" data-testid="silent-partner">([\d,]+)<', page)
    assert silent.group(2) == "3"
    assert client.get(html.unescape(silent.group(1))).context["total"] == 3
    failed = re.search(r'href="([^"]+)" data-testid="failed-emails">([\d,]+)<', page)
    assert failed.group(2) == "2"
    assert client.get(html.unescape(failed.group(1))).context["page_obj"].paginator.count == 2


@time_machine.travel(NOW, tick=False)
def test_revenue_at_stake_reads_in_the_partners_currency(client, partner_a):
    from decimal import Decimal

    from tests.factories import MembershipFactory, PartnerFactory

    dollars = PartnerFactory(currency="USD", time_zone="America/New_York")
    OrderFactory(customer=CustomerFactory(partner=dollars), term_end=TODAY + timedelta(days=3), priced=False,
                 price=Decimal("49.50"), currency="USD")  # fmt: skip
    OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=TODAY + timedelta(days=3), priced=False,
                 price=Decimal("490000"))  # fmt: skip
    client.force_login(MembershipFactory(partner=dollars).user)
    assert (
        '<p class="fs-3 fw-semibold mb-1" data-testid="stake-30-partner">$49.50</p>' in client.get("/").content.decode()
    )
    client.force_login(MembershipFactory(partner=partner_a).user)
    assert 'data-testid="stake-30-partner">₩490,000</p>' in client.get("/").content.decode()


@time_machine.travel(NOW, tick=False)
def test_an_empty_partner_gets_a_page_without_rates(client, sales_a):
    client.force_login(sales_a)
    response = client.get(reverse("home"))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="rate-partner">—<' in page
    assert "No term ended in the last 90 days." in page
    assert "No offer is running today." in page


@time_machine.travel(NOW, tick=False)
def test_a_salesperson_sees_my_customers_first(client, sales_a, partner_a):
    mine = CustomerFactory(partner=partner_a, sales_owner=sales_a)
    OrderFactory(customer=mine, term_end=TODAY + timedelta(days=5))
    client.force_login(sales_a)
    page = client.get(reverse("home")).content.decode()
    assert "My customers" in page
    assert page.index('data-testid="scope-mine"') < page.index('data-testid="scope-partner"')


@time_machine.travel(NOW, tick=False)
def test_the_rate_and_its_trend_are_on_the_page(client, admin_a, partner_a):
    from tests.reports.data import at, renew

    renew(order_ending_in(partner_a, -10), at(TODAY - timedelta(days=20)))
    order_ending_in(partner_a, -20)
    renew(order_ending_in(partner_a, -100), at(TODAY - timedelta(days=120)))
    client.force_login(admin_a)
    page = client.get(reverse("home")).content.decode()
    assert 'data-testid="rate-partner">50.0 %<' in page
    assert "▼ down 50.0 points from 100.0 % in the 90 days before" in page


@time_machine.travel(NOW, tick=False)
def test_the_home_page_takes_a_fixed_number_of_queries(client, admin_a, partner_a, django_assert_max_num_queries):
    for days in (-40, 3, 20, 70):
        order_ending_in(partner_a, days)
    client.force_login(admin_a)
    client.get(reverse("home"))
    # Session, user and membership, the window counts, five cockpit figures, and whatever the shared
    # header adds (a banner); never a query per order.
    with django_assert_max_num_queries(14):
        client.get(reverse("home"))
    for days in range(-30, 90, 3):
        order_ending_in(partner_a, days)
    with django_assert_max_num_queries(14):
        client.get(reverse("home"))


@time_machine.travel(NOW, tick=False)
def test_support_staff_see_failed_emails_before_the_revenue(client, support_a, admin_a):
    client.force_login(support_a)
    page = client.get(reverse("home")).content.decode()
    assert page.index('data-testid="failed-emails"') < page.index('data-testid="stake-30-partner"')
    client.force_login(admin_a)
    page = client.get(reverse("home")).content.decode()
    assert page.index('data-testid="stake-30-partner"') < page.index('data-testid="failed-emails"')
