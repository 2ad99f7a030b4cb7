"""A partner admin brands the reminder emails in both languages: types a message and sees the live
preview follow, picks a colour, uploads a logo and saves; the staff email preview and a real email
on a phone then show it."""

import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from playwright.sync_api import expect

from notifications.emails import render_reminder
from notifications.models import Reminder
from partners.models import Contact, Partner, Role
from tests.factories import PASSWORD, ContactFactory, CustomerFactory, MembershipFactory, OrderFactory, PartnerFactory
from tests.notifications.test_branding_logo import png_bytes

from .conftest import log_in
from .test_content_security_policy import watch_for_violations

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).parent / "screenshots"
PHONE = {"width": 375, "height": 667}
MESSAGE_EN = "Our office is closed on 24 December. Renew before then, or ask us: https://acme.example/help"
FOOTER = "Acme Certificates Co., 1 Sejong-daero, Seoul · https://acme.example"
MESSAGE_KO = "12월 24일은 휴무입니다. 그 전에 갱신해 주시고, 궁금한 점은 https://acme.example/help 에 문의해 주세요."


@pytest.fixture
def acme(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the uploaded logo stays out of the checkout
    partner = PartnerFactory(slug="acme", name="Acme Certificates", language="en", sender_name="Acme Renewals")
    MembershipFactory(partner=partner, role=Role.ADMIN, user__username="acme-admin")
    today = timezone.localdate(timezone=partner.tzinfo)
    for language, company, name in (("en", "Blue Foods", "Jamie Park"), ("ko", "푸른식품", "김서연")):
        customer = CustomerFactory(partner=partner, company_name=company, language=language)
        ContactFactory(customer=customer, name=name, language=language)
        OrderFactory(customer=customer, term_end=today + timedelta(days=95), common_name=f"www.{language}.example")
    return partner


def logo_pixel(x, y):
    """A 160 × 40 logo: a green mark with a white bar, and two dark bars for the company's name."""
    if x < 40:
        return (255, 255, 255) if 12 <= y < 28 and 8 <= x < 32 and not 18 <= y < 22 else (11, 122, 62)
    if 52 <= x < 150 and 8 <= y < 20 or 52 <= x < 120 and 26 <= y < 32:
        return (31, 35, 40)
    return (255, 255, 255)


def preview(page, language):
    return page.frame_locator(f"[data-testid=preview-{language}]")


def switch_language(page, name, lang):
    page.get_by_test_id("language-switcher").get_by_role("button", name=name).click()
    page.wait_for_selector(f"html[lang={lang}]")


def test_an_admin_brands_the_emails_and_sees_the_preview_follow_in_both_languages(
    page, browser, live_server, acme, tmp_path
):
    violations = watch_for_violations(page)
    log_in(page, "acme-admin", PASSWORD)
    page.get_by_test_id("nav-settings").click()
    page.get_by_test_id("nav-branding").click()
    page.wait_for_url("**/settings/branding/")
    form = page.get_by_test_id("branding-form")

    # English: the message appears in the English preview as it is typed, its link clickable.
    form.locator("textarea[name=reminder_message_en]").fill(MESSAGE_EN)
    preview(page, "en").get_by_text("Our office is closed on 24 December.").wait_for()
    link = preview(page, "en").get_by_role("link", name="https://acme.example/help")
    assert link.get_attribute("href") == "https://acme.example/help"
    assert page.get_by_test_id("branding-form").locator("[data-count-for=reminder_message_en]").inner_text() == (
        f"{len(MESSAGE_EN)} / 1000"
    )
    # The colour reaches the preview's button; a bad one is named and the preview keeps the last good one.
    form.locator("input[name=brand_color]").fill("#0b7a3e")
    button = preview(page, "en").locator("a.button").first
    expect(button).to_have_attribute("style", re.compile("background: #0b7a3e"))
    form.locator("input[name=brand_color]").fill("#0b7a3")
    page.get_by_test_id("preview-errors").get_by_text("#0b7a3", exact=False).wait_for()
    form.locator("input[name=brand_color]").fill("#0b7a3e")
    page.get_by_test_id("preview-errors").get_by_text("#0b7a3", exact=False).wait_for(state="detached")
    page.screenshot(path=SCREENSHOTS / "branding-en.png", full_page=True)

    # Korean: its own message, shown in the Korean tab only.
    form.locator("textarea[name=reminder_message_ko]").fill(MESSAGE_KO)
    page.get_by_test_id("preview-tab-ko").click()
    preview(page, "ko").get_by_text("12월 24일은 휴무입니다.").wait_for()
    assert preview(page, "en").get_by_text("휴무").count() == 0

    form.locator("textarea[name=email_footer]").fill(FOOTER)
    form.locator("input[name=reply_to]").fill("renewals@acme.example")
    logo = tmp_path / "acme.png"
    logo.write_bytes(png_bytes(160, 40, draw=logo_pixel))
    form.locator("input[name=logo]").set_input_files(logo)
    form.get_by_test_id("branding-save").click()
    page.get_by_text("The email branding is saved.").wait_for()
    partner = Partner.objects.get(slug="acme")
    assert (partner.reminder_message_en, partner.reminder_message_ko) == (MESSAGE_EN, MESSAGE_KO)
    assert partner.brand_color == "#0b7a3e" and partner.logo.name.endswith(".png")
    assert page.get_by_test_id("current-logo").evaluate("image => image.naturalWidth") == 160

    # The Korean page, after saving: the saved values in the form and in both previews.
    switch_language(page, "한국어", "ko")
    assert page.locator("textarea[name=reminder_message_ko]").input_value() == MESSAGE_KO
    page.get_by_test_id("preview-tab-ko").click()
    preview(page, "ko").get_by_text("12월 24일은 휴무입니다.").wait_for()
    assert preview(page, "ko").locator("img").first.evaluate("image => image.naturalWidth") == 160
    page.screenshot(path=SCREENSHOTS / "branding-ko.png", full_page=True)

    assert violations == []  # the page's script, the frames' inline-styled emails, the logo

    # The staff email preview shows the saved message in each language.
    for language, words in (("ko", "12월 24일은 휴무입니다."), ("en", "Our office is closed on 24 December.")):
        page.goto(f"/reminders/preview/?language={language}")
        page.frame_locator("[data-testid=preview-html]").get_by_text(words).wait_for()
        assert words in page.get_by_test_id("preview-text").inner_text()

    # A real reminder to the Korean contact, read on a phone: logo, message, colour, and still the
    # order's facts and RENEW NOW without scrolling.
    contact = Contact.objects.get(customer__partner=partner, language="ko")
    order = contact.customer.orders.get()
    reminder = Reminder(order=order, kind="renewal", ends_on=order.term_end, threshold_days=90)
    sent_at = datetime.combine(order.term_end - timedelta(days=90), time(1), tzinfo=UTC)
    html = render_reminder(contact=contact, partner=partner, reminders=[reminder], now=sent_at).html
    phone = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    email = phone.new_page()
    email.set_content(html.replace(django_settings.PORTAL_BASE_URL, live_server.url))
    assert email.locator(".brand img").evaluate("image => image.complete && image.naturalWidth") == 160
    email.get_by_text("12월 24일은 휴무입니다.", exact=False).wait_for()
    assert email.get_by_role("link", name="https://acme.example", exact=True).get_attribute("href") == (
        "https://acme.example"
    )
    renew = email.get_by_role("link", name="지금 갱신")
    assert renew.evaluate("link => getComputedStyle(link).backgroundColor") == "rgb(11, 122, 62)"
    for element in (renew, email.get_by_text(order.common_name, exact=True)):
        box = element.bounding_box()
        assert box["y"] + box["height"] <= PHONE["height"], "below the fold on a phone"
    assert email.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    email.screenshot(path=SCREENSHOTS / "email-branded-phone-ko.png", full_page=True)
    phone.close()
