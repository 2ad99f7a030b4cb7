"""A reminder email read on a phone (375 px): key facts and RENEW NOW are visible without scrolling,
before the browser-warning picture, in both languages."""

import base64
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from notifications.emails import BROWSER_WARNING_CID, render_reminder
from notifications.models import Reminder
from renewals.windows import browser_warning_file
from tests.factories import (
    CertificateFactory,
    ContactFactory,
    CustomerFactory,
    OrderFactory,
    PartnerFactory,
    ProductFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

SCREENSHOTS = Path(__file__).parent / "screenshots"
PHONE = {"width": 375, "height": 667}
TERM_END = date(2027, 3, 1)


def rendered_email(language):
    partner = PartnerFactory(name="Acme Certificates", time_zone="Asia/Seoul", language=language)
    customer = CustomerFactory(partner=partner, company_name="블루푸드" if language == "ko" else "Blue Foods")
    contact = ContactFactory(customer=customer, name="박지민" if language == "ko" else "Jamie Park", language=language)
    product = ProductFactory(code="ss-ov", brand="Secure Site", name="Secure Site OV", site_seal=True)
    order = OrderFactory(customer=customer, product=product, term_end=TERM_END, common_name="www.bluefoods.example")
    reminder = Reminder(order=order, kind="renewal", ends_on=TERM_END, threshold_days=7)
    now = datetime.combine(TERM_END - timedelta(days=7), time(0), tzinfo=UTC)
    return render_reminder(contact=contact, partner=partner, reminders=[reminder], now=now), order


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_renew_button_and_key_facts_show_without_scrolling_on_a_phone(browser, language):
    rendered, order = rendered_email(language)
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    picture_file = Path(settings.BASE_DIR) / "static" / "emails" / browser_warning_file(language)
    picture = "data:image/png;base64," + base64.b64encode(picture_file.read_bytes()).decode()
    page.set_content(rendered.html.replace(f"cid:{BROWSER_WARNING_CID}", picture))
    button = page.get_by_role("link", name="RENEW NOW" if language == "en" else "지금 갱신")
    name = page.get_by_text(order.common_name, exact=True)
    for element in (button, name):
        box = element.bounding_box()
        assert box["y"] + box["height"] <= PHONE["height"], "below the fold on a phone"
        assert box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator("img.warning-picture").bounding_box()["y"] > button.bounding_box()["y"]
    page.screenshot(path=SCREENSHOTS / f"email-phone-{language}.png", full_page=True)
    context.close()


def short_certificate_email(language):
    """A renewal reminder 90 days before a term whose certificate expires 34 days from now."""
    partner = PartnerFactory(name="Acme Certificates", time_zone="Asia/Seoul", language=language)
    customer = CustomerFactory(partner=partner, company_name="블루푸드" if language == "ko" else "Blue Foods")
    contact = ContactFactory(customer=customer, name="박지민" if language == "ko" else "Jamie Park", language=language)
    order = OrderFactory(customer=customer, term_end=TERM_END, common_name="www.bluefoods.example")
    not_after = datetime(2027, 1, 4, 23, 59, 59, tzinfo=ZoneInfo("Asia/Seoul"))
    CertificateFactory(order=order, not_before=not_after - timedelta(days=200, seconds=-1), not_after=not_after)
    order.refresh_from_db()
    reminder = Reminder(order=order, kind="renewal", ends_on=TERM_END, threshold_days=90)
    now = datetime(2026, 12, 1, 3, tzinfo=UTC)
    return render_reminder(contact=contact, partner=partner, reminders=[reminder], now=now)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_certificate_shorter_than_its_term_reads_as_one_countdown_on_a_phone(browser, language):
    """390 px: one days-left badge (the certificate's 34), the term's end as a date, nothing wider
    than the screen."""
    rendered = short_certificate_email(language)
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    page.set_content(rendered.html)
    assert page.locator(".days").all_inner_texts() == ["34 days left" if language == "en" else "34일 남음"]
    assert not re.search(r"(?<!\d)90(?!\d)", page.locator("body").inner_text())  # the term's 90 days
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=SCREENSHOTS / f"email-short-certificate-phone-{language}.png", full_page=True)
    context.close()
