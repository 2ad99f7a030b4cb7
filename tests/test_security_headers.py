"""What every response promises a browser: a strict Content-Security-Policy with no inline script,
nothing a cache may keep, a language cookie for this site only; and login throttling that tells the
clients behind the TLS proxy apart without letting one escape its lock."""

import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import RequestFactory, override_settings
from django.urls import reverse

from config.security import client_ip_address
from notifications.links import unsubscribe_url
from notifications.models import OutboxEmail
from notifications.sender import send_pending
from notifications.sweep import run_sweep
from renewals.links import customer_renewal_path
from tests.factories import PASSWORD, CertificateFactory, ContactFactory, CustomerFactory, OrderFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

ROOT = Path(__file__).resolve().parent.parent
SWEPT_AT = datetime(2027, 1, 30, 3, tzinfo=UTC)
# The two staff pages that show a reminder email in a sandboxed srcdoc frame: the frame inherits the
# page's policy, and an email is styled inline.
EMAIL_FRAME_PAGES = {"email preview", "outbox email", "email branding"}


@pytest.fixture
def site(partner_a, admin_a):
    """One of each kind of thing a page shows: an order with a sent reminder, a renewed order."""
    customer = CustomerFactory(partner=partner_a)
    contact = ContactFactory(customer=customer)
    order = OrderFactory(
        customer=customer, term_end=date(2027, 3, 1), next_reminder_at=datetime(2000, 1, 1, tzinfo=UTC)
    )
    CertificateFactory(order=order)
    run_sweep(now=SWEPT_AT)
    send_pending(now=SWEPT_AT)
    renewed = OrderFactory(customer=customer)
    OrderFactory(customer=customer, renewed_from=renewed)
    return {
        "order": order,
        "renewed": renewed,
        "contact": contact,
        "email": OutboxEmail.objects.get(),
        "staff": admin_a,
        "operator": UserFactory(is_staff=True, is_superuser=True),
    }


def unsubscribe_path(contact):
    return unsubscribe_url(contact).removeprefix(settings.PORTAL_BASE_URL)


def locked_out(client, site):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": site["staff"].username, "password": "wrong"})
    return client.post(reverse("login"), {"username": site["staff"].username, "password": PASSWORD})


# Every kind of page: (who is logged in, how it is fetched).
PAGES = {
    "home": ("staff", lambda client, site: client.get(reverse("home"))),
    "expiring certificates": ("staff", lambda client, site: client.get(reverse("expiring") + "?window=all")),
    "csv export": ("staff", lambda client, site: client.get(reverse("expiring") + "?window=all&format=csv")),
    "quick view": (
        "staff",
        lambda client, site: client.get(reverse("order-detail", args=[site["order"].order_number])),
    ),
    "quick view panel": (
        "staff",
        lambda client, site: client.get(reverse("order-detail", args=[site["order"].order_number]) + "?panel=1"),
    ),
    "renew": ("staff", lambda client, site: client.get(reverse("order-renew", args=[site["order"].order_number]))),
    "outbox": ("staff", lambda client, site: client.get(reverse("outbox"))),
    "outbox email": ("staff", lambda client, site: client.get(reverse("outbox-email", args=[site["email"].pk]))),
    "email preview": ("staff", lambda client, site: client.get(reverse("reminder-preview"))),
    "reminder policy": ("staff", lambda client, site: client.get(reverse("reminder-settings"))),
    "email branding": ("staff", lambda client, site: client.get(reverse("branding-settings"))),
    "price list": ("staff", lambda client, site: client.get(reverse("price-list"))),
    "not found": ("staff", lambda client, site: client.get(reverse("order-detail", args=["no-such-order"]))),
    "admin": ("operator", lambda client, site: client.get(reverse("admin:index"))),
    "login": (None, lambda client, site: client.get(reverse("login"))),
    "locked out": (None, locked_out),
    "customer renewal": (None, lambda client, site: client.get(customer_renewal_path(site["order"], site["contact"]))),
    "customer renewed": (None, lambda client, site: client.get(customer_renewal_path(site["renewed"]))),
    "invalid customer link": (None, lambda client, site: client.get("/r/not-a-token/")),
    "unsubscribe": (None, lambda client, site: client.get(unsubscribe_path(site["contact"]))),
    "unsubscribed": (None, lambda client, site: client.post(unsubscribe_path(site["contact"]))),
    "invalid unsubscribe link": (None, lambda client, site: client.get("/u/not-a-token/")),
    "bad request": (None, lambda client, site: client.get(reverse("expiring") + "?q=%00")),
}
HTML_PAGES = [name for name in PAGES if name != "csv export"]


ERROR_STATUS = {
    "not found": 404,
    "locked out": 429,
    "invalid customer link": 404,
    "invalid unsubscribe link": 404,
    "bad request": 400,
}


def fetch(client, site, name):
    user, get = PAGES[name]
    if user:
        client.force_login(site[user])
    response = get(client, site)
    assert response.status_code == ERROR_STATUS.get(name, 200), name
    return response


def policy(response):
    """The Content-Security-Policy header as {directive: [sources]}."""
    directives = (part.split() for part in response["Content-Security-Policy"].split(";") if part.strip())
    return {name: sources for name, *sources in directives}


class InlineCode(HTMLParser):
    """Collects what a strict policy blocks: inline <script>, event handler attributes, javascript:
    URLs and style attributes (which the policy would silently drop)."""

    def __init__(self):
        super().__init__()
        self.found, self.in_script = [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.in_script = True
            if "src" not in attrs:
                self.found.append("<script> without src")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name == "style":
                self.found.append(f"<{tag} style=…>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}=javascript:…>")

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.in_script and data.strip():
            self.found.append(f"inline script: {data.strip()[:60]}")


def inline_code(html):
    parser = InlineCode()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("name", PAGES)
def test_every_page_sends_a_content_security_policy_without_inline_script(client, site, name):
    rules = policy(fetch(client, site, name))
    assert rules["default-src"] == ["'self'"]
    assert rules["script-src"] == ["'self'"]
    assert rules["object-src"] == ["'none'"] and rules["base-uri"] == ["'none'"]
    assert rules["frame-ancestors"] == ["'none'"] and rules["form-action"] == ["'self'"]
    expected_styles = ["'self'", "'unsafe-inline'"] if name in EMAIL_FRAME_PAGES else ["'self'"]
    assert rules["style-src"] == expected_styles


@pytest.mark.parametrize("name", HTML_PAGES)
def test_no_page_contains_inline_script_or_style(client, site, name):
    response = fetch(client, site, name)
    assert response["Content-Type"].startswith("text/html")
    assert inline_code(response.content.decode()) == []


def test_the_email_frames_stay_sandboxed(client, site):
    for name in sorted(EMAIL_FRAME_PAGES):
        page = fetch(client, site, name).content.decode()
        assert re.search(r"<iframe [^>]*\bsandbox(?:\s|>)", page), name


TEMPLATE_RULES = {
    "inline <script>": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I),
    "event handler attribute": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),
    "style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I),
    "<style> element": re.compile(r"<style[\s>]", re.I),
}


def test_templates_keep_scripts_and_styles_in_static_files():
    """Emails are exempt: mail clients need inline styles, and the portal shows them only sandboxed."""
    found = [
        f"{path.relative_to(ROOT)}: {rule}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        if "emails" not in path.relative_to(ROOT / "templates").parts
        for rule, pattern in TEMPLATE_RULES.items()
        if pattern.search(path.read_text())
    ]
    assert found == []


@pytest.mark.parametrize("name", PAGES)
def test_no_page_may_be_stored_by_a_cache(client, site, name):
    """Logged-in pages, the CSV export and the customer's token pages above all."""
    cache_control = {part.strip() for part in fetch(client, site, name)["Cache-Control"].split(",")}
    assert {"no-store", "no-cache", "private"} <= cache_control


def test_a_redirect_of_a_logged_in_user_is_not_stored_either(client, site):
    client.force_login(site["staff"])
    response = client.post(reverse("set_language"), {"language": "ko", "next": reverse("expiring")})
    assert response.status_code == 302
    assert "no-store" in response["Cache-Control"]


def test_the_language_cookie_is_for_this_site_only_and_hidden_from_scripts(client):
    """Outside production it also travels over plain HTTP (development runs without TLS); see
    tests/test_settings.py for production."""
    response = client.post(reverse("set_language"), {"language": "ko", "next": "/"})
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "ko"
    assert cookie["samesite"] == "Lax" and cookie["httponly"] is True
    assert not cookie["secure"]


# Login throttling behind the TLS proxy: REMOTE_ADDR is the proxy's address for every client.
PROXY = "10.0.0.2"


def log_in(client, username, password, forwarded_for):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_two_clients_behind_the_proxy_are_locked_out_separately(client, sales_a):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, sales_a.username, "wrong", "203.0.113.7")
    assert log_in(client, sales_a.username, PASSWORD, "203.0.113.7").status_code == 429
    assert log_in(client, sales_a.username, PASSWORD, "198.51.100.20").status_code == 302


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_a_spoofed_forwarded_for_entry_does_not_escape_the_lock(client, sales_a):
    """The proxy appends the address it saw; whatever the client wrote before it is ignored."""
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, sales_a.username, "wrong", f"192.0.2.{attempt}, 203.0.113.7")
    assert log_in(client, sales_a.username, PASSWORD, "198.51.100.99, 203.0.113.7").status_code == 429
    assert log_in(client, sales_a.username, PASSWORD, "203.0.113.7").status_code == 429


@override_settings(TRUSTED_PROXY_COUNT=0)
def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(client, sales_a):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, sales_a.username, "wrong", f"192.0.2.{attempt}")
    assert log_in(client, sales_a.username, PASSWORD, "198.51.100.20").status_code == 429


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "1.1.1.1, 203.0.113.7", "203.0.113.7"),
        (2, "1.1.1.1, 203.0.113.7, 10.0.0.9", "203.0.113.7"),
        (1, " 2001:DB8:0:0::7 ", "2001:db8::7"),
        (2, "203.0.113.7", PROXY),  # fewer entries than proxies: not through them
        (1, "", PROXY),
        (1, "unknown", PROXY),
        (1, "203.0.113.7:443", PROXY),
        (0, "203.0.113.7", PROXY),
    ],
)
def test_the_client_address_is_the_entry_the_outermost_trusted_proxy_wrote(proxies, forwarded_for, expected):
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)
    with override_settings(TRUSTED_PROXY_COUNT=proxies):
        assert client_ip_address(request) == expected
