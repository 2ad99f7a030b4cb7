"""The offer experiments section: per variant, reached, renewals, conversion with its 95 % Wilson
interval and revenue, from ``offers.report``."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from offers.models import Offer, OfferExposure, OfferVariant
from reports import experiments
from reports.periods import month_period
from reports.report import ReportScope
from tests.factories import CustomerFactory

from .data import NOW, TODAY, order

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

SEOUL = ZoneInfo("Asia/Seoul")
IN_NOVEMBER = datetime(2026, 11, 10, 1, tzinfo=UTC)


@pytest.fixture
def experiment(partner_a):
    offer = Offer.objects.create(
        partner=partner_a, name="Winter", starts_on=date(2026, 11, 1), ends_on=date(2026, 12, 31)
    )
    control = OfferVariant.objects.create(offer=offer, label="Control", discount_percent=Decimal("0"), position=0)
    ten = OfferVariant.objects.create(offer=offer, label="Ten", discount_percent=Decimal("10"), position=1)
    for variant, reached, renewed in ((control, 4, 1), (ten, 2, 2)):
        for index in range(reached):
            customer = CustomerFactory(partner=partner_a)
            OfferExposure.objects.create(
                offer=offer, variant=variant, customer=customer, channel="email", first_at=IN_NOVEMBER
            )
            if index < renewed:
                order(partner_a, 300, customer=customer, offer=offer, offer_variant=variant, price=Decimal("90000"))
    # Reached in October: outside the period's cohort.
    OfferExposure.objects.create(
        offer=offer,
        variant=control,
        customer=CustomerFactory(partner=partner_a),
        channel="page",
        first_at=datetime(2026, 10, 31, 14, 30, tzinfo=UTC),  # 23:30 on October 31 in Seoul
    )
    return offer


def november(partner):
    return ReportScope(partner=partner, today=TODAY, period=month_period(date(2026, 11, 1), date(2026, 11, 1), SEOUL))


def test_each_variant_has_reached_renewals_conversion_interval_and_revenue(partner_a, experiment):
    (chart,) = experiments.offer_charts(november(partner_a))
    assert chart.name == f"offer-{experiment.pk}"
    assert [row[:8] for row in chart.rows] == [
        ("Control", Decimal("0.00"), 4, 1, Decimal("25.0"), Decimal("4.6"), Decimal("69.9"), Decimal("90000")),
        ("Ten", Decimal("10.00"), 2, 2, Decimal("100.0"), Decimal("34.2"), Decimal("100.0"), Decimal("180000")),
    ]
    assert chart.intervals == [(Decimal("4.6"), Decimal("69.9")), (Decimal("34.2"), Decimal("100.0"))]
    assert "Not significant yet" in chart.note


def test_offers_outside_the_period_and_other_partners_are_left_out(partner_a, partner_b, experiment):
    Offer.objects.create(partner=partner_a, name="Summer", starts_on=date(2026, 6, 1), ends_on=date(2026, 8, 31))
    Offer.objects.create(partner=partner_b, name="Theirs", starts_on=date(2026, 11, 1), ends_on=date(2026, 11, 30))
    assert [chart.title for chart in experiments.offer_charts(november(partner_a))] == ["Offer: Winter"]


def test_each_variant_has_revenue_per_customer_reached_and_per_renewal(partner_a, experiment):
    """Control: ₩90,000 from 4 reached and 1 renewal; Ten: ₩180,000 from 2 reached and 2 renewals."""
    (chart,) = experiments.offer_charts(november(partner_a))
    assert chart.columns[7:10] == ["Revenue (KRW)", "Revenue per customer reached (KRW)", "Revenue per renewal (KRW)"]
    assert [row[7:10] for row in chart.rows] == [
        (Decimal("90000"), Decimal("22500"), Decimal("90000")),
        (Decimal("180000"), Decimal("90000"), Decimal("90000")),
    ]
    assert [row[7:10] for row in chart.display_rows] == [
        ["₩90,000", "₩22,500", "₩90,000"],
        ["₩180,000", "₩90,000", "₩90,000"],
    ]
    assert chart.note.endswith(
        "So far Ten brings the most revenue per customer reached: ₩90,000, against ₩22,500 for Control, the next best."
    )


@time_machine.travel(NOW, tick=False)
def test_the_reports_table_and_csv_carry_the_revenue_per_customer_reached(client, support_a, partner_a, experiment):
    client.force_login(support_a)
    period = {"start": "2026-11", "end": "2026-11"}
    page = client.get("/reports/", period).content.decode()
    assert "Revenue per customer reached (KRW)" in page and "₩22,500" in page
    response = client.get("/reports/", {**period, "format": "csv", "chart": f"offer-{experiment.pk}"})
    header, control, ten = list(csv.reader(io.StringIO(response.content.decode().removeprefix("\ufeff"))))
    assert header[7:10] == ["Revenue (KRW)", "Revenue per customer reached (KRW)", "Revenue per renewal (KRW)"]
    assert (control[8], control[9], ten[8], ten[9]) == ("22500", "90000", "90000", "90000")
