"""Auto-renew whose day is the customer's today: the customer page, Quick View and the message after
turning it on say "today" (not the date) and until when it can still be turned off: until the send
hour, when the sweep's working day reaches the renewal day, or, once that hour has come, "within the
hour" (the next hourly sweep renews it)."""

import re
from datetime import UTC, date, datetime
from html import unescape

import pytest
import time_machine
from django.urls import reverse

from notifications.auto_renewals import due_auto_renewals
from partners.actors import CUSTOMER
from renewals.auto_renew import AutoRenewError, RenewalDay, renewal_day, run_auto_renewal, turn_off, turn_on
from renewals.links import customer_renewal_path
from renewals.models import AutoRenewal, AutoRenewalStatus
from tests.factories import ContactFactory, CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 29)
TERM_END = date(2026, 12, 29)  # the partner's 30 days before it: today
BEFORE_THE_HOUR = datetime(2026, 11, 28, 22, tzinfo=UTC)  # 07:00 on 29 Nov in Seoul
THE_HOUR = datetime(2026, 11, 29, 0, tzinfo=UTC)  # 09:00 in Seoul, the partner's send hour
AFTER_THE_HOUR = datetime(2026, 11, 29, 3, tzinfo=UTC)  # noon in Seoul


@pytest.fixture
def order(partner_a):
    return OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=TERM_END, order_number="5101")


def customer_page(client, order, contact=None):
    return unescape(client.get(customer_renewal_path(order, contact=contact)).content.decode())


def switch_url(order):
    token = customer_renewal_path(order).rstrip("/").rsplit("/", 1)[1]
    return reverse("customer-auto-renew", kwargs={"token": token})


def section(page, testid, end="</p>"):
    """The text of the element marked ``data-testid=testid`` (a paragraph, or up to ``end``), on one line."""
    inner = page.split(f'data-testid="{testid}"', 1)[1].split(">", 1)[1].split(end, 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", inner)).strip()


# The rule


def test_the_day_reads_today_from_the_customers_day_and_the_hour_until_the_sweep_may_run(order, partner_a):
    assert renewal_day(TODAY, order=order, partner=partner_a, at=BEFORE_THE_HOUR) == RenewalDay(
        today=True, from_time=datetime.min.time().replace(hour=9)
    )
    assert renewal_day(TODAY, order=order, partner=partner_a, at=THE_HOUR) == RenewalDay(today=True)
    assert renewal_day(date(2026, 11, 30), order=order, partner=partner_a, at=AFTER_THE_HOUR) == RenewalDay()
    # 23:30 on 28 Nov in Seoul is 14:30 UTC on the 28th: the 29th is tomorrow there.
    assert not renewal_day(TODAY, order=order, partner=partner_a, at=datetime(2026, 11, 28, 14, 30, tzinfo=UTC)).today


def test_what_the_pages_promise_holds_off_until_the_hour_then_renews_at_the_next_sweep(order):
    """The pages' "you can turn it off until 09:00": no sweep renews it before; from 09:00 any sweep does, and
    turning it off afterwards is refused."""
    auto = turn_on(order=order, by=CUSTOMER, plan_years=1, now=BEFORE_THE_HOUR)
    assert auto.renew_on == TODAY
    assert due_auto_renewals(datetime(2026, 11, 28, 23, 59, tzinfo=UTC)) == []  # 08:59 in Seoul
    assert [due.pk for due in due_auto_renewals(THE_HOUR)] == [auto.pk]
    run_auto_renewal(auto, THE_HOUR)
    with pytest.raises(AutoRenewError):
        turn_off(order=order, by=CUSTOMER, now=AFTER_THE_HOUR)


# The customer's renewal page


@time_machine.travel(BEFORE_THE_HOUR, tick=False)
def test_the_customer_page_says_today_and_until_the_hour_before_it(client, order):
    """Bug (fixed): "renews automatically on 29 Nov 2026" on 29 Nov, and "until then"."""
    offer = section(customer_page(client, order), "auto-renew-offer")
    assert offer == (
        "Let us renew it for you: with auto-renew on, your certificate renews by itself today after 09:00, "
        "at today's price. We email you once it is done, and you can turn it off until 09:00."
    )
    response = client.post(switch_url(order), {"auto-action": "on", "auto-plan_years": "1"}, follow=True)
    page = unescape(response.content.decode())
    assert "Auto-renew is on: the order renews automatically today after 09:00." in page
    assert section(page, "auto-renew-on") == (
        "Auto-renew is on: your certificate renews automatically today for 1 year at ₩590,000."
    )
    assert section(page, "auto-renew-until").endswith("You can turn it off until 09:00.")
    assert "29 Nov 2026" not in section(page, "auto-renew", "</section>")


@time_machine.travel(AFTER_THE_HOUR, tick=False)
def test_the_customer_page_says_within_the_hour_once_the_hour_has_come(client, order):
    offer = section(customer_page(client, order), "auto-renew-offer")
    assert "renews by itself within the hour, at today's price" in offer
    assert offer.endswith("you can turn it off until then.")
    response = client.post(switch_url(order), {"auto-action": "on", "auto-plan_years": "1"}, follow=True)
    page = unescape(response.content.decode())
    assert "Auto-renew is on: the order renews automatically within the hour." in page
    assert "renews automatically today for 1 year" in section(page, "auto-renew-on")
    assert section(page, "auto-renew-until").endswith("It renews within the hour: you can turn it off until then.")


@time_machine.travel(BEFORE_THE_HOUR, tick=False)
def test_the_customer_page_says_today_in_korean(client, order):
    contact = ContactFactory(customer=order.customer, language="ko")
    turn_on(order=order, by=CUSTOMER, plan_years=1, now=BEFORE_THE_HOUR)
    page = customer_page(client, order, contact)
    assert section(page, "auto-renew-on") == (
        "자동 갱신이 켜져 있습니다. 인증서가 오늘 1년 플랜, 590,000원에 자동으로 갱신됩니다."
    )
    assert section(page, "auto-renew-until").endswith("09:00 전까지는 끌 수 있습니다.")
    assert "2026년 11월 29일" not in section(page, "auto-renew", "</section>")


@time_machine.travel(datetime(2026, 11, 20, 3, tzinfo=UTC), tick=False)
def test_a_day_to_come_keeps_its_date(client, order):
    turn_on(order=order, by=CUSTOMER, plan_years=1, now=datetime(2026, 11, 20, 3, tzinfo=UTC))
    page = customer_page(client, order)
    assert "renews automatically on 29 Nov 2026 for 1 year" in section(page, "auto-renew-on")
    assert section(page, "auto-renew-until").endswith("You can turn it off until then.")


# Quick View


@time_machine.travel(BEFORE_THE_HOUR, tick=False)
def test_quick_view_says_today_with_the_date_and_the_customers_hour(client, sales_a, order):
    client.force_login(sales_a)
    url = reverse("order-detail", args=[order.order_number])
    when = section(unescape(client.get(url).content.decode()), "auto-renew-when")
    assert when == (
        "Turned on now, it renews today (29 Nov 2026) after 09:00 in the customer's time zone (Asia/Seoul), "
        "at today's price; the customer is told once it is done."
    )
    response = client.post(
        reverse("order-auto-renew", args=[order.order_number]),
        {"auto-action": "on", "auto-plan_years": "1"},
        follow=True,
    )
    page = unescape(response.content.decode())
    assert (
        "Auto-renew is on: the order renews automatically today after 09:00 in the customer's time zone "
        "(Asia/Seoul)." in page
    )
    assert "Renews automatically today (29 Nov 2026) for 1 year" in section(page, "auto-renew-state")
    assert section(page, "auto-renew-until") == (
        "It renews after 09:00 in the customer's time zone (Asia/Seoul) and can be turned off until then."
    )
    assert AutoRenewal.objects.get(order=order).status == AutoRenewalStatus.SCHEDULED


@time_machine.travel(AFTER_THE_HOUR, tick=False)
def test_quick_view_says_within_the_hour_once_the_hour_has_come(client, sales_a, order):
    turn_on(order=order, by=CUSTOMER, plan_years=1, now=AFTER_THE_HOUR)
    client.force_login(sales_a)
    page = unescape(client.get(reverse("order-detail", args=[order.order_number])).content.decode())
    assert section(page, "auto-renew-until") == "It renews within the hour and can be turned off until then."
