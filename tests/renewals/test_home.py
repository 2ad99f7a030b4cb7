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
