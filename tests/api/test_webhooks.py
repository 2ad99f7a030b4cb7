"""Webhooks: events recorded once per event id, signed deliveries to a real local receiver, retries
with backoff, the outbox's claims, and the URL rules (SSRF)."""

import json
import smtplib
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from api import events, webhooks
from api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from api.webhooks import check_webhook_url, deliver_pending, record_event, verify_signature
from notifications import sender
from notifications.sweep import run_sweep
from tests.factories import CustomerFactory, OrderFactory
from tests.notifications.helpers import make_order
from tests.test_settings import run_manage

pytestmark = pytest.mark.django_db

# 10:00 in Seoul: inside the customers' working hours.
SEOUL_MORNING = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def endpoint_for(partner, url, events=tuple(WebhookEvent.values), **fields):
    return WebhookEndpoint.objects.create(
        partner=partner, url=url, events=list(events), secret=WebhookEndpoint.new_secret(), **fields
    )


# --- signatures ---


def test_a_signature_verifies_over_the_timestamp_and_the_exact_body():
    header = webhooks.signature_header("whsec_x", int(time.time()), b'{"a":1}')
    assert verify_signature("whsec_x", header, b'{"a":1}')
    assert not verify_signature("whsec_x", header, b'{"a":2}')
    assert not verify_signature("whsec_y", header, b'{"a":1}')


def test_an_old_signature_is_refused_by_the_receivers_check():
    header = webhooks.signature_header("whsec_x", int(time.time()) - 3600, b"{}")
    assert not verify_signature("whsec_x", header, b"{}")


@pytest.mark.parametrize("header", ["", "t=abc,v1=00", "v1=00", "t=1,t=2,v1=00"])
def test_a_malformed_signature_header_is_refused(header):
    assert not verify_signature("whsec_x", header, b"{}")


# --- URLs ---


@pytest.mark.parametrize("url", ["ftp://example.com/", "javascript:alert(1)", "https:///nohost", "file:///etc/passwd"])
def test_only_http_and_https_urls_with_a_host_are_accepted(url):
    with pytest.raises(ValidationError):
        check_webhook_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/",
        "http://localhost/",
        "http://10.1.2.3/",
        "http://192.168.0.10/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
    ],
)
def test_private_and_local_addresses_are_refused_when_not_allowed(settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(ValidationError, match="private or local address"):
        check_webhook_url(url)


def test_a_public_address_is_accepted_when_private_ones_are_not(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    check_webhook_url("https://93.184.215.14/hooks")


@pytest.mark.parametrize(("environment", "allowed"), [("production", "False"), ("development", "True")])
def test_private_addresses_are_refused_by_default_in_production_only(environment, allowed):
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES)",
        DJANGO_ENV=environment,
        DJANGO_SECRET_KEY="k3y-" + "x7Qp9!vR2#mZ" * 5,
        DJANGO_ALLOWED_HOSTS="portal.example.com",
    )
    assert result.stdout.strip().splitlines()[-1] == allowed, result.stderr


def test_a_delivery_to_an_address_refused_since_registration_is_not_sent(settings, partner_a, receiver):
    endpoint_for(partner_a, receiver.url)
    record_event(partner_id=partner_a.pk, event_type="order.renewed", key="k", data={})
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    assert deliver_pending().retrying == 1
    assert receiver.received == []
    assert "private or local address" in WebhookDelivery.objects.get().last_error


# --- recording and delivering ---


@pytest.mark.smoke
def test_a_renewal_through_the_api_delivers_a_signed_order_renewed(partner_a, api_a, receiver):
    endpoint = endpoint_for(partner_a, receiver.url, [WebhookEvent.ORDER_RENEWED])
    order = OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=date.today() + timedelta(days=20))
    renewal_id = api_a.post(f"/api/v1/orders/{order.pk}/renew/", {}, format="json").json()["renewal"]["id"]
    assert deliver_pending().delivered == 1
    [request] = receiver.received
    assert request.path == "/hooks/portal"
    assert verify_signature(endpoint.secret, request.headers["X-Portal-Signature"], request.body)
    assert request.headers["X-Portal-Event"] == "order.renewed"
    assert request.json["type"] == "order.renewed"
    assert request.json["id"] == request.headers["X-Portal-Event-Id"]
    assert request.json["data"]["order"]["order_number"] == order.order_number
    assert request.json["data"]["renewal"]["id"] == renewal_id
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_code, delivery.response_body) == ("delivered", 200, '{"ok": true}')


def test_an_event_recorded_twice_is_delivered_once(partner_a, receiver):
    endpoint_for(partner_a, receiver.url)
    assert record_event(partner_id=partner_a.pk, event_type="order.renewed", key="order.renewed:1", data={}) == 1
    assert record_event(partner_id=partner_a.pk, event_type="order.renewed", key="order.renewed:1", data={}) == 0
    deliver_pending()
    deliver_pending()
    assert len(receiver.received) == 1


def test_only_active_endpoints_of_the_partner_subscribed_to_the_event_get_it(partner_a, partner_b, receiver):
    wanted = endpoint_for(partner_a, receiver.url, [WebhookEvent.ORDER_RENEWED])
    endpoint_for(partner_a, receiver.url, [WebhookEvent.REMINDER_SENT])
    endpoint_for(partner_a, receiver.url, [WebhookEvent.ORDER_RENEWED], active=False)
    endpoint_for(partner_b, receiver.url, [WebhookEvent.ORDER_RENEWED])
    record_event(partner_id=partner_a.pk, event_type="order.renewed", key="k", data={})
    assert list(WebhookDelivery.objects.values_list("endpoint", flat=True)) == [wanted.pk]


def test_a_failing_receiver_is_retried_with_backoff_and_its_answer_kept(partner_a, receiver):
    receiver.statuses = [500, 503, 200]
    endpoint_for(partner_a, receiver.url)
    now = timezone.now()
    record_event(partner_id=partner_a.pk, event_type="order.renewed", key="k", data={}, now=now)
    assert deliver_pending(now=now).retrying == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("pending", 1, 500)
    assert delivery.response_body == "receiver is down"
    assert delivery.next_attempt_at == now + timedelta(minutes=1)
    assert deliver_pending(now=now + timedelta(seconds=59)).retrying == 0  # not due yet
    assert deliver_pending(now=now + timedelta(minutes=1)).retrying == 1
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == now + timedelta(minutes=1) + timedelta(minutes=2)
    assert deliver_pending(now=now + timedelta(minutes=3)).delivered == 1
    assert [r.json["id"] for r in receiver.received] == [delivery.event_id] * 3


def test_a_delivery_fails_for_good_after_the_last_attempt(settings, partner_a, receiver):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    receiver.statuses = [500]
    endpoint_for(partner_a, receiver.url)
    now = timezone.now()
    record_event(partner_id=partner_a.pk, event_type="order.renewed", key="k", data={}, now=now)
    deliver_pending(now=now)
    assert deliver_pending(now=now + timedelta(hours=1)).failed == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.next_attempt_at) == (DeliveryStatus.FAILED, None)
    assert deliver_pending(now=now + timedelta(days=1)).failed == 0
    assert webhooks.retry(delivery) == 1
    receiver.statuses = [200]
    assert deliver_pending().delivered == 1


def test_a_receiver_that_does_not_answer_is_retried(settings, partner_a):
    settings.WEBHOOK_TIMEOUT = 0.5
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    try:
        endpoint_for(partner_a, f"http://127.0.0.1:{silent.getsockname()[1]}/")
        record_event(partner_id=partner_a.pk, event_type="order.renewed", key="k", data={})
        assert deliver_pending().retrying == 1
        assert "Timeout" in WebhookDelivery.objects.get().last_error
    finally:
        silent.close()


def test_a_claim_left_by_a_dead_worker_is_taken_over(partner_a, receiver):
    endpoint_for(partner_a, receiver.url)
    record_event(partner_id=partner_a.pk, event_type="order.renewed", key="k", data={})
    token, ids = webhooks.claim(timezone.now())
    WebhookDelivery.objects.filter(pk__in=ids).update(claimed_at=timezone.now() - timedelta(minutes=6))
    assert deliver_pending().delivered == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_two_workers_at_once_deliver_each_event_once(partner_a, receiver, monkeypatch):
    assert connection.vendor == "postgresql", "SKIP LOCKED needs PostgreSQL"
    monkeypatch.setattr(webhooks, "queue_delivery", lambda: None)  # the workers below deliver them
    endpoint_for(partner_a, receiver.url)
    for n in range(30):
        record_event(partner_id=partner_a.pk, event_type="order.renewed", key=f"k{n}", data={"n": n})
    start = threading.Barrier(3)
    results = []

    def work():
        try:
            start.wait()
            results.append(deliver_pending())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(result.delivered for result in results) == 30
    assert sorted(r.json["data"]["n"] for r in receiver.received) == list(range(30))


# --- reminder and expiry events ---


def test_a_reminder_email_sent_delivers_reminder_sent(partner_a, receiver):
    endpoint = endpoint_for(partner_a, receiver.url, [WebhookEvent.REMINDER_SENT])
    order = make_order(partner_a, (SEOUL_MORNING + timedelta(days=30)).date())
    run_sweep(now=SEOUL_MORNING)
    assert sender.send_pending(now=SEOUL_MORNING).sent == 1
    deliver_pending()
    [request] = receiver.received
    assert verify_signature(endpoint.secret, request.headers["X-Portal-Signature"], request.body)
    data = request.json["data"]
    assert request.json["type"] == "reminder.sent"
    assert [reminder["order"]["order_number"] for reminder in data["reminders"]] == [order.order_number]
    assert data["email"]["to"] == order.customer.contacts.get().email


def test_a_reminder_email_failed_for_good_delivers_reminder_failed(partner_a, receiver, monkeypatch):
    endpoint_for(partner_a, receiver.url, [WebhookEvent.REMINDER_FAILED, WebhookEvent.REMINDER_SENT])

    def refuse(message, email, connection_):
        raise smtplib.SMTPRecipientsRefused({email.to_email: (550, b"no such user")})

    monkeypatch.setattr(sender, "deliver", refuse)
    make_order(partner_a, (SEOUL_MORNING + timedelta(days=30)).date())
    run_sweep(now=SEOUL_MORNING)
    assert sender.send_pending(now=SEOUL_MORNING).failed == 1
    deliver_pending()
    [request] = receiver.received
    assert request.json["type"] == "reminder.failed"
    assert "550" in request.json["data"]["error"]


def test_a_listener_error_never_stops_the_email_run(partner_a, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("listener bug")

    monkeypatch.setattr(events, "record_event", broken)
    endpoint_for(partner_a, "http://127.0.0.1:9/", [WebhookEvent.REMINDER_SENT])
    make_order(partner_a, (SEOUL_MORNING + timedelta(days=30)).date())
    make_order(partner_a, (SEOUL_MORNING + timedelta(days=30)).date())
    run_sweep(now=SEOUL_MORNING)
    assert sender.send_pending(now=SEOUL_MORNING).sent == 2


def test_no_listener_costs_no_query_per_email(partner_a, django_assert_num_queries):
    """The endpoints of a partner come from the cache once known: an email's event costs nothing."""
    assert webhooks.subscribed_endpoints(partner_a.pk) == []
    with django_assert_num_queries(0):
        assert record_event(partner_id=partner_a.pk, event_type="reminder.sent", key="k", data={}) == 0


def test_registering_an_endpoint_is_seen_by_the_next_event(partner_a, receiver):
    assert webhooks.subscribed_endpoints(partner_a.pk) == []
    endpoint_for(partner_a, receiver.url)
    assert record_event(partner_id=partner_a.pk, event_type="reminder.sent", key="k", data={}) == 1


def test_an_expired_order_delivers_order_expired_once(partner_a, receiver):
    endpoint_for(partner_a, receiver.url, [WebhookEvent.ORDER_EXPIRED])
    now = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # noon in Seoul
    expired = OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=date(2026, 3, 1))
    OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=date(2026, 3, 2))  # its last day: works
    OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=date(2026, 2, 1))  # long ago
    assert events.record_expired_orders(now=now) == 1
    assert events.record_expired_orders(now=now + timedelta(hours=1)) == 0
    deliver_pending(now=now)
    [request] = receiver.received
    assert json.loads(request.body)["data"]["order"]["id"] == expired.pk
