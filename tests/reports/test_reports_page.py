"""``/reports/``: the period, every chart's CSV equal to its numbers, permissions and tenancy."""

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from offers.models import Offer, OfferVariant
from reports.periods import month_period
from reports.report import ReportScope, all_charts
from tests.factories import PartnerFactory

from .data import NOW, TODAY, at, order, renew

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

URL = "/reports/"


def charts_of(response):
    return {chart.name: chart for charts in response.context["sections"].values() for chart in charts}


def read_csv(response):
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def cell(value, month=False):
    """A chart's value as its CSV must write it: a month chart's months as YYYY-MM, other dates ISO."""
    if value is None:
        return ""
    if month and isinstance(value, date):
        return f"{value:%Y-%m}"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


@pytest.fixture
def data(partner_a):
    for days in (0, 6, 12, 40, 80):
        order(partner_a, days, price=Decimal("100000"))
    renew(order(partner_a, term_end=date(2026, 10, 20)), at(date(2026, 9, 1)))
    order(partner_a, term_end=date(2026, 11, 2))
    offer = Offer.objects.create(
        partner=partner_a, name="Winter", starts_on=date(2026, 11, 1), ends_on=date(2026, 12, 31)
    )
    OfferVariant.objects.create(offer=offer, label="Control", discount_percent=Decimal("0"))
    OfferVariant.objects.create(offer=offer, label="Ten", discount_percent=Decimal("10"))
    return offer


@time_machine.travel(NOW, tick=False)
def test_every_chart_downloads_exactly_its_numbers(client, support_a, data):
    client.force_login(support_a)
    page = client.get(URL, {"start": "2026-09", "end": "2026-11"})
    assert page.status_code == 200
    charts = charts_of(page)
    assert set(charts) == {"due-weekly", "stake-weekly", "renewal-rate", "funnel", "lost-reach", f"offer-{data.pk}"}
    for name, chart in charts.items():
        response = client.get(URL, {"start": "2026-09", "end": "2026-11", "format": "csv", "chart": name})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        lines = read_csv(response)
        assert lines[0] == [str(column) for column in chart.columns], name
        assert lines[1:] == [[cell(value, chart.month_rows) for value in row] for row in chart.rows], name


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("name", ["renewal-rate", "lost-reach"])
def test_a_month_charts_csv_writes_each_month_as_year_and_month(client, support_a, data, name):
    """Bug (fixed): the months were written as their first day (2026-09-01), which a spreadsheet reads
    as that one day; the CSV now says the month, as the table under the chart does."""
    client.force_login(support_a)
    period = {"start": "2026-09", "end": "2026-11"}
    chart = charts_of(client.get(URL, period))[name]
    lines = read_csv(client.get(URL, {**period, "format": "csv", "chart": name}))
    months = [line[0] for line in lines[1:]]
    assert months == ["2026-09", "2026-10", "2026-11"]
    assert months == [row[0] for row in chart.display_rows]


@time_machine.travel(NOW, tick=False)
def test_the_bars_show_the_charts_numbers(client, admin_a, data):
    client.force_login(admin_a)
    page = client.get(URL, {"start": "2026-09", "end": "2026-11"})
    html = page.content.decode()
    chart = charts_of(page)["due-weekly"]
    svg = re.search(r'<svg[^>]*data-testid="chart-due-weekly".*?</svg>', html, re.S).group(0)
    drawn = [int(value) for value in re.findall(r'data-value="(\d+)"', svg)]
    assert sorted(drawn) == sorted(value for series in chart.series for value in series.values if value)
    assert sum(drawn) == 5  # the five terms to renew within 13 weeks
    assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
    assert 'data-testid="table-due-weekly"' in html


@time_machine.travel(NOW, tick=False)
def test_the_renewal_rate_chart_reads_the_period(client, admin_a, data):
    client.force_login(admin_a)
    rows = charts_of(client.get(URL, {"start": "2026-09", "end": "2026-11"}))["renewal-rate"].rows
    assert [(row[0], row[1], row[2], row[6]) for row in rows] == [
        (date(2026, 9, 1), 0, 0, None),
        (date(2026, 10, 1), 1, 1, Decimal("100.0")),
        (date(2026, 11, 1), 1, 0, Decimal("0.0")),
    ]


@time_machine.travel(NOW, tick=False)
def test_the_default_period_is_the_last_six_months(client, admin_a):
    client.force_login(admin_a)
    period = client.get(URL).context["period"]
    assert (period.first_day, period.last_day) == (date(2026, 6, 1), date(2026, 11, 30))


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    "params, message",
    [
        ({"start": "2026-13"}, "Enter a month as YYYY-MM"),
        ({"start": "garbage"}, "Enter a month as YYYY-MM"),
        ({"start": "２０２６-01"}, "Enter a month as YYYY-MM"),
        ({"start": "1999-12"}, "between 2000 and 2100"),
        ({"start": "2026-11", "end": "2026-10"}, "ends before it starts"),
        ({"start": "2024-01", "end": "2026-01"}, "at most 24 months"),
        ({"start": "2026-011"}, "Enter a month as YYYY-MM"),
    ],
)
def test_a_bad_period_is_refused_with_a_clear_message(client, admin_a, params, message):
    client.force_login(admin_a)
    response = client.get(URL, params)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert client.get(URL, {**params, "format": "csv", "chart": "funnel"}).status_code == 400


@time_machine.travel(NOW, tick=False)
def test_an_unknown_chart_is_a_400_not_a_500(client, admin_a):
    client.force_login(admin_a)
    response = client.get(URL, {"format": "csv", "chart": "nothing"})
    assert response.status_code == 400
    assert "no chart named" in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_another_partners_offer_is_not_a_chart_here(client, admin_a, partner_b):
    theirs = Offer.objects.create(partner=partner_b, name="Theirs", starts_on=TODAY, ends_on=TODAY)
    OfferVariant.objects.create(offer=theirs, label="A", discount_percent=Decimal("5"))
    client.force_login(admin_a)
    assert client.get(URL, {"format": "csv", "chart": f"offer-{theirs.pk}"}).status_code == 400
    assert "Theirs" not in client.get(URL).content.decode()


def test_reports_require_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@time_machine.travel(NOW, tick=False)
def test_every_role_may_read_the_reports(client, sales_a, support_a, admin_a):
    for user in (sales_a, support_a, admin_a):
        client.force_login(user)
        assert client.get(URL).status_code == 200


@time_machine.travel(NOW, tick=False)
def test_an_empty_partner_gets_empty_states(client, db):
    from tests.factories import MembershipFactory

    membership = MembershipFactory(partner=PartnerFactory())
    client.force_login(membership.user)
    html = client.get(URL).content.decode()
    assert 'data-testid="empty-due-weekly"' in html
    assert 'data-testid="empty-renewal-rate"' in html
    assert 'data-testid="no-offers"' in html


@time_machine.travel(NOW, tick=False)
def test_the_charts_take_a_fixed_number_of_queries(partner_a, data, django_assert_num_queries):
    for days in range(-100, 100, 7):
        order(partner_a, days)
    scope = ReportScope(partner=partner_a, today=TODAY, period=month_period(date(2026, 6, 1), TODAY, partner_a.tzinfo))
    # Weeks (both weekly charts read one query), months, the funnel, three lost-reach series; the
    # offers with their variants and products, then each offer's report (four grouped queries).
    with django_assert_num_queries(7 + 3 + 4):
        all_charts(scope)
    second = Offer.objects.create(partner=partner_a, name="Spring", starts_on=TODAY, ends_on=TODAY)
    OfferVariant.objects.create(offer=second, label="Only", discount_percent=Decimal("5"))
    with django_assert_num_queries(7 + 3 + 4 * 2):
        all_charts(ReportScope(partner=partner_a, today=TODAY, period=scope.period))


@time_machine.travel(NOW, tick=False)
def test_the_page_speaks_korean(client, admin_a):
    client.force_login(admin_a)
    client.post(reverse("set_language"), {"language": "ko", "next": URL})
    html = client.get(URL).content.decode()
    assert '<html lang="ko">' in html
    client.post(reverse("set_language"), {"language": "en", "next": URL})


def test_today_is_in_the_13_weeks():
    assert TODAY - timedelta(days=TODAY.weekday()) == date(2026, 11, 23)


@time_machine.travel(NOW, tick=False)
def test_the_outlook_says_what_renews_in_the_rest_of_this_month_and_next_month(client, support_a, data):
    client.force_login(support_a)
    page = client.get(URL)
    # 25 November: the order ending today is this month's; 6 and 12 days (1 and 7 December) next
    # month's, 40 days (4 January) neither; each at its own price of 100,000.
    assert [row[1:3] for row in page.context["months_ahead"]] == [(1, Decimal("100000")), (2, Decimal("200000"))]
    html = page.content.decode()
    assert "The rest of November" in html and "December 2026" in html
    assert "₩200,000" in html and "at stake in 1 term to renew" in html and "at stake in 2 terms to renew" in html
