"""The partner's own words and colour in its customers' reminder emails: the message above the facts in
the customer's language (no fallback to the other one), plain text with http(s) links only, escaped in
the HTML part and plain in the text part; the footer; the colour, never able to inject CSS; and none of
it in the partner's own staff emails."""

import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import pytest
from django.core import mail
from django.urls import reverse

from notifications.branding import message_for, plain_text_with_links, safe_brand_color, text_color_on
from notifications.emails import render_reminder
from notifications.models import Reminder
from notifications.sender import send_pending
from notifications.sweep import run_sweep
from partners.models import Partner
from tests.factories import ContactFactory, CustomerFactory, OrderFactory, PartnerFactory

from .helpers import make_order

pytestmark = pytest.mark.django_db

TERM_END = date(2027, 3, 1)
CALM = datetime(2026, 12, 1, 3, tzinfo=UTC)  # 90 days before: the normal look
URGENT = datetime(2027, 2, 22, 3, tzinfo=UTC)  # 7 days before: critical
MESSAGE_EN = "Our office is closed on 24 Dec.\nRenew before then: https://acme.example/renew."
MESSAGE_KO = "12월 24일은 휴무입니다.\n그 전에 갱신해 주세요: https://acme.example/renew에서 확인"


def render(partner, *, language="en", now=CALM):
    customer = CustomerFactory(partner=partner, company_name="Blue Foods", language=language)
    contact = ContactFactory(customer=customer, name="Jamie Park")
    order = OrderFactory(customer=customer, term_end=TERM_END)
    reminder = Reminder(order=order, kind="renewal", ends_on=TERM_END, threshold_days=90)
    return render_reminder(contact=contact, partner=partner, reminders=[reminder], now=now)


def branded(**fields):
    return PartnerFactory(
        time_zone="Asia/Seoul", reminder_message_en=MESSAGE_EN, reminder_message_ko=MESSAGE_KO, **fields
    )


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href"))


def hrefs(html):
    parser = Links()
    parser.feed(html)
    return parser.hrefs


def message_block(html):
    return re.search(r"<div[^>]*data-partner-message[^>]*>(.*?)</div>", html, re.S).group(1)


def test_the_message_is_above_the_order_facts_in_both_parts():
    rendered = render(branded())
    html, text = rendered.html, rendered.text
    assert html.index("Our office is closed on 24 Dec.") < html.index("data-order=")
    assert text.index("Our office is closed on 24 Dec.\nRenew before then") < text.index("-" * 40)
    assert text.index("Dear Jamie Park,") < text.index("Our office is closed")


def test_a_korean_customer_reads_the_korean_message_and_an_english_one_the_english():
    partner = branded()
    korean = render(partner, language="ko")
    english = render(partner, language="en")
    assert "12월 24일은 휴무입니다." in korean.html and "12월 24일은 휴무입니다." in korean.text
    assert "Our office is closed" not in korean.html + korean.text
    assert "Our office is closed" in english.html and "Our office is closed" in english.text
    assert "휴무" not in english.html + english.text


def test_a_message_in_one_language_only_is_not_put_in_the_other_languages_emails():
    """No fallback: a Korean message in an English email reads wrong."""
    partner = PartnerFactory(reminder_message_ko="갱신을 서둘러 주세요.")
    english = render(partner, language="en")
    assert "갱신을 서둘러" not in english.html + english.text
    assert "data-partner-message" not in english.html
    assert message_for(partner, "en") == ""
    assert "갱신을 서둘러 주세요." in render(partner, language="ko").text


def test_without_a_message_the_email_is_as_before():
    rendered = render(PartnerFactory())
    assert "data-partner-message" not in rendered.html
    assert "\n\n\n" not in rendered.text.split("-" * 40)[0]


def test_links_in_the_message_are_clickable_in_html_and_plain_in_text():
    rendered = render(branded())
    block = message_block(rendered.html)
    assert hrefs(block) == ["https://acme.example/renew"]  # the sentence's full stop is not the link's
    assert '<a href="https://acme.example/renew"' in block
    assert "Renew before then: https://acme.example/renew." in rendered.text
    korean = render(branded(), language="ko")
    assert hrefs(message_block(korean.html)) == ["https://acme.example/renew"]  # stops at the Korean word


HOSTILE = 'Hi <script>alert(1)</script> "><img src=x onerror=alert(2)> javascript:alert(3) <b>bold</b>'


def test_markup_in_the_message_is_escaped_in_html_and_kept_as_text_in_the_text_part():
    rendered = render(PartnerFactory(reminder_message_en=HOSTILE))
    block = message_block(rendered.html)
    assert "<script" not in rendered.html
    assert "<img src=x" not in rendered.html and "<b>bold" not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in block
    assert "&gt;&lt;img src=x onerror=alert(2)&gt;" in block  # css-inline prints a text node's quote bare
    assert hrefs(block) == []  # javascript: is never a link
    assert HOSTILE in rendered.text  # the text part is text: nothing to escape, nothing lost


def test_only_http_and_https_addresses_become_links():
    html = plain_text_with_links(
        "a javascript:alert(1) b data:text/html,<script>x</script> c ftp://files.example d "
        "HTTPS://Shop.example/x?a=1&b=2 e http://plain.example"
    )
    assert hrefs(html) == ["HTTPS://Shop.example/x?a=1&b=2", "http://plain.example"]
    assert '<a href="HTTPS://Shop.example/x?a=1&amp;b=2">' in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    ("text", "link"),
    [
        ('https://a.example/"onmouseover="alert(1)', "https://a.example/"),
        ("https://a.example/<script>", "https://a.example/"),
        ("(see https://a.example/page)", "https://a.example/page"),
        ("https://en.example/wiki/Foo_(bar)", "https://en.example/wiki/Foo_(bar)"),
        ("https://a.example/x, then", "https://a.example/x"),
        ("https://a.example/갱신", "https://a.example/"),
    ],
)
def test_a_link_ends_where_the_address_ends(text, link):
    html = plain_text_with_links(text)
    assert hrefs(html) == [link]
    assert "onmouseover=&quot;" in html or "onmouseover" not in text


def test_a_scheme_without_a_host_is_not_a_link():
    assert hrefs(plain_text_with_links("https:// and http://")) == []


def test_line_breaks_are_kept_and_crlf_is_one_break():
    assert plain_text_with_links("one\r\ntwo\rthree\nfour") == "one<br>\ntwo<br>\nthree<br>\nfour"


def test_the_footer_is_under_every_reminder_with_clickable_links():
    partner = PartnerFactory(email_footer="Acme Co., 1 Main St <Seoul>\nhttps://acme.example/help")
    rendered = render(partner)
    footer = re.search(r"<div[^>]*data-partner-footer[^>]*>(.*?)</div>", rendered.html, re.S).group(1)
    assert "Acme Co., 1 Main St &lt;Seoul&gt;" in footer
    assert hrefs(footer) == ["https://acme.example/help"]
    assert "Acme Co., 1 Main St <Seoul>\nhttps://acme.example/help" in rendered.text
    assert rendered.text.index("Acme Co., 1 Main St") > rendered.text.index("-" * 40)


def button_style(html):
    return re.search(r'<a class="button"[^>]*style="([^"]*)"', html).group(1)


def test_the_brand_colour_is_on_the_header_line_and_the_button():
    rendered = render(PartnerFactory(brand_color="#0B7A3E"))
    assert "background: #0b7a3e" in button_style(rendered.html)
    assert "color: #ffffff" in button_style(rendered.html)
    card = re.search(r'<div class="card [^"]*"[^>]*style="([^"]*)"', rendered.html).group(1)
    assert "border-top-color: #0b7a3e" in card


def test_urgency_keeps_its_red_over_the_brand_colour():
    rendered = render(PartnerFactory(brand_color="#0b7a3e"), now=URGENT)
    assert "background: #cf222e" in button_style(rendered.html)
    assert "#0b7a3e" not in button_style(rendered.html)


def test_a_light_brand_colour_gets_dark_button_text():
    assert "color: #1f2328" in button_style(render(PartnerFactory(brand_color="#ffe066")).html)
    assert text_color_on("#ffe066") == "#1f2328"
    assert text_color_on("#1f3a5f") == "#ffffff"


@pytest.mark.parametrize(
    "value", ["red;}*{", "#0b7a3e;}body{display:none", "</style><script>alert(1)</script>", "#12345", "expression(x)"]
)
def test_a_colour_that_slipped_past_validation_never_reaches_the_css(value):
    """The column holds 7 characters and the model checks them; the email checks again, as a draft
    (the settings page's preview) renders values no one has validated yet."""
    partner = PartnerFactory()
    partner.brand_color = value  # not saved: as the preview's draft
    rendered = render(partner)
    assert safe_brand_color(value) == ""
    assert value not in rendered.html
    assert "display:none" not in rendered.html and "<script" not in rendered.html and "expression" not in rendered.html
    assert "background: #1f6feb" in button_style(rendered.html)  # the default look


def test_the_partners_staff_emails_carry_neither_its_customer_message_nor_its_footer(seoul_partner, outbox):
    seoul_partner.reminder_message_en = "Dear customer, renew with us."
    seoul_partner.email_footer = "Acme footer line"
    seoul_partner.reminder_escalations = [
        {"threshold": 30, "sales_owner": False, "support": False, "emails": ["desk@partner.example"]}
    ]
    seoul_partner.save()
    make_order(seoul_partner, date(2027, 3, 1))
    now = datetime(2027, 1, 30, 3, tzinfo=UTC)  # 30 days left, noon in Seoul
    run_sweep(now=now)
    send_pending(now=now)
    by_address = {message.to[0]: message for message in mail.outbox}
    staff = by_address.pop("desk@partner.example")
    (customer,) = by_address.values()
    assert "Dear customer, renew with us." in customer.body and "Acme footer line" in customer.body
    assert "Dear customer, renew with us." in customer.alternatives[0][0]
    staff_parts = staff.body + staff.alternatives[0][0]
    assert "Dear customer, renew with us." not in staff_parts
    assert "Acme footer line" not in staff_parts


# The reply-to link -------------------------------------------------------------------------------

BRANDING_FORM = {"reminder_message_en": "", "reminder_message_ko": "", "email_footer": "", "brand_color": "",
                 "sender_name": ""}  # fmt: skip


@pytest.mark.parametrize(
    ("address", "href"),
    [
        ("renewals@acme.example", "mailto:renewals@acme.example"),
        ("sales+renewals@acme.example", "mailto:sales%2Brenewals@acme.example"),
        ("billing?cc=spy&subject=x@acme.example", "mailto:billing%3Fcc%3Dspy%26subject%3Dx@acme.example"),
        ("100%off#top@acme.example", "mailto:100%25off%23top@acme.example"),
        ('"a,b@c"@acme.example', "mailto:%22a%2Cb%40c%22@acme.example"),
    ],
    ids=["plain", "plus", "question-mark-and-ampersand", "percent-and-hash", "quoted-comma-and-at"],
)
def test_the_reply_to_link_is_a_percent_encoded_mailto_for_every_address_the_form_accepts(
    client, admin_a, partner_a, address, href
):
    """Bug (fixed): the address was printed into ``mailto:`` as it is, so ``sales+renewals@…`` could
    reach "sales renewals@…", ``?``/``&`` began header fields and ``#`` a fragment."""
    client.force_login(admin_a)
    response = client.post(reverse("branding-settings"), {**BRANDING_FORM, "reply_to": address})
    assert response.status_code == 302, "the branding form refuses this address"
    html = render(Partner.objects.get(pk=partner_a.pk)).html
    assert href in hrefs(html)
    parts = urlsplit(href)
    assert (parts.scheme, parts.query, parts.fragment) == ("mailto", "", "")
    assert unquote(parts.path) == address
    assert re.fullmatch(r"mailto:([A-Za-z0-9._~-]|%[0-9A-F]{2})+@([A-Za-z0-9._~-]|%[0-9A-F]{2})+", href)
