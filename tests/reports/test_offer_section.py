"""The offer experiments section: per variant, reached, renewals, conversion with its 95 % Wilson
interval and revenue, from ``offers.report``."""

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from offers.models import Offer, OfferExposure, OfferVariant
from reports import experiments
from reports.periods import month_period
from reports.report import ReportScope
from tests.factories import CustomerFactory

from .data import TODAY, order

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
