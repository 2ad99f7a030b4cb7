"""Reminder emails in both languages, personalised, urgent near the end, and safe from injected names."""

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from notifications.emails import render_reminder
from notifications.models import Reminder
from renewals.links import link_for_token
from tests.factories import (
    CertificateFactory,
    ContactFactory,
    CustomerFactory,
    OrderFactory,
    PartnerFactory,
    ProductFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

TERM_END = date(2027, 3, 1)


def render(*, language="en", days_before=60, company="Blue Foods", contact_name="Jamie Park", product=None):
    partner = PartnerFactory(time_zone="Asia/Seoul")
    customer = CustomerFactory(partner=partner, company_name=company, language=language)
    contact = ContactFactory(customer=customer, name=contact_name)
    order = OrderFactory(customer=customer, term_end=TERM_END, **({"product": product} if product else {}))
    reminder = Reminder(order=order, kind="renewal", ends_on=TERM_END, threshold_days=days_before)
    now = datetime.combine(date.fromordinal(TERM_END.toordinal() - days_before), datetime.min.time(), tzinfo=UTC)
    return render_reminder(contact=contact, partner=partner, reminders=[reminder], now=now.replace(hour=3)), order


def test_english_reminder_says_renew_early_with_the_orders_own_carried_days():
    rendered, order = render()
    assert rendered.subject == "Your certificate expires in 60 days"
    assert "Renew early. You won't lose a second of validity." in rendered.text
    assert "the 60 days left are added to your new term (until 1 Mar 2028)" in rendered.text
    assert order.order_number in rendered.html
    assert "If you have already renewed, please disregard this email." in rendered.text
    assert "Turn on auto-renew on your renewal page" in rendered.text


def test_korean_reminder_is_in_korean():
    rendered, _order = render(language="ko", days_before=7)
    assert rendered.subject == "인증서 만료 7일 전"
    assert "지금 갱신" in rendered.html or "갱신" in rendered.html
    assert 'lang="ko"' in rendered.html


def test_urgency_rises_at_seven_days_with_the_browser_warning():
    calm, _order = render(days_before=30)
    urgent, _order = render(days_before=7)
    assert not calm.browser_warning and "cid:browser-warning" not in calm.html
    assert urgent.browser_warning and "cid:browser-warning" in urgent.html
    assert "Don't let your security lapse. Renew today." in urgent.text


def test_secure_site_customers_are_reminded_of_their_site_seal():
    seal, _order = render(product=ProductFactory(code="ss", brand="Secure Site", site_seal=True))
    basic, _order = render(product=ProductFactory(code="basic", brand="Basic", site_seal=False))
    assert "site seal tells visitors" in seal.html
    assert "site seal tells visitors" not in basic.html


def test_a_customer_name_cannot_inject_html_or_headers():
    rendered, _order = render(company="<script>alert(1)</script>", contact_name="Eve\r\nBcc: all@example.com")
    assert "<script>alert(1)" not in rendered.html
    assert "&lt;script&gt;" in rendered.html
    assert "\n" not in rendered.subject and "\r" not in rendered.subject


def test_the_email_shows_the_last_day_that_works_as_the_expiration_date():
    rendered, _order = render(days_before=7)
    assert "Expiration date: 1 Mar 2027 (7 days left)" in rendered.text
    assert "your TLS/SSL certificate expires on 1 Mar 2027" in rendered.text


def test_on_the_expiry_day_the_email_says_it_expires_today_not_expired():
    rendered, _order = render(days_before=0)
    assert rendered.subject == "Your certificate expires today"
    assert "(Expires today)" in rendered.text
    assert "Expired" not in rendered.text


def test_the_one_call_to_action_is_the_contacts_signed_renewal_link():
    rendered, order = render()
    links = re.findall(r'href="([^"]+)"', rendered.html)
    renew_links = [link for link in links if "/r/" in link]
    # The RENEW NOW button, and the suggestions (a longer plan here): the same page, a choice preselected.
    assert len({link.split("?")[0] for link in renew_links}) == 1
    assert renew_links[0] == renew_links[0].split("?")[0]  # the button comes first, with nothing preselected
    assert all("?" in link for link in renew_links[1:])
    # No "log in" link: customers have no login. The unsubscribe link is the only other one.
    assert [link for link in links if link not in renew_links] == [rendered.unsubscribe_url]
    assert "Log in" not in rendered.html and "Log in" not in rendered.text
    assert f"Account #{order.customer.account_number}" in rendered.text
    link = link_for_token(renew_links[0].rstrip("/").rsplit("/", 1)[-1])
    assert (link.order, link.contact.name) == (order, "Jamie Park")


def test_key_facts_and_the_button_come_before_the_browser_warning_picture():
    rendered, order = render(days_before=7)
    html = rendered.html
    name_at = html.index(order.common_name)
    positions = [
        name_at,
        html.index("1 Mar 2027", name_at),
        html.index("RENEW NOW"),
        html.index("cid:browser-warning"),
    ]
    assert positions == sorted(positions)
    text = rendered.text
    assert text.index("RENEW NOW") < text.index("Your connection is not private")


@pytest.mark.parametrize(("days", "urgency"), [(31, "notice"), (30, "warning"), (8, "warning"), (7, "critical")])
def test_the_days_badge_and_the_card_follow_one_urgency_scale(days, urgency):
    rendered, _order = render(days_before=days)
    assert re.search(rf'<span class="days {urgency}"', rendered.html)
    assert rendered.browser_warning is (urgency == "critical")


def order_with_short_certificate(language="en"):
    """A one-year term paid until 1 Mar 2027 served by a certificate that expires on 4 Jan 2027."""
    partner = PartnerFactory(time_zone="Asia/Seoul")
    customer = CustomerFactory(partner=partner, language=language)
    contact = ContactFactory(customer=customer, name="Jamie Park")
    order = OrderFactory(customer=customer, term_end=TERM_END)
    not_after = datetime(2027, 1, 4, 9, 59, 59, tzinfo=ZoneInfo("Asia/Seoul"))
    CertificateFactory(order=order, not_before=not_after - timedelta(days=200, seconds=-1), not_after=not_after)
    order.refresh_from_db()
    return partner, contact, order


def test_a_renewal_reminder_never_calls_the_terms_end_the_certificates_expiry():
    partner, contact, order = order_with_short_certificate()
    reminder = Reminder(order=order, kind="renewal", ends_on=TERM_END, threshold_days=90)
    now = datetime(2026, 12, 1, 3, tzinfo=UTC)  # 90 days before the term's last day
    rendered = render_reminder(contact=contact, partner=partner, reminders=[reminder], now=now)
    assert rendered.subject == "Your certificate expires in 34 days"
    assert "Expiration date: 4 Jan 2027 (34 days left)" in rendered.text
    assert "Paid until: 1 Mar 2027" in rendered.text
    assert "Your subscription term runs until 1 Mar 2027." in rendered.text
    assert "expires on 1 Mar 2027" not in rendered.text


# What a short certificate's renewal reminder says, 90 days before the term's end and 34 before the
# certificate's: the certificate's countdown, and the term's end as a date.
ONE_COUNTDOWN = {
    "en": {
        "subject": "Your certificate expires in 34 days",
        "badge": "34 days left",
        "text": "Expiration date: 4 Jan 2027 (34 days left)",
        "said": [
            "your TLS/SSL certificate below expires on 4 Jan 2027. Your subscription term runs until 1 Mar 2027.",
            "Renew now and keep every paid day: your new term runs until 1 Mar 2028.",
        ],
        "term_countdown": r"\b90 days?\b",
    },
    "ko": {
        "subject": "인증서 만료 34일 전",
        "badge": "34일 남음",
        "text": "만료일: 2027년 1월 4일 (34일 남음)",
        "said": [
            "아래 TLS/SSL 인증서가 2027년 1월 4일에 만료됩니다. 계약 기간은 2027년 3월 1일까지입니다.",
            "새 계약 기간은 2028년 3월 1일까지입니다.",
        ],
        "term_countdown": r"90일",
    },
}


@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_certificate_ending_before_the_term_gets_one_countdown_in_subject_text_and_html(language):
    """Bug (fixed): the subject counted down to the term's end ("term ends in 90 days") and the
    carried days said "the 90 days left", while the badge said "34 days left" for the certificate.
    The site breaks when the certificate expires, so that is the one countdown (DOMAIN.md:
    certificates are shorter than terms); the term's end is a plain date."""
    partner, contact, order = order_with_short_certificate(language)
    reminder = Reminder(order=order, kind="renewal", ends_on=TERM_END, threshold_days=90)
    rendered = render_reminder(
        contact=contact, partner=partner, reminders=[reminder], now=datetime(2026, 12, 1, 3, tzinfo=UTC)
    )
    expected = ONE_COUNTDOWN[language]
    html_text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", rendered.html))
    assert rendered.subject == expected["subject"]
    assert expected["text"] in rendered.text
    assert re.search(rf'<span class="days [a-z]+"[^>]*>{expected["badge"]}</span>', rendered.html)
    for sentence in expected["said"]:
        assert sentence in rendered.text, sentence
        assert re.sub(r"\s+", " ", sentence) in html_text, sentence
    for part in (rendered.subject, rendered.text, html_text):
        assert not re.search(expected["term_countdown"], part)


def test_an_order_due_for_renewal_and_reissue_is_one_block_with_both_actions():
    partner, contact, order = order_with_short_certificate()
    reminders = [
        Reminder(order=order, kind="renewal", ends_on=TERM_END, threshold_days=60),
        Reminder(order=order, kind="reissue", ends_on=date(2027, 1, 4), threshold_days=30),
    ]
    now = datetime(2026, 12, 31, 3, tzinfo=UTC)
    rendered = render_reminder(contact=contact, partner=partner, reminders=reminders, now=now)
    assert rendered.text.count(f"Order #: {order.order_number}") == 1
    assert rendered.text.count("Expiration date:") == 1
    assert "Free reissue: reply to this email." in rendered.text and "RENEW NOW" in rendered.text
    assert "(and 1 more)" not in rendered.subject
