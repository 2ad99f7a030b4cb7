"""The dashboard's rows, worked out in Python and printed by Jinja2: the same links, words and
buttons the order pages and services give, in both languages."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from renewals.rows import order_url, page_urls, row_for, rows_for, switch_labels
from tests.factories import CustomerFactory, OrderFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

NOW = datetime(2026, 11, 25, 1, tzinfo=UTC)  # 10:00 in Seoul
TODAY = date(2026, 11, 25)


@pytest.mark.parametrize("number", ["10000163", "A B", "주문-7", "x%y", "a?b#c", "~:@!$&'()*+,;="])
@pytest.mark.parametrize("name", ["order-detail", "order-renew", "order-notices"])
def test_order_urls_are_what_reverse_gives(name, number):
    assert order_url(name, number) == reverse(name, args=[number])


def row(order, *, can_renew=True):
    return rows_for([order], now=NOW, today=TODAY, can_renew=can_renew)[0]


def test_the_action_follows_the_renewal_rules(partner_a):
    customer = CustomerFactory(partner=partner_a)
    open_now = OrderFactory(customer=customer, term_end=TODAY + timedelta(days=20))
    not_yet = OrderFactory(customer=customer, term_end=TODAY + timedelta(days=200))
    assert row(open_now).action.action == "renew-now"
    assert row(open_now).action.url == reverse("order-renew", args=[open_now.order_number])
    assert row(open_now, can_renew=False).action.action == "renew-view"
    later = row(not_yet).action
    assert later.action == "renew-later" and later.url == ""
    assert later.opens == f"Opens {not_yet.renewal_opens_on:%-d %b %Y}"


def test_days_and_plan_read_in_korean(partner_a):
    order = OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=TODAY + timedelta(days=3), plan_years=2)
    with translation.override("ko"):
        shown = row(order)
    assert shown.days_label == "3일 후" and shown.plan_label == "2년"
    assert shown.switch.stopped_label == "갱신됨: 알림이 중단됩니다"
    with translation.override("en"):
        shown = row(order)
    assert shown.days_label == "in 3 days" and shown.plan_label == "2 years"


def test_expired_rows_say_how_long_ago_and_are_red(partner_a):
    order = OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=TODAY - timedelta(days=1))
    shown = row_for(order, now=NOW, today=TODAY, can_renew=True, labels=switch_labels(), urls=page_urls())
    assert shown.days == -1 and shown.days_label == "1 day ago"
    assert "text-danger" in shown.expires_class and "urgency-critical" in shown.expires_class


@time_machine.travel(NOW, tick=False)
def test_the_page_prints_each_row_escaped_with_one_csrf_token(client, support_a, partner_a):
    customer = CustomerFactory(partner=partner_a, company_name="<b>Acme</b> & Co")
    for days in (3, 4):
        OrderFactory(customer=customer, term_end=TODAY + timedelta(days=days))
    client.force_login(support_a)
    page = client.get("/expiring/", {"window": "7"}).content.decode()
    assert "&lt;b&gt;Acme&lt;/b&gt; &amp; Co" in page and "<b>Acme</b>" not in page
    rows = page.split("<tbody>")[1].split("</tbody>")[0]
    tokens = [line.split('value="')[1].split('"')[0] for line in rows.splitlines() if "csrfmiddlewaretoken" in line]
    assert len(tokens) == 2 and len(set(tokens)) == 1
