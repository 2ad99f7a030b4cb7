"""A partner admin opens the home page and /reports/ in English and Korean: the figures, the SVG
charts with their tables and CSV links, no Content-Security-Policy violation; screenshots of each."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from notifications.models import EmailStatus, OutboxItem, Reminder
from offers.models import Offer, OfferExposure, OfferVariant
from partners.models import Partner
from renewals.models import RenewalLinkOpen
from tests.factories import CustomerFactory
from tests.reports.data import email, order, renew

from .conftest import log_in
from .test_content_security_policy import watch_for_violations

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).parent / "screenshots"


def add_history(partner):
    """Some months of renewals, reminders and an experiment, so every chart has something to draw."""
    today = timezone.localdate(timezone=partner.tzinfo)
    now = timezone.now()
    for index in range(24):
        ended = order(partner, -5 - index * 7, price=Decimal("390000"))
        if index % 3:
            renew(ended, now - timedelta(days=5 + index * 7 + (40 if index % 2 else 3)))
        reminded = order(partner, 3 + index)
        made = Reminder.objects.create(
            order=reminded, kind="renewal", ends_on=reminded.term_end, threshold_days=(30, 7)[index % 2]
        )
        Reminder.objects.filter(pk=made.pk).update(created_at=now - timedelta(days=index))
        message = email(partner, EmailStatus.SENT if index % 5 else EmailStatus.FAILED)
        OutboxItem.objects.create(email=message, reminder=made, contact=message.contact)
        if index % 2:
            RenewalLinkOpen.objects.create(order=reminded, opened_at=now)
    offer = Offer.objects.create(
        partner=partner,
        name="Winter renewals",
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=30),
    )
    variants = [
        OfferVariant.objects.create(offer=offer, label=label, discount_percent=Decimal(percent), position=position)
        for position, (label, percent) in enumerate((("Control", "0"), ("10 % off", "10")))
    ]
    for index in range(30):
        variant = variants[index % 2]
        customer = CustomerFactory(partner=partner)
        OfferExposure.objects.create(
            offer=offer, variant=variant, customer=customer, channel="email", first_at=datetime.now(UTC)
        )
        if index % (3 if variant.discount_percent else 5) == 0:
            order(partner, 365, customer=customer, offer=offer, offer_variant=variant, price=Decimal("351000"))


def test_admin_reads_the_cockpit_and_the_reports_in_both_languages(page, demo_data):
    acme = Partner.objects.get(slug="acme")
    add_history(acme)
    violations = watch_for_violations(page)
    log_in(page, "acme-admin")

    assert page.get_by_test_id("stake-30-partner").inner_text().startswith("₩")
    assert page.get_by_test_id("rate-partner").inner_text().endswith("%")
    page.screenshot(path=SCREENSHOTS / "home-cockpit-en.png", full_page=True)

    page.get_by_test_id("nav-reports").click()
    page.wait_for_url("**/reports/")
    for name in ("due-weekly", "stake-weekly", "renewal-rate", "funnel", "lost-reach"):
        chart = page.get_by_test_id(f"chart-{name}")
        assert chart.is_visible(), name
        assert chart.get_attribute("role") == "img"
        assert page.get_by_test_id(f"table-{name}").is_visible()
        assert page.get_by_test_id(f"csv-{name}").is_visible()
    offer = Offer.objects.get(partner=acme, name="Winter renewals")
    assert page.get_by_test_id(f"chart-offer-{offer.pk}").is_visible()
    page.screenshot(path=SCREENSHOTS / "reports-en.png", full_page=True)

    with page.expect_download() as download:
        page.get_by_test_id("csv-funnel").click()
    assert download.value.suggested_filename.startswith("funnel-acme-")

    page.goto("/reports/?start=2026-13")
    assert "Enter a month as YYYY-MM" in page.get_by_test_id("period-errors").inner_text()

    page.goto("/reports/")
    page.get_by_test_id("language-switcher").get_by_role("button", name="한국어").click()
    page.wait_for_selector("html[lang=ko]")
    assert page.get_by_test_id("chart-due-weekly").is_visible()
    page.screenshot(path=SCREENSHOTS / "reports-ko.png", full_page=True)
    page.goto("/")
    assert page.get_by_test_id("stake-30-partner").inner_text().endswith("원")
    page.screenshot(path=SCREENSHOTS / "home-cockpit-ko.png", full_page=True)
    assert violations == []
