"""The console banner: its numbers equal the dashboard lists they link to, it closes for the day, and
it costs a few small queries per page."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from renewals.banners import banner_lines, banner_windows, console_banner
from renewals.models import BannerDismissal, OrderStatus
from renewals.windows import windows_for
from tests.factories import CustomerFactory, OrderFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 10:00 in Seoul
TODAY = date(2026, 11, 25)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def make_order(partner, days, **kwargs):
    return OrderFactory(customer=CustomerFactory(partner=partner), term_end=TODAY + timedelta(days=days), **kwargs)


@pytest.fixture
def orders(partner_a, partner_b):
    """Orders on every side of the banner's windows, notices on and off, and some never listed."""
    for days in (-3, 0, 5, 7, 8, 30, 31, 60):
        make_order(partner_a, days)
    for days in (0, 7, 8, 29, 45):
        make_order(partner_a, days, renewal_notices=False)
    make_order(partner_a, 3, status=OrderStatus.CANCELLED)
    make_order(partner_a, 3, status=OrderStatus.CANCELLED, renewal_notices=False)
    renewed = make_order(partner_a, 10, renewal_notices=False)
    OrderFactory(customer=renewed.customer, renewed_from=renewed, term_end=TODAY + timedelta(days=375))
    make_order(partner_b, 5, renewal_notices=False)


def staff_request(user):
    request = RequestFactory().get("/")
    request.user = user
    request.membership = user.memberships.select_related("partner").get()
    return request


def test_the_banner_takes_the_dashboards_windows_within_30_days():
    keys = [window.key for window in banner_windows(windows_for((90, 60, 30, 7)))]
    assert keys == ["7", "30"]
    assert [w.key for w in banner_windows(windows_for((60, 14)))] == ["14", "60"]


def test_banner_numbers_are_the_counts_of_the_lists_they_link_to(client, support_a, partner_a, orders):
    lines = banner_lines(partner=partner_a, today=TODAY)
    # The renewed order (10 days, notices off) ends in the 30-day window but needs neither work nor
    # notice: the banner counts terms to renew and free reissues only.
    assert [(line.window.key, line.ending, line.notices_off) for line in lines] == [("7", 5, 2), ("30", 4, 2)]
    client.force_login(support_a)
    for line in lines:
        assert client.get(line.ending_url).context["total"] == line.ending
        assert client.get(line.notices_off_url).context["total"] == line.notices_off


def test_the_banner_links_carry_the_window_and_notices_filters(partner_a, orders):
    line = banner_lines(partner=partner_a, today=TODAY)[0]
    assert line.ending_url == "/expiring/?window=7&action=open"
    assert line.notices_off_url == "/expiring/?window=7&notices=off&action=open"


def test_staff_pages_show_the_banner_with_its_links(client, sales_a, orders):
    client.force_login(sales_a)
    html = client.get(reverse("home")).content.decode()
    assert 'data-testid="console-banner"' in html
    assert 'href="/expiring/?window=7&amp;notices=off&amp;action=open"' in html
    assert "5</a> certificates end in 0–7 days" in html


def test_no_banner_when_nothing_ends_within_30_days(client, sales_a, partner_a):
    make_order(partner_a, 31, renewal_notices=False)
    client.force_login(sales_a)
    assert 'data-testid="console-banner"' not in client.get(reverse("home")).content.decode()


def test_closing_the_banner_hides_it_until_the_partners_next_day(client, sales_a, partner_a, orders, clock):
    client.force_login(sales_a)
    response = client.post(reverse("banner-dismiss"), {"next": "/expiring/?window=7"})
    assert response.status_code == 302 and response["Location"] == "/expiring/?window=7"
    assert BannerDismissal.objects.get().day == TODAY
    assert 'data-testid="console-banner"' not in client.get(reverse("home")).content.decode()
    clock.move_to(datetime(2026, 11, 25, 14, 59, tzinfo=UTC))  # 23:59 in Seoul
    assert 'data-testid="console-banner"' not in client.get(reverse("home")).content.decode()
    clock.move_to(datetime(2026, 11, 25, 15, 0, tzinfo=UTC))  # midnight in Seoul: the next day
    assert 'data-testid="console-banner"' in client.get(reverse("home")).content.decode()


def test_closing_twice_a_day_keeps_one_dismissal(client, sales_a, orders):
    client.force_login(sales_a)
    client.post(reverse("banner-dismiss"))
    client.post(reverse("banner-dismiss"))
    assert BannerDismissal.objects.count() == 1


def test_closing_is_per_user(client, sales_a, support_a, orders):
    client.force_login(sales_a)
    client.post(reverse("banner-dismiss"))
    client.force_login(support_a)
    assert 'data-testid="console-banner"' in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_closing_never_redirects_off_the_site(client, sales_a, target):
    client.force_login(sales_a)
    response = client.post(reverse("banner-dismiss"), {"next": target})
    assert response["Location"] == reverse("home")


def test_closing_needs_a_post_and_a_login(client):
    assert client.post(reverse("banner-dismiss")).status_code == 302
    assert BannerDismissal.objects.count() == 0


def test_the_banner_costs_two_queries(sales_a, orders):
    request = staff_request(sales_a)
    with CaptureQueriesContext(connection) as queries:
        lines = console_banner(request)
    assert len(lines) == 2
    assert len(queries) == 2  # the dismissal, then the window and notices-off counts together
    if connection.vendor == "postgresql":  # both counts come from the table, never the orders
        assert "renewals_expirycount" in queries[1]["sql"]
        assert "renewals_order" not in queries[1]["sql"]


def test_a_closed_banner_costs_one_query(sales_a, partner_a, orders):
    BannerDismissal.objects.create(user=sales_a, partner=partner_a, day=TODAY)
    request = staff_request(sales_a)
    with CaptureQueriesContext(connection) as queries:
        assert console_banner(request) == []
    assert len(queries) == 1
