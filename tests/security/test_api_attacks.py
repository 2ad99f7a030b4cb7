"""The REST API and its webhooks under attack: Idempotency-Key shared across partners, cursors,
webhook URLs aimed at the portal's own network (SSRF). Tests named ``..._bug_...`` demonstrate a
defect: they fail now and pass once it is fixed."""

import socket
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from api.webhooks import check_webhook_url, deliver_pending, record_event
from renewals.models import Order
from tests.api.conftest import api_client, make_tokens
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(partner_a, partner_b):
    soon = date.today() + timedelta(days=20)
    return (
        OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=soon),
        OrderFactory(customer=CustomerFactory(partner=partner_b), term_end=soon),
    )


def test_the_same_idempotency_key_in_two_partners_never_replays_the_others_answer(partner_a, partner_b, orders):
    order_a, order_b = orders
    client_a = api_client(make_tokens(partner_a).write)
    client_b = api_client(make_tokens(partner_b).write)
    first = client_a.post(f"/api/v1/orders/{order_a.pk}/renew/", {}, format="json", headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201
    # B's request is the same bytes except the id; with the same key it must run for B, not replay A's answer.
    second = client_b.post(f"/api/v1/orders/{order_b.pk}/renew/", {}, format="json", headers={"Idempotency-Key": "k-1"})
    assert second.status_code == 201
    assert "Idempotent-Replayed" not in second.headers
    assert str(order_a.order_number) not in second.content.decode()
    assert Order.objects.filter(renewed_from=order_b).exists()
    # And A's key with B's order id in A's path is a 404, not A's stored answer.
    third = client_a.post(f"/api/v1/orders/{order_b.pk}/renew/", {}, format="json", headers={"Idempotency-Key": "k-2"})
    assert third.status_code == 404


@pytest.mark.parametrize("key", ["k\r\nX-Injected: 1", "\x00", "é", "k" * 256])
def test_a_malformed_idempotency_key_is_a_400(partner_a, orders, key):
    client = api_client(make_tokens(partner_a).write)
    # The test client sends the header as given (a real server would refuse CR/LF earlier).
    response = client.post(f"/api/v1/orders/{orders[0].pk}/renew/", {}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400
    assert not Order.objects.filter(renewed_from=orders[0]).exists()


@pytest.mark.parametrize(
    "cursor",
    ["", "=", "A" * 100_000, "bnVsbA", "WzFd", "WyJ4IiwieCJd", "W1sxXSx7fV0", "%00", "eyJhIjoxfQ"],
)
def test_garbage_cursors_are_never_a_500(partner_a, orders, cursor):
    client = api_client(make_tokens(partner_a).read)
    for resource in ("customers", "orders", "contacts", "certificates", "reminders", "outbox", "notes"):
        response = client.get(f"/api/v1/{resource}/", {"cursor": cursor})
        assert response.status_code in (200, 400, 404), (resource, cursor, response.status_code)


@pytest.mark.parametrize("values", [[None, None], [None], [None, None, None], ["2026-01-01", None]])
def test_a_cursor_holding_json_null_is_a_404(partner_a, orders, values):
    """Found by the security review (low): ``api.pagination.KeysetCursorPagination.position`` passes a
    cursor's ``null`` through ``Field.to_python`` (None stays None) and ``after()`` builds
    ``Q(term_end__gt=None)``: Django raises ``ValueError: Cannot use None as a query value``, an
    uncaught 500 (``GET /api/v1/orders/?cursor=W251bGwsbnVsbF0`` is ``[null,null]``). Fix: refuse a
    cursor with any None value (``NotFound("Invalid cursor.")``) in ``position``."""
    from api.pagination import encode_cursor

    client = api_client(make_tokens(partner_a).read)
    for resource in ("customers", "orders", "contacts", "certificates", "reminders", "outbox", "notes"):
        response = client.get(f"/api/v1/{resource}/", {"cursor": encode_cursor(values)})
        assert response.status_code in (400, 404), (resource, values, response.status_code)


def test_a_read_only_tokens_post_changes_nothing(partner_a, orders):
    client = api_client(make_tokens(partner_a).read)
    for action, body in (("renew", {}), ("reissue", {}), ("notes", {"body": "x"})):
        assert client.post(f"/api/v1/orders/{orders[0].pk}/{action}/", body, format="json").status_code == 403
    assert not Order.objects.filter(renewed_from=orders[0]).exists()
    assert not orders[0].notes.exists()


# --- webhook URLs (SSRF) ---


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/",
        "http://localhost.:8000/",
        "http://2130706433/",
        "http://0x7f000001/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://[::]/",
        "http://[fe80::1%25eth0]/",
        "http://[fd00::1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://100.64.0.1/",
        "http://224.0.0.1/",
        "http://255.255.255.255/",
        "http://user:pass@127.0.0.1/",
        "http://example.com@127.0.0.1/",
        "gopher://93.184.215.14/",
        "file:///etc/passwd",
    ],
)
def test_webhook_urls_aimed_at_local_or_private_addresses_are_refused(settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(ValidationError):
        check_webhook_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://[64:ff9b::7f00:1]/",  # NAT64 of 127.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254 (cloud metadata)
        "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
        "http://[::127.0.0.1]/",  # IPv4-compatible (deprecated) form of 127.0.0.1
    ],
)
def test_webhook_urls_in_ipv6_forms_embedding_a_local_ipv4_address_are_refused(settings, url):
    """Found by the security review (low): ``api.webhooks.address_is_public`` unwraps only ``::ffff:a.b.c.d``; on Python 3.11
    ``ipaddress`` calls the NAT64 (64:ff9b::/96), 6to4 (2002::/16) and IPv4-compatible (::a.b.c.d)
    forms of 127.0.0.1 or 169.254.169.254 *global*, so they pass the check. On a host with a NAT64
    gateway or 6to4 relay they reach the embedded IPv4 address. Fix: also unwrap ``ip.sixtofour``,
    the low 32 bits of 64:ff9b::/96 and of ::/96, and refuse them when the IPv4 address is not public."""
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(ValidationError):
        check_webhook_url(url)


@pytest.mark.parametrize(
    "url", ["https://hooks.example.com/\r\nX-Evil: 1", "https://hooks.example.com/ x", "https://hooks.example.com/\x00"]
)
def test_webhook_urls_with_header_injection_are_refused_by_the_form(client, admin_a, url):
    client.force_login(admin_a)
    response = client.post(reverse("webhooks"), {"url": url, "events": ["order.renewed"]})
    assert response.status_code == 400
    assert not WebhookEndpoint.objects.exists()


@pytest.fixture
def local_receiver():
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], hits
    server.shutdown()


def test_a_dns_name_that_rebinds_to_loopback_after_the_check_gets_no_delivery(
    settings, partner_a, local_receiver, monkeypatch
):
    """Found by the security review (medium): ``api.webhooks.post`` checks the URL with
    ``check_webhook_url`` (one ``getaddrinfo``) and then lets ``requests`` resolve the host *again*
    to connect. A name whose DNS answers a public address to the first lookup and 127.0.0.1 (or
    169.254.169.254) to the second gets the signed POST delivered to the portal's own network, and the
    answer's first 1,000 characters are shown on the webhook page (``response_body``). Fix: resolve
    once and connect to the checked address (e.g. a ``requests`` transport adapter / urllib3
    ``HTTPConnection`` whose ``create_connection`` refuses non-public peers, checking the socket's
    ``getpeername()``), or send through an egress proxy that enforces the rule."""
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    port, hits = local_receiver
    real = socket.getaddrinfo
    answers = {"count": 0}

    def rebinding(host, *args, **kwargs):
        if host == "rebind.attacker.example":
            answers["count"] += 1
            address = "93.184.215.14" if answers["count"] == 1 else "127.0.0.1"
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    WebhookEndpoint.objects.create(
        partner=partner_a, url=f"http://rebind.attacker.example:{port}/internal", events=["order.renewed"], secret="s"
    )
    record_event(partner_id=partner_a.pk, event_type="order.renewed", key="rebind", data={})
    deliver_pending()
    assert hits == [], "the delivery reached 127.0.0.1 after the check had seen a public address"
    assert WebhookDelivery.objects.get().status != DeliveryStatus.DELIVERED
