"""Every sentence of a reminder email is true for what it holds: "open the link" only with a RENEW NOW
link in it, the auto-renew hint only when an order's renewal page can turn auto-renew on, a free
reissue's reply otherwise; auto-renew on its day says "today". Both languages, HTML and text parts."""

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from notifications.emails import render_reminder
from notifications.models import Reminder
from partners.actors import CUSTOMER
from renewals.auto_renew import turn_on
from tests.factories import CertificateFactory, ContactFactory, CustomerFactory, OrderFactory, PartnerFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 5, 3, tzinfo=UTC)  # noon in Seoul
SEOUL = ZoneInfo("Asia/Seoul")
CERTIFICATE_ENDS = date(2027, 1, 4)  # inside a term paid until 1 Sep 2027: a free reissue

# The closing sentences, as each language says them (the catalogue's wording).
SAID = {
    "en": {
        "open the link": "Renewing takes one step: open the link",
        "auto-renew hint": "Turn on auto-renew on your renewal page (the link above)",
        "already renewed": "If you have already renewed, please disregard this email.",
        "reply for the reissue": "Getting your free reissue takes one step: reply to this email.",
        "already asked": "If you have already asked for your reissue, please disregard this email.",
        "renew for the seal": "Renew on time to keep it on your pages.",
        "install for the seal": "Install your new certificate on time to keep it on your pages.",
        "free reissue block": "Free reissue: reply to this email.",
        "renews today": "Your certificate renews automatically today.",
        "notice today": "Renews automatically today for 1 year at ₩590,000.",
        "cancel before it renews": "To cancel before it renews, open",
    },
    "ko": {
        "open the link": "갱신은 한 번이면 됩니다. 링크를 열고",
        "auto-renew hint": "위 링크의 갱신 페이지에서 자동 갱신을 켜세요.",
        "already renewed": "이미 갱신하셨다면 이 이메일은 무시하셔도 됩니다.",
        "reply for the reissue": "무료 재발급은 한 번이면 됩니다. 이 이메일에 회신해 주세요.",
        "already asked": "이미 재발급을 요청하셨다면 이 이메일은 무시하셔도 됩니다.",
        "renew for the seal": "제때 갱신하여 페이지에 계속 표시하세요.",
        "install for the seal": "새 인증서를 제때 설치하여 페이지에 계속 표시하세요.",
        "free reissue block": "무료 재발급: 이 이메일에 회신해 주세요.",
        "renews today": "인증서가 오늘 자동으로 갱신됩니다.",
        "notice today": "오늘 1년 플랜, 590,000원에 자동으로 갱신됩니다.",
        "cancel before it renews": "갱신되기 전에 취소하려면",
    },
}
RENEWAL_SENTENCES = ("open the link", "auto-renew hint", "already renewed")
REISSUE_SENTENCES = ("reply for the reissue", "already asked")


def customer_of(language):
    partner = PartnerFactory(time_zone="Asia/Seoul")
    customer = CustomerFactory(partner=partner, language=language)
    return partner, ContactFactory(customer=customer, name="Jamie Park")


def reissue_reminder(customer):
    """A free reissue: the certificate ends on 4 Jan 2027, the term is paid until 1 Sep 2027."""
    order = OrderFactory(customer=customer, term_end=date(2027, 9, 1))
    not_after = datetime.combine(CERTIFICATE_ENDS, datetime.max.time(), tzinfo=SEOUL).replace(microsecond=0)
    CertificateFactory(order=order, not_before=not_after - timedelta(days=200, seconds=-1), not_after=not_after)
    order.refresh_from_db()
    return Reminder(order=order, kind="reissue", ends_on=CERTIFICATE_ENDS, threshold_days=30)


def renewal_reminder(customer, term_end=date(2027, 1, 20), **order_fields):
    order = OrderFactory(customer=customer, term_end=term_end, **order_fields)
    return Reminder(order=order, kind="renewal", ends_on=term_end, threshold_days=60)


def parts(rendered):
    """The text part, and the HTML part as its visible text on one line."""
    html = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", rendered.html))
    return {"text": re.sub(r"\s+", " ", rendered.text), "html": html}


def said_in(rendered, language, *keys):
    """Which of ``keys`` each part says."""
    return {name: {key for key in keys if SAID[language][key] in part} for name, part in parts(rendered).items()}


def render(language, *kinds, now=NOW):
    partner, contact = customer_of(language)
    reminders = [make(contact.customer) for make in kinds]
    return render_reminder(contact=contact, partner=partner, reminders=reminders, now=now)


ALL = RENEWAL_SENTENCES + REISSUE_SENTENCES


@pytest.mark.smoke
@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_reissue_only_email_asks_for_a_reply_and_never_mentions_a_renewal_link(language):
    """Bug (fixed): an email whose one order needs a free reissue (no RENEW NOW in it) ended with
    "Renewing takes one step: open the link…", the auto-renew hint "(the link above)" and "If you have
    already renewed…", in both languages and both parts."""
    rendered = render(language, reissue_reminder)
    expected = set(REISSUE_SENTENCES)
    assert said_in(rendered, language, *ALL) == {"text": expected, "html": expected}
    assert SAID[language]["free reissue block"] in rendered.text
    html = parts(rendered)["html"]
    assert SAID[language]["renew for the seal"] not in html and SAID[language]["install for the seal"] in html


@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_renewal_only_email_keeps_the_link_sentences_and_the_auto_renew_hint(language):
    rendered = render(language, renewal_reminder)
    expected = set(RENEWAL_SENTENCES)
    assert said_in(rendered, language, *ALL) == {"text": expected, "html": expected}
    assert SAID[language]["renew for the seal"] in parts(rendered)["html"]


@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_digest_of_a_renewal_and_a_reissue_keeps_the_renewal_sentences(language):
    """The reissue keeps its own "Free reissue: reply to this email." in its block; the closing
    sentences are the renewal's, led by the reissue (the most urgent) or not."""
    rendered = render(language, reissue_reminder, renewal_reminder)
    expected = set(RENEWAL_SENTENCES)
    assert said_in(rendered, language, *ALL) == {"text": expected, "html": expected}
    assert SAID[language]["free reissue block"] in rendered.text
    assert "RENEW NOW" in rendered.text or "지금 갱신" in rendered.text


@pytest.mark.parametrize("language", ["en", "ko"])
def test_no_auto_renew_hint_when_no_order_can_have_auto_renew(language):
    """A term ended three days ago (auto-renew is for terms still running) and a product no longer
    on sale: RENEW NOW and its sentences stay, the hint goes."""

    def ended(customer):
        return renewal_reminder(customer, term_end=date(2026, 12, 2))

    def off_sale(customer):
        reminder = renewal_reminder(customer)
        reminder.order.product.is_active = False
        reminder.order.product.save()
        return reminder

    for kind in (ended, off_sale):
        rendered = render(language, kind)
        expected = {"open the link", "already renewed"}
        assert said_in(rendered, language, *ALL) == {"text": expected, "html": expected}, kind.__name__


@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_digest_led_by_an_auto_renew_notice_keeps_the_sentences_of_its_other_renewal(language):
    """The sentences follow the email's orders, not its first one: an order auto-renew renews on
    its own leads (it ends first), another still has RENEW NOW."""

    def auto_renewing(customer):
        reminder = renewal_reminder(customer, term_end=date(2027, 1, 10))
        turn_on(order=reminder.order, by=CUSTOMER, plan_years=1, now=NOW)
        return reminder

    rendered = render(language, auto_renewing, renewal_reminder)
    expected = set(RENEWAL_SENTENCES)
    assert said_in(rendered, language, *ALL) == {"text": expected, "html": expected}


@pytest.mark.parametrize("language", ["en", "ko"])
def test_an_auto_renew_notice_on_its_day_says_today(language):
    """An email sent on the renewal day (held until the send hour, or retried) said "renews
    automatically on 5 Dec 2026" on 5 Dec; it says "today", and that cancelling must come first."""

    def renewing_today(customer):
        reminder = renewal_reminder(customer, term_end=date(2026, 12, 20))  # 30 days before: past
        auto = turn_on(order=reminder.order, by=CUSTOMER, plan_years=1, now=NOW)
        assert auto.renew_on == date(2026, 12, 5)
        return reminder

    rendered = render(language, renewing_today)
    for part in parts(rendered).values():
        assert SAID[language]["renews today"] in part
        assert SAID[language]["notice today"] in part
        assert SAID[language]["cancel before it renews"] in part
        assert not re.search(r"5 Dec 2026|2026년 12월 5일", part)
    assert 'data-auto-renew="2026-12-05"' in rendered.html
