"""The email branding page (/settings/branding/, its preview) and what it puts in customers' emails,
attacked by a hostile partner admin or a forged request: markup and CSS in every field, header
injection into From/Reply-To, invisible characters that disguise a link, logo files that are also
something else, and the uploads' own URLs. (Security review of issue 15, regression coverage.)"""

import importlib
from datetime import UTC, date, datetime, timedelta
from email.utils import getaddresses
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import clear_url_caches, reverse

from imports.models import ImportKind
from imports.services import create_job
from notifications.branding import mailto_url
from notifications.emails import render_reminder
from notifications.models import OutboxEmail, Reminder
from notifications.sender import build_message
from partners.models import Partner
from renewals.links import customer_renewal_path
from tests.factories import ContactFactory, CustomerFactory, OrderFactory
from tests.notifications.test_branding_logo import gif_bytes, png_bytes

pytestmark = pytest.mark.django_db

BLANK = {
    "reminder_message_en": "",
    "reminder_message_ko": "",
    "email_footer": "",
    "brand_color": "",
    "sender_name": "",
    "reply_to": "",
}
XSS = '<img src=x onerror="alert(1)">'
QUOTED_MARKUP_ADDRESS = '"<svg/onload=alert(2)>"@acme.example'  # a valid address: a quoted local part
RLO = "\u202e"  # right-to-left override
ZWSP = "\u200b"  # zero-width space


@pytest.fixture
def order_a(partner_a):
    customer = CustomerFactory(partner=partner_a, company_name="Blue Foods", language="en")
    ContactFactory(customer=customer, name="Jamie Park", language="en")
    return OrderFactory(customer=customer, term_end=date.today() + timedelta(days=365), order_number="5001")


def save(client, **values):
    return client.post(reverse("branding-settings"), {**BLANK, **values})


def preview(client, **values):
    response = client.post(reverse("branding-preview"), {**BLANK, **values})
    assert response.status_code == 200
    return response.json()


def rendered_for(partner, language="en"):
    """A renewal reminder of a new order of ``partner``, and its MIME message, as the sender builds them."""
    customer = CustomerFactory(partner=partner, language=language)
    contact = ContactFactory(customer=customer, name="Jamie")
    order = OrderFactory(customer=customer, term_end=date(2027, 3, 1))
    reminder = Reminder(order=order, kind="renewal", ends_on=order.term_end, threshold_days=7)
    rendered = render_reminder(
        contact=contact, partner=partner, reminders=[reminder], now=datetime(2027, 2, 22, 3, tzinfo=UTC)
    )
    email = OutboxEmail(partner=partner, contact=contact, to_email=contact.email, message_id="<x@example>")
    return rendered, build_message(email, rendered).message()


class Anchors(HTMLParser):
    """Every link's href and the text shown for it."""

    def __init__(self):
        super().__init__()
        self.links, self._open = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._open = [dict(attrs).get("href"), ""]

    def handle_data(self, data):
        if self._open is not None:
            self._open[1] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._open is not None:
            self.links.append(tuple(self._open))
            self._open = None


def anchors(html):
    parser = Anchors()
    parser.feed(html)
    return parser.links


class Elements(HTMLParser):
    """Every element's tag and attributes, as a browser would build them."""

    def __init__(self):
        super().__init__()
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def assert_no_markup_of_ours(html, where):
    """No element or event handler the hostile values could have made: text stays text."""
    parser = Elements()
    parser.feed(html)
    for tag, attrs in parser.elements:
        assert tag != "svg" and not (tag == "script" and not (attrs.get("src") or "").startswith("/static/")), where
        if attrs.get("srcdoc"):  # the page's preview frames: a document of their own
            assert_no_markup_of_ours(attrs["srcdoc"], f"{where} (frame)")
        assert not [name for name in attrs if name.startswith("on")], (where, tag, attrs)
        assert not (tag == "img" and attrs.get("src") == "x"), where
        assert not (attrs.get("href") or "").lower().startswith("javascript:"), (where, attrs)


# Markup and CSS ----------------------------------------------------------------------------------


def test_markup_in_every_text_field_is_text_in_the_email_the_preview_the_page_and_the_customer_page(
    client, admin_a, partner_a, order_a
):
    client.force_login(admin_a)
    hostile = {
        "reminder_message_en": f"{XSS}\nhttps://a.example/</a><a href=javascript:alert(3)>x",
        "email_footer": f'{XSS}\nhttps://f.example/?a=1&b="><script>alert(4)</script>',
        "sender_name": XSS,
        "reply_to": QUOTED_MARKUP_ADDRESS,
    }
    assert save(client, **hostile).status_code == 302
    partner = Partner.objects.get(pk=partner_a.pk)
    rendered, _message = rendered_for(partner)
    surfaces = {
        "email": rendered.html,
        "preview": preview(client, **hostile)["previews"]["en"]["html"],
        "page": client.get(reverse("branding-settings")).content.decode(),
        "customer page": client.get(customer_renewal_path(order_a)).content.decode(),
    }
    for name, html in surfaces.items():
        assert_no_markup_of_ours(html, name)
        assert "&lt;img src=x" in html or "&lt;img src=x" in html.replace("&amp;lt;", "&lt;"), name
    for href, _text in anchors(rendered.html):
        assert href.startswith(("https://", "http://", "mailto:")), href
    assert XSS in rendered.text  # the text part carries the words as written: it is never HTML


@pytest.mark.parametrize("color", ["#123456;}*{background:url(//evil.example/x)}", "red;}", "#12345g", "expression(1)"])
def test_a_colour_that_smuggles_css_is_refused_and_the_preview_keeps_the_saved_one(
    client, admin_a, partner_a, order_a, color
):
    client.force_login(admin_a)
    assert save(client, brand_color=color).status_code == 400
    result = preview(client, brand_color=color)
    assert list(result["errors"]) == ["brand_color"]
    assert (
        "evil.example" not in result["previews"]["en"]["html"] and "expression(" not in result["previews"]["en"]["html"]
    )


def test_a_colour_stored_around_the_form_is_ignored_by_the_email(partner_a):
    """The admin or old data: the email checks the colour again before printing it into CSS."""
    Partner.objects.filter(pk=partner_a.pk).update(brand_color="#1}*{x}")
    rendered, _message = rendered_for(Partner.objects.get(pk=partner_a.pk))
    assert "#1}" not in rendered.html and "{x}" not in rendered.html


# Header injection --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "separator", ["\r\n", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\u2028"], ids=lambda value: repr(value)
)
def test_a_sender_name_with_a_line_break_cannot_add_a_header(client, admin_a, partner_a, separator):
    client.force_login(admin_a)
    save(client, sender_name=f"Acme{separator}Bcc: spy@evil.example")
    _rendered, message = rendered_for(Partner.objects.get(pk=partner_a.pk))
    head = message.as_bytes().split(b"\n\n", 1)[0]
    assert message["Bcc"] is None and b"\nBcc:" not in head
    assert message["From"] == '"Acme Bcc: spy@evil.example" <renewals@portal.example>'


def test_a_sender_name_posing_as_an_address_stays_the_display_name(client, admin_a, partner_a):
    client.force_login(admin_a)
    save(client, sender_name='Evil" <spy@evil.example>, "x')
    _rendered, message = rendered_for(Partner.objects.get(pk=partner_a.pk))
    assert len(message.get_all("From")) == 1
    assert [address for _name, address in getaddresses([message["From"]])] == ["renewals@portal.example"]


@pytest.mark.parametrize(
    "address",
    [
        "renewals@acme.example\r\nBcc: spy@evil.example",
        "renewals@acme.example\nBcc: spy@evil.example",
        '"a\x0bBcc: spy@evil.example"@acme.example',
        "renewals@acme.example, spy@evil.example",
        "x" * 250 + "@acme.example",
    ],
    ids=["crlf", "lf", "vertical-tab", "two-addresses", "too-long"],
)
def test_a_reply_to_that_would_add_a_header_or_an_address_is_refused(client, admin_a, partner_a, address):
    client.force_login(admin_a)
    assert save(client, reply_to=address).status_code == 400
    assert Partner.objects.get(pk=partner_a.pk).reply_to == ""


def test_a_reply_to_with_markup_in_its_quoted_local_part_is_one_escaped_address(client, admin_a, partner_a):
    client.force_login(admin_a)
    assert save(client, reply_to=QUOTED_MARKUP_ADDRESS).status_code == 302
    rendered, message = rendered_for(Partner.objects.get(pk=partner_a.pk))
    assert message["Reply-To"] == QUOTED_MARKUP_ADDRESS and message["Bcc"] is None
    assert (mailto_url(QUOTED_MARKUP_ADDRESS), QUOTED_MARKUP_ADDRESS) in anchors(rendered.html)
    assert_no_markup_of_ours(rendered.html, "email")


# Invisible characters and look-alike links -------------------------------------------------------


def test_a_right_to_left_override_cannot_make_a_link_read_as_another_address(client, admin_a, partner_a, order_a):
    """Bug (fixed): after U+202E the link below was shown reversed, as "https://bank.example#/elpmaxe.a…",
    while it led to a.example. Bidirectional controls are dropped on saving and when rendering."""
    client.force_login(admin_a)
    message = f"Renew here: {RLO}https://a.example/#elpmaxe.knab//:sptth"
    draft = preview(client, reminder_message_en=message)["previews"]["en"]
    assert RLO not in draft["html"] and RLO not in draft["text"]
    save(client, reminder_message_en=message, email_footer=f"{RLO}footer")
    partner = Partner.objects.get(pk=partner_a.pk)
    assert RLO not in partner.reminder_message_en and RLO not in partner.email_footer
    Partner.objects.filter(pk=partner_a.pk).update(email_footer=f"{RLO}stored before the fix")
    rendered, _message = rendered_for(Partner.objects.get(pk=partner_a.pk))
    assert RLO not in rendered.html and RLO not in rendered.text


@pytest.mark.parametrize("hidden", [ZWSP, "\u200d", "\u2060", "\ufeff", "\u00ad"], ids=repr)
def test_an_invisible_character_cannot_cut_a_link_short_of_what_it_shows(client, admin_a, partner_a, hidden):
    """Bug (fixed): "https://goo<ZWSP>gle.com" read as google.com and linked to "https://goo"."""
    client.force_login(admin_a)
    save(client, reminder_message_en=f"Renew at https://goo{hidden}gle.example/renew today")
    rendered, _message = rendered_for(Partner.objects.get(pk=partner_a.pk))
    assert ("https://google.example/renew", "https://google.example/renew") in anchors(rendered.html)
    assert "https://google.example/renew today" in rendered.text


def test_joiners_between_emoji_are_kept(client, admin_a, partner_a):
    client.force_login(admin_a)
    save(client, reminder_message_ko="담당자 👩\u200d💻 드림")
    assert Partner.objects.get(pk=partner_a.pk).reminder_message_ko == "담당자 👩\u200d💻 드림"


def test_every_link_shows_exactly_where_it_leads_and_look_alike_hosts_are_not_linked(client, admin_a, partner_a):
    client.force_login(admin_a)
    message = "\n".join(
        [
            "https://\u0430pple.example/login",  # Cyrillic а: not a link at all
            "https://xn--pple-43d.example/login",  # its IDNA form: linked as written
            "https://a.example/'onmouseover='alert(1)'",
            "javascript:alert(1)//https://a.example",
            "https://user:pass@a.example/",
        ]
    )
    save(client, reminder_message_en=message)
    rendered, _message = rendered_for(Partner.objects.get(pk=partner_a.pk))
    links = [link for link in anchors(rendered.html) if not link[0].startswith(("mailto:", "http://127.0.0.1"))]
    assert all(href == text for href, text in links), links
    assert not any("\u0430" in href for href, _text in links)
    assert ("https://xn--pple-43d.example/login", "https://xn--pple-43d.example/login") in links
    assert not any(href.startswith("javascript:") for href, _text in anchors(rendered.html))


# Limits ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("sender_name", "x" * 201), ("brand_color", "#" + "0" * 60), ("reply_to", "a" * 243 + "@acme.example")],
)
def test_over_long_values_are_refused_by_the_server(client, admin_a, partner_a, field, value):
    client.force_login(admin_a)
    assert save(client, **{field: value}).status_code == 400
    assert getattr(Partner.objects.get(pk=partner_a.pk), field) == ""


def test_a_megabyte_draft_is_named_as_too_long_and_never_rendered(client, admin_a, partner_a, order_a):
    client.force_login(admin_a)
    result = preview(client, reminder_message_en="A" * 1_000_000, sender_name="S" * 100_000)
    assert set(result["errors"]) == {"reminder_message_en", "sender_name"}
    assert "AAAAAAAAAA" not in result["previews"]["en"]["html"] and "SSSSSSSSSS" not in result["previews"]["en"]["html"]


# Forged requests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["branding-settings", "branding-preview"])
def test_both_endpoints_refuse_a_post_without_the_csrf_token(admin_a, partner_a, order_a, url):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_a)
    response = client.post(reverse(url), {**BLANK, "reminder_message_en": "forged", "sender_name": "Forged"})
    assert response.status_code == 403
    assert "forged" not in response.content.decode().lower()
    assert Partner.objects.get(pk=partner_a.pk).sender_name == ""


def test_the_preview_renders_the_partners_own_order_whatever_the_request_names(
    client, admin_a, partner_a, order_a, order_b
):
    client.force_login(admin_a)
    smuggled = {"order_number": order_b.order_number, "order": order_b.pk, "partner": order_b.partner_id, "pk": 1}
    result = preview(client, **smuggled)
    for language in ("en", "ko"):
        html = result["previews"][language]["html"]
        assert order_a.order_number in html and order_b.order_number not in html
        assert order_b.customer.company_name not in html


def test_another_partners_admin_changes_only_their_own_branding(client, partner_a, partner_b):
    from partners.models import Role
    from tests.factories import MembershipFactory

    outsider = MembershipFactory(partner=partner_b, role=Role.ADMIN).user
    client.force_login(outsider)
    save(client, sender_name="Hijacked", reminder_message_en="Hijacked")
    assert Partner.objects.get(pk=partner_a.pk).sender_name == ""
    assert Partner.objects.get(pk=partner_b.pk).sender_name == "Hijacked"


# The logo and the uploads' URLs ------------------------------------------------------------------

POLYGLOTS = {
    "gif-then-html": (gif_bytes() + b"<html><script>alert(1)</script></html>", "logo.gif", "image/gif"),
    "png-then-script": (png_bytes() + b"<script>alert(1)</script>", "logo.png", "image/png"),
    "png-named-html": (png_bytes(), "logo.png.html", "image/png"),
}


@pytest.mark.parametrize("case", POLYGLOTS, ids=str)
def test_a_logo_that_is_also_html_is_served_only_as_its_image_type_in_a_sandbox(client, admin_a, partner_a, case):
    data, name, content_type = POLYGLOTS[case]
    client.force_login(admin_a)
    assert save(client, logo=SimpleUploadedFile(name, data, content_type="text/html")).status_code == 302
    logo = Partner.objects.get(pk=partner_a.pk).logo
    assert logo.name.startswith("partner-logos/logo-") and logo.name.endswith((".gif", ".png"))
    response = Client().get(logo.url)  # anyone: mail clients fetch it
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(response.streaming_content) == data


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.png"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00\x00\xea\x60" * 2 + b"\x08\x02\x00\x00\x00", "bomb.png"),
        (b"", "empty.png"),
        (b"<html><script>alert(1)</script></html>", "logo.gif"),
    ],
    ids=["svg-named-png", "60000-pixels-square", "zero-bytes", "html-named-gif"],
)
def test_a_logo_that_is_not_a_sane_image_is_refused(client, admin_a, partner_a, data, name):
    client.force_login(admin_a)
    assert save(client, logo=SimpleUploadedFile(name, data, content_type="image/png")).status_code == 400
    assert not Partner.objects.get(pk=partner_a.pk).logo


def test_the_logo_shown_in_emails_and_on_the_customer_page_is_served_with_debug_off(
    client, admin_a, partner_a, order_a, settings
):
    """Bug (fixed): with DEBUG off (production) nothing served MEDIA_URL, so every branded email and the
    renewal page showed a broken logo."""
    assert settings.DEBUG is False
    client.force_login(admin_a)
    save(client, logo=SimpleUploadedFile("logo.png", png_bytes(), content_type="image/png"))
    logo = Partner.objects.get(pk=partner_a.pk).logo
    page = Client().get(customer_renewal_path(order_a)).content.decode()
    assert f'src="{logo.url}"' in page
    served = Client().get(logo.url)
    assert served.status_code == 200
    # Public and named afresh at each upload: mail clients may keep it, unlike every page.
    assert served["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "no-store" in Client().get(customer_renewal_path(order_a))["Cache-Control"]


@pytest.fixture
def debug_urls(settings):
    """The URLconf as ``./scripts/run.sh`` builds it: DEBUG on (development), where Django's
    ``static()`` would serve MEDIA_ROOT."""
    import config.urls

    settings.DEBUG = True
    importlib.reload(config.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(config.urls)
    clear_url_caches()


def test_an_import_upload_is_never_served_even_in_debug(debug_urls, partner_b, admin_a):
    """Bug (fixed): in DEBUG (the run command's mode) MEDIA_ROOT was served whole, so anyone, logged in
    or not, could fetch a partner's customer list at /media/imports/<year>/<month>/<its original name>."""
    job = create_job(
        partner=partner_b,
        user=admin_a,
        kind=ImportKind.CUSTOMERS,
        upload=SimpleUploadedFile("customers.csv", b"Account,Company\nB-1,Zephyr Secret Holdings\n"),
        language="en",
    )
    assert job.file.name.startswith("imports/") and job.file.name.endswith("/customers.csv")
    response = Client().get(f"/media/{job.file.name}")
    assert response.status_code == 404
    assert b"Zephyr Secret" not in response.content


@pytest.mark.parametrize(
    "name",
    ["../imports/x.csv", "..%2Fimports%2Fx.csv", "old.svg", "page.html", ".png", "logo.png.html", "x" * 300 + ".png"],
)
def test_the_logo_url_serves_nothing_but_a_stored_logo(settings, name):
    (settings.MEDIA_ROOT / "partner-logos").mkdir(parents=True)
    (settings.MEDIA_ROOT / "partner-logos" / "old.svg").write_bytes(b"<svg onload='alert(1)'/>")
    (settings.MEDIA_ROOT / "partner-logos" / "page.html").write_bytes(b"<script>alert(1)</script>")
    (settings.MEDIA_ROOT / "imports").mkdir()
    (settings.MEDIA_ROOT / "imports" / "x.csv").write_bytes(b"secret")
    response = Client().get(f"/media/partner-logos/{name}")
    assert response.status_code == 404
    assert b"secret" not in response.content and b"alert(1)" not in response.content
