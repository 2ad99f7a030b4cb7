"""Reminders delivered to a real SMTP server: headers, both parts, working links, retries,
international addresses, and replies slower than the client's timeout."""

import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
from django.conf import settings
from django.core.mail import get_connection
from django.test import override_settings

from notifications.models import EmailStatus, OutboxEmail
from notifications.sender import retry, send_pending
from notifications.sweep import run_sweep
from renewals.models import Order
from tests.factories import CustomerFactory, PartnerFactory

from .helpers import make_order
from .smtp import SmtpServer, free_port

pytestmark = [pytest.mark.django_db]

NOW = datetime(2027, 2, 22, 3, tzinfo=UTC)  # 7 days before 1 March in Seoul


SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def serving(server):
    return override_settings(EMAIL_BACKEND=SMTP_BACKEND, EMAIL_HOST="127.0.0.1", EMAIL_PORT=server.port)


@pytest.fixture
def smtp_server():
    server = SmtpServer().start()
    with serving(server):
        yield server
    server.stop()


@pytest.fixture
def smtputf8_server():
    server = SmtpServer(smtputf8=True).start()
    with serving(server):
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


def emails_to(*addresses):
    """One queued email per address (each its own customer), due at NOW, in claim order."""
    partner = PartnerFactory(time_zone="Asia/Seoul")
    for address in addresses:
        order = make_order(partner, date(2027, 3, 1))
        order.customer.contacts.update(email=address)
    run_sweep(now=NOW)
    emails = list(OutboxEmail.objects.order_by("next_attempt_at", "id"))
    assert [email.to_email for email in emails] == list(addresses)
    return emails


def test_an_address_django_refuses_fails_that_email_at_once_and_the_rest_are_delivered(smtp_server):
    emails = emails_to("first@customer.example", "jamie@customer.", "third@customer.example")
    result = send_pending(now=NOW)
    assert (result.sent, result.failed, result.retrying) == (2, 1, 0)
    assert [message["Message-ID"] for message in smtp_server.messages] == [emails[0].message_id, emails[2].message_id]
    bad = OutboxEmail.objects.get(pk=emails[1].pk)
    assert (bad.status, bad.attempts) == (EmailStatus.FAILED, 1)
    assert bad.last_error.startswith("ValueError: Invalid address") and "jamie@customer." in bad.last_error


def test_an_international_domain_is_delivered_under_its_idna_name(smtp_server):
    [email] = emails_to("info@한빛.kr")
    assert send_pending(now=NOW).sent == 1
    [message] = smtp_server.messages
    [(_, recipients, smtputf8)] = smtp_server.envelopes
    assert recipients == ["info@xn--xx3br43b.kr"] and not smtputf8
    assert message["To"].addresses[0].addr_spec == "info@xn--xx3br43b.kr"
    assert message["Message-ID"] == email.message_id


def test_a_non_ascii_local_part_fails_clearly_on_a_server_without_smtputf8(smtp_server):
    eai, plain = emails_to("김민준@한빛.kr", "plain@customer.example")
    result = send_pending(now=NOW)
    assert (result.sent, result.failed) == (1, 1)
    assert [message["Message-ID"] for message in smtp_server.messages] == [plain.message_id]
    eai.refresh_from_db()
    assert eai.status == EmailStatus.FAILED and "SMTPUTF8" in eai.last_error


def test_a_non_ascii_local_part_is_delivered_over_smtputf8(smtputf8_server, order):
    order.customer.contacts.update(email="김민준@한빛.kr", name="김민준")
    run_sweep(now=NOW)
    assert send_pending(now=NOW).sent == 1
    [message] = smtputf8_server.messages
    [(_, recipients, smtputf8)] = smtputf8_server.envelopes
    assert recipients == ["김민준@xn--xx3br43b.kr"] and smtputf8
    [to] = message["To"].addresses
    assert (to.display_name, to.addr_spec) == ("김민준", "김민준@xn--xx3br43b.kr")
    assert message["Subject"] == "Your certificate expires in 7 days"


def configured_email_timeout(**environ):
    env = {key: value for key, value in os.environ.items() if key != "EMAIL_TIMEOUT"} | environ
    script = "import django; django.setup(); from django.conf import settings; print(settings.EMAIL_TIMEOUT)"
    output = subprocess.run(
        [sys.executable, "-c", script],
        env=env | {"DJANGO_SETTINGS_MODULE": "config.settings"},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return int(output.stdout.strip().splitlines()[-1])


@pytest.mark.smoke
def test_the_smtp_timeout_waits_a_minute_for_a_reply_unless_configured():
    assert configured_email_timeout() == 60
    assert configured_email_timeout(EMAIL_TIMEOUT="120") == 120
    with override_settings(EMAIL_TIMEOUT=60):
        assert get_connection(SMTP_BACKEND).timeout == 60  # what the sender's connection uses


@override_settings(EMAIL_TIMEOUT=0.5)
def test_a_reply_after_the_timeout_is_the_second_window_and_the_resend_is_the_same_message(smtp_server, order):
    run_sweep(now=NOW)
    smtp_server.handler.late_replies, smtp_server.handler.late_seconds = 1, 1.5
    assert send_pending(now=NOW).retrying == 1
    email = OutboxEmail.objects.get()
    assert email.status == EmailStatus.PENDING and "timed out" in email.last_error
    assert "a resend carries the same Message-ID" in email.last_error  # support can tell a duplicate
    assert len(smtp_server.messages) == 1  # stored, though we never heard so
    assert send_pending(now=NOW + timedelta(minutes=2)).sent == 1
    assert [message["Message-ID"] for message in smtp_server.messages] == [email.message_id] * 2


@override_settings(EMAIL_TIMEOUT=3)
def test_a_slow_reply_inside_the_timeout_is_recorded_and_delivered_once(smtp_server, order):
    run_sweep(now=NOW)
    smtp_server.handler.late_replies, smtp_server.handler.late_seconds = 1, 1.5
    assert send_pending(now=NOW).sent == 1
    assert send_pending(now=NOW + timedelta(hours=1)).sent == 0
    assert len(smtp_server.messages) == 1
