"""Reminders delivered to a real SMTP server: headers, both parts, working links, retries."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import override_settings

from notifications.models import EmailStatus, OutboxEmail
from notifications.sender import retry, send_pending
from notifications.sweep import run_sweep
from renewals.models import Order
from tests.factories import CustomerFactory, PartnerFactory

from .conftest import make_order
from .smtp import SmtpServer, free_port

pytestmark = [pytest.mark.django_db]

NOW = datetime(2027, 2, 22, 3, tzinfo=UTC)  # 7 days before 1 March in Seoul


@pytest.fixture
def smtp_server():
    server = SmtpServer().start()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=server.port
    ):
        yield server
    server.stop()


@pytest.fixture
def order(db):
    partner = PartnerFactory(sender_name="Acme Renewals", reply_to="renewals@acme.example", time_zone="Asia/Seoul")
    return make_order(partner, date(2027, 3, 1), customer=CustomerFactory(partner=partner, company_name="Blue Foods"))


def part(message, subtype):
    return next(p for p in message.walk() if p.get_content_type() == f"text/{subtype}").get_content()


def test_delivered_reminder_has_its_headers_parts_and_working_links(smtp_server, order, client):
    run_sweep(now=NOW)
    assert send_pending(now=NOW).sent == 1
    [message] = smtp_server.messages
    email = OutboxEmail.objects.get()
    contact = order.customer.contacts.get()
    assert message["Subject"] == "Your certificate expires in 7 days"
    assert message["Message-ID"] == email.message_id
    assert message["From"].addresses[0].display_name == "Acme Renewals"
    assert message["Reply-To"] == "renewals@acme.example"
    assert message["To"].addresses[0].addr_spec == contact.email
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = part(message, "plain"), part(message, "html")
    assert order.order_number in text and order.order_number in html
    # CSS inlined for mail clients; only the phone layout's @media rules stay in a <style> tag.
    assert "style=" in html
    assert re.findall(r"<style>\s*(\S+)", html) == ["@media"]
    assert any(p.get("Content-ID") == "<browser-warning>" for p in message.walk())  # 7 days: the warning picture

    renew_path = re.search(r"http://[^/]+(/r/[^\s]+/)", text).group(1)
    page = client.get(renew_path)
    assert page.status_code == 200 and order.order_number in page.content.decode()
    assert not Order.objects.filter(renewed_from=order).exists()

    unsubscribe = re.search(r"<http://[^/]+(/u/[^>]+/)>", message["List-Unsubscribe"]).group(1)
    response = client.post(unsubscribe, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    contact.refresh_from_db()
    assert contact.unsubscribed_at is not None


def test_a_server_refusing_mail_for_a_while_delays_but_never_loses_it(smtp_server, order):
    run_sweep(now=NOW)
    smtp_server.handler.refuse = 2
    first = send_pending(now=NOW)
    assert (first.sent, first.retrying) == (0, 1)
    assert send_pending(now=NOW).sent == 0  # not before its backoff
    second = send_pending(now=NOW + timedelta(minutes=3))
    assert second.retrying == 1
    third = send_pending(now=NOW + timedelta(minutes=10))
    assert third.sent == 1
    email = OutboxEmail.objects.get()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 3)
    assert len(smtp_server.messages) == 1


@override_settings(OUTBOX_MAX_ATTEMPTS=2)
def test_after_the_last_attempt_the_email_is_failed_and_support_can_retry(order):
    run_sweep(now=NOW)
    closed_port = free_port()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=closed_port,
        EMAIL_TIMEOUT=2,
    ):
        send_pending(now=NOW)
        assert send_pending(now=NOW + timedelta(hours=1)).failed == 1
    email = OutboxEmail.objects.get()
    assert email.status == EmailStatus.FAILED and "Connection refused" in email.last_error
    server = SmtpServer().start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=server.port
        ):
            assert retry(email) == 1
            assert send_pending(now=NOW + timedelta(hours=2)).sent == 1
    finally:
        server.stop()
    assert len(server.messages) == 1
