"""The sender's rules that mutation testing found unpinned: what a sent or failed email records, one
count per email, a batch that goes on past held, skipped and taken-over emails, the claim (its order,
token, limit and ids), released claims, support's retry, permanent refusals, the batch's one SMTP
connection, and the SMTPUTF8 envelope."""

import smtplib
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.mail.backends import locmem
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.test import override_settings
from django.utils import timezone

from notifications import sender
from notifications.models import EmailStatus, OutboxEmail, OutboxItem
from notifications.sender import CLAIM_LEASE, claim, is_permanent, release_stale_claims, renew, retry, send_pending
from notifications.services import resend_latest_reminder
from notifications.sweep import run_sweep
from partners.models import Contact, Role
from tests.factories import MembershipFactory, PartnerFactory

from .helpers import make_order
from .smtp import RecordingHandler, SmtpServer

pytestmark = [pytest.mark.django_db]

NOW = datetime(2027, 2, 22, 3, tzinfo=UTC)  # noon in Seoul, 7 days before 1 March
TERM_END = date(2027, 3, 1)
HOOKED = "tests.notifications.test_sender_mutants.HookedBackend"
COUNTING_SMTP = "tests.notifications.test_sender_mutants.CountingSmtpBackend"


class HookedBackend(locmem.EmailBackend):
    """The test backend, calling ``hook(message)`` as each message goes out (before it is stored)."""

    hook = None

    def send_messages(self, messages):
        for message in messages:
            if HookedBackend.hook:
                HookedBackend.hook(message)
        return super().send_messages(messages)


@pytest.fixture
def hooked(outbox):
    HookedBackend.hook = None
    with override_settings(EMAIL_BACKEND=HOOKED):
        yield HookedBackend
    HookedBackend.hook = None


def queued_emails(count, partner=None):
    """``count`` emails due at NOW, one per customer, in claim order."""
    partner = partner or PartnerFactory(time_zone="Asia/Seoul", language="en")
    for _ in range(count):
        make_order(partner, TERM_END)
    run_sweep(now=NOW)
    emails = list(OutboxEmail.objects.order_by("next_attempt_at", "id"))
    assert len(emails) == count
    return emails


def message_ids(outbox):
    return [message.extra_headers["Message-ID"] for message in outbox]


def queued_for(order):
    return OutboxEmail.objects.get(items__reminder__order=order)


# What an email records


def test_a_sent_email_records_when_it_went_and_what_it_said(outbox):
    [email] = queued_emails(1)
    before = timezone.now()
    assert send_pending(now=NOW).sent == 1
    email.refresh_from_db()
    [message] = outbox
    assert email.status == EmailStatus.SENT
    assert before <= email.sent_at <= timezone.now()  # the real time, whatever instant `now` simulates
    assert (email.subject, email.body_text) == (message.subject, message.body)
    assert email.body_html == message.alternatives[0][0]


def test_a_send_after_a_failed_attempt_clears_the_old_error(hooked, outbox):
    [email] = queued_emails(1)

    def fails(message):
        raise ConnectionResetError("reset by peer")

    hooked.hook = fails
    assert send_pending(now=NOW).retrying == 1
    hooked.hook = None
    assert send_pending(now=NOW + timedelta(minutes=2)).sent == 1
    email.refresh_from_db()
    assert (email.status, email.last_error) == (EmailStatus.SENT, "")


def test_a_failed_attempt_keeps_what_the_email_said_for_support(hooked):
    [email] = queued_emails(1)

    def fails(message):
        raise ConnectionResetError("reset by peer")

    hooked.hook = fails
    assert send_pending(now=NOW).retrying == 1
    email.refresh_from_db()
    assert email.subject == "Your certificate expires in 7 days"
    assert email.body_text and email.body_html


def test_a_reminder_without_a_partner_reply_to_has_no_reply_to_and_says_it_is_automatic(outbox):
    queued_emails(1)  # the partner has no reply-to address
    assert send_pending(now=NOW).sent == 1
    mime = outbox[0].message()
    assert mime["Reply-To"] is None  # not an empty header a mail client would reply to
    assert mime["Auto-Submitted"] == "auto-generated"  # RFC 3834: auto-responders do not answer it


def test_the_browser_warning_picture_travels_as_part_of_the_html(outbox):
    queued_emails(1)  # 7 days left: the urgent email with the picture
    send_pending(now=NOW)
    mime = outbox[0].message()
    assert mime.get_content_type() == "multipart/related"  # cid: resolves; not shown as an attachment
    assert any(part["Content-ID"] == "<browser-warning>" for part in mime.walk())


def test_a_manual_resend_says_it_is_a_reminder_again(outbox):
    partner = PartnerFactory(time_zone="Asia/Seoul", language="en")
    order = make_order(partner, TERM_END)
    run_sweep(now=NOW)
    send_pending(now=NOW)
    resend_latest_reminder(order=order, by=MembershipFactory(partner=partner, role=Role.SUPPORT), now=NOW)
    assert send_pending(now=NOW).sent == 1
    assert [message.subject for message in outbox] == [
        "Your certificate expires in 7 days",
        "Reminder: Your certificate expires in 7 days",
    ]


# One count per email, and the batch goes on


def test_each_email_taken_over_by_another_sender_counts_once_and_the_batch_goes_on(hooked, outbox):
    a, b, c, d = queued_emails(4)
    other_sender = uuid.uuid4()

    def take_over(email):
        OutboxEmail.objects.filter(pk=email.pk).update(claim=other_sender)

    def on_the_wire(message):
        message_id = message.extra_headers["Message-ID"]
        if message_id == a.message_id:
            take_over(b)  # b is lost before it is sent
        elif message_id == c.message_id:
            take_over(c)
            raise ConnectionResetError("reset by peer")  # c fails after it was taken over
        elif message_id == d.message_id:
            take_over(d)  # d is delivered after it was taken over

    hooked.hook = on_the_wire
    result = send_pending(now=NOW)
    assert (result.sent, result.retrying, result.lost_claim) == (1, 0, 3)
    assert message_ids(outbox) == [a.message_id, d.message_id]
    for email in (b, c, d):  # their outcome is the holder's to record
        email.refresh_from_db()
        assert (email.status, email.claim, email.last_error) == (EmailStatus.SENDING, other_sender, "")


def test_skipped_emails_are_each_counted_and_the_rest_of_the_batch_goes_out(outbox):
    first, second, kept = queued_emails(3)
    Contact.objects.filter(pk__in=[first.contact_id, second.contact_id]).update(unsubscribed_at=NOW)
    result = send_pending(now=NOW)
    assert (result.skipped_opted_out, result.sent) == (2, 1)
    assert message_ids(outbox) == [kept.message_id]
    assert list(OutboxItem.objects.filter(email__in=[first, second]).values_list("skipped", flat=True)) == [True] * 2
    assert not OutboxItem.objects.get(email=kept).skipped


def night_and_day_emails():
    """At 14:00 UTC it is 23:00 in Seoul (wait for the morning) and 09:00 in New York (go now). Two
    Seoul emails (retries, say) are due before the New York one."""
    now = datetime(2027, 1, 30, 14, tzinfo=UTC)
    night = [make_order(PartnerFactory(time_zone="Asia/Seoul", language="en"), TERM_END) for _ in range(2)]
    day = make_order(PartnerFactory(time_zone="America/New_York", language="en"), TERM_END)
    run_sweep(now=now)
    for minutes, order in zip((2, 1), night, strict=True):
        OutboxEmail.objects.filter(pk=queued_for(order).pk).update(
            next_attempt_at=now - timedelta(minutes=minutes), attempts=1
        )
    assert queued_for(day).next_attempt_at == now
    return now, [queued_for(order) for order in night], queued_for(day)


def test_emails_held_for_the_morning_are_put_back_and_the_rest_of_the_batch_goes_out(outbox):
    now, night, day = night_and_day_emails()
    result = send_pending(now=now)
    assert (result.held, result.sent) == (2, 1)
    assert message_ids(outbox) == [day.message_id]
    morning = datetime(2027, 1, 31, 9, tzinfo=ZoneInfo("Asia/Seoul"))
    for email in night:
        email.refresh_from_db()
        assert (email.status, email.claim, email.attempts, email.next_attempt_at) == (
            EmailStatus.PENDING,
            None,
            1,  # the attempt is not counted
            morning,
        )


def test_an_email_another_sender_took_is_not_put_back_for_the_morning_by_us(hooked, outbox):
    now, night, day = night_and_day_emails()
    OutboxEmail.objects.filter(pk=day.pk).update(next_attempt_at=now - timedelta(minutes=5))  # sent first
    other_sender = uuid.uuid4()

    def takes_over_the_night_emails(message):
        OutboxEmail.objects.filter(pk__in=[email.pk for email in night]).update(claim=other_sender)

    hooked.hook = takes_over_the_night_emails
    assert send_pending(now=now).sent == 1
    for email in night:
        email.refresh_from_db()
        assert (email.status, email.claim, email.attempts) == (EmailStatus.SENDING, other_sender, 2)


def test_a_rendering_error_is_retried_later_and_the_rest_of_the_batch_goes_out(outbox, monkeypatch):
    """A template bug (even one raising ValueError, which from Django's address check means a bad
    address) is retried: a fix may be deployed meanwhile."""
    broken, fine = queued_emails(2)
    render = sender.render_reminder

    def render_or_fail(*, contact, **kwargs):
        if contact.pk == broken.contact_id:
            raise ValueError("template bug")
        return render(contact=contact, **kwargs)

    monkeypatch.setattr(sender, "render_reminder", render_or_fail)
    result = send_pending(now=NOW)
    assert (result.sent, result.retrying, result.failed) == (1, 1, 0)
    assert message_ids(outbox) == [fine.message_id]
    broken.refresh_from_db()
    assert (broken.status, broken.next_attempt_at, broken.last_error) == (
        EmailStatus.PENDING,
        NOW + timedelta(minutes=2),
        "ValueError: template bug",
    )


@pytest.mark.parametrize(
    ("codes", "permanent"),
    [((550,), True), ((500,), True), ((550, 553), True), ((450,), False), ((550, 451), False)],
)
def test_a_refused_recipient_is_given_up_only_when_every_refusal_is_5xx(codes, permanent):
    refused = {f"r{n}@customer.example": (code, b"refused") for n, code in enumerate(codes)}
    assert is_permanent(smtplib.SMTPRecipientsRefused(refused)) is permanent


# Claims


def test_the_claim_is_stamped_again_with_the_real_time_right_before_sending(hooked, monkeypatch):
    [email] = queued_emails(1)
    start = timezone.now()
    clock = {"now": start}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    prepare = sender.prepare

    def slow_prepare(email, now, sales=None):  # rendering takes three minutes
        clock["now"] += timedelta(minutes=3)
        return prepare(email, now, sales)

    monkeypatch.setattr(sender, "prepare", slow_prepare)
    stamped = []
    hooked.hook = lambda message: stamped.append(OutboxEmail.objects.get(pk=email.pk).claimed_at)
    assert send_pending(now=NOW).sent == 1
    assert stamped == [start + timedelta(minutes=3)]


def test_renewing_a_batch_leaves_an_email_another_sender_took_alone():
    queued_emails(2)
    batch = claim(NOW)
    taken = batch.ids[1]
    their_stamp = timezone.now() - timedelta(minutes=1)
    OutboxEmail.objects.filter(pk=taken).update(claim=uuid.uuid4(), claimed_at=their_stamp)
    assert renew(batch, batch.ids) == 1
    assert OutboxEmail.objects.get(pk=taken).claimed_at == their_stamp


def test_each_claim_stamps_its_own_token_on_the_emails_it_took():
    queued_emails(2)
    first, second = claim(NOW, limit=1), claim(NOW, limit=1)
    assert None not in (first.token, second.token) and first.token != second.token
    assert dict(OutboxEmail.objects.values_list("pk", "claim")) == {
        first.ids[0]: first.token,
        second.ids[0]: second.token,
    }


def test_a_claim_keeps_only_the_emails_it_changed_itself(monkeypatch):
    """On a database without SKIP LOCKED another sender may claim a candidate between our read and
    our write; that sender runs here when the claim draws its token (between the two)."""
    mine, theirs = queued_emails(2)
    other_sender = uuid.uuid4()
    uuid4 = uuid.uuid4

    def another_sender_claims_first():
        OutboxEmail.objects.filter(pk=theirs.pk).update(status=EmailStatus.SENDING, claim=other_sender, attempts=1)
        return uuid4()

    monkeypatch.setattr(sender.uuid, "uuid4", another_sender_claims_first)
    batch = claim(NOW)
    monkeypatch.undo()
    assert batch.ids == [mine.pk]
    theirs.refresh_from_db()
    assert (theirs.claim, theirs.attempts) == (other_sender, 1)


def test_the_longest_waiting_email_is_claimed_first():
    queued_first, retried = queued_emails(2)
    OutboxEmail.objects.filter(pk=retried.pk).update(next_attempt_at=NOW - timedelta(minutes=5))
    assert claim(NOW, limit=1).ids == [retried.pk]


def test_a_batch_is_sent_longest_waiting_first(outbox):
    queued_first, retried = queued_emails(2)
    OutboxEmail.objects.filter(pk=retried.pk).update(next_attempt_at=NOW - timedelta(minutes=5))
    assert send_pending(now=NOW).sent == 2
    assert message_ids(outbox) == [retried.message_id, queued_first.message_id]


def test_emails_already_sent_take_no_place_in_a_claim():
    done, waiting = queued_emails(2)
    OutboxEmail.objects.filter(pk=done.pk).update(status=EmailStatus.SENT)
    assert claim(NOW, limit=1).ids == [waiting.pk]


def test_a_send_limited_to_some_emails_sends_that_many_over_several_batches(monkeypatch, outbox):
    monkeypatch.setattr(sender, "BATCH", 2)
    queued_emails(5)
    assert send_pending(now=NOW, limit=3).sent == 3
    assert OutboxEmail.objects.filter(status=EmailStatus.PENDING).count() == 2


def test_a_send_of_given_emails_sends_only_those(outbox):
    first, left, third = queued_emails(3)
    assert send_pending(now=NOW, ids=[first.pk, third.pk]).sent == 2
    assert message_ids(outbox) == [first.message_id, third.message_id]
    left.refresh_from_db()
    assert left.status == EmailStatus.PENDING


def dead_senders_email():
    """An email claimed by a sender that died more than a lease ago."""
    [email] = queued_emails(1)
    claim(NOW)
    OutboxEmail.objects.filter(pk=email.pk).update(claimed_at=timezone.now() - CLAIM_LEASE - timedelta(seconds=1))
    return email


def test_a_released_claim_is_due_at_once_and_held_by_no_one():
    email = dead_senders_email()
    later = NOW + timedelta(hours=1)
    assert release_stale_claims(later) == 1
    email.refresh_from_db()
    assert (email.status, email.claim, email.next_attempt_at) == (EmailStatus.PENDING, None, later)


def test_the_next_sender_sends_an_email_whose_sender_died(outbox):
    email = dead_senders_email()
    assert send_pending(now=NOW + timedelta(hours=1)).sent == 1
    assert message_ids(outbox) == [email.message_id]


def test_supports_retry_requeues_only_that_failed_email_with_its_attempts_afresh():
    failed, other_failed, sent = queued_emails(3)
    OutboxEmail.objects.filter(pk__in=[failed.pk, other_failed.pk]).update(
        status=EmailStatus.FAILED, attempts=6, next_attempt_at=None, last_error="SMTPDataError: 554"
    )
    OutboxEmail.objects.filter(pk=sent.pk).update(status=EmailStatus.SENT, attempts=1, last_error="")
    before = timezone.now()
    assert retry(failed) == 1
    assert retry(sent) == 0  # a sent email is never sent again
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == (EmailStatus.PENDING, 0, "")
    assert before <= failed.next_attempt_at <= timezone.now()
    other_failed.refresh_from_db()
    assert (other_failed.status, other_failed.attempts) == (EmailStatus.FAILED, 6)
    sent.refresh_from_db()
    assert (sent.status, sent.attempts) == (EmailStatus.SENT, 1)


# SMTP: one connection per batch, a fresh one after a drop, and the SMTPUTF8 envelope


class CountingSmtpBackend(SmtpBackend):
    """Django's SMTP backend, counting the connections it opens and closes."""

    opened = closed = 0

    def open(self):
        new = super().open()
        if new:
            CountingSmtpBackend.opened += 1
        return new

    def close(self):
        if self.connection is not None:
            CountingSmtpBackend.closed += 1
        super().close()


class DropsTheFirstMessage(RecordingHandler):
    """Drops the connection instead of taking the first message (nothing stored)."""

    def __init__(self):
        super().__init__()
        self.dropped = False

    async def handle_DATA(self, server, session, envelope):
        if not self.dropped:
            self.dropped = True
            server.transport.abort()
            return "421 4.4.2 Dropped"
        return await super().handle_DATA(server, session, envelope)


class RecordsMailOptions(RecordingHandler):
    """Also records each message's MAIL FROM parameters."""

    def __init__(self):
        super().__init__()
        self.mail_options = []

    async def handle_DATA(self, server, session, envelope):
        self.mail_options.append(list(envelope.mail_options))
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtp_with():
    servers = []

    def start(handler, *, smtputf8=False):
        server = SmtpServer(smtputf8=smtputf8)
        server.handler = server.controller.handler = handler
        servers.append(server.start())
        CountingSmtpBackend.opened = CountingSmtpBackend.closed = 0
        return server

    with override_settings(EMAIL_BACKEND=COUNTING_SMTP, EMAIL_HOST="127.0.0.1"):
        yield start
    for server in servers:
        server.stop()


def test_a_batch_goes_out_over_one_smtp_connection_closed_at_the_end(smtp_with):
    server = smtp_with(RecordingHandler())
    with override_settings(EMAIL_PORT=server.port):
        emails = queued_emails(3)
        assert send_pending(now=NOW).sent == 3
    assert [message["Message-ID"] for message in server.messages] == [email.message_id for email in emails]
    assert (CountingSmtpBackend.opened, CountingSmtpBackend.closed) == (1, 1)


def test_after_a_dropped_connection_the_next_email_goes_out_on_a_fresh_one(smtp_with):
    server = smtp_with(DropsTheFirstMessage())
    with override_settings(EMAIL_PORT=server.port):
        dropped, delivered = queued_emails(2)
        result = send_pending(now=NOW)
    assert (result.sent, result.retrying) == (1, 1)
    assert [message["Message-ID"] for message in server.messages] == [delivered.message_id]
    assert (CountingSmtpBackend.opened, CountingSmtpBackend.closed) == (2, 2)


def test_an_smtputf8_message_declares_its_8bit_body_and_bounces_to_our_address(smtp_with):
    server = smtp_with(RecordsMailOptions(), smtputf8=True)
    with override_settings(EMAIL_PORT=server.port):
        order = make_order(PartnerFactory(time_zone="Asia/Seoul", language="en"), TERM_END)
        order.customer.contacts.update(email="김민준@한빛.kr")
        run_sweep(now=NOW)
        assert send_pending(now=NOW).sent == 1
    [(mail_from, recipients, smtputf8)] = server.envelopes
    assert (mail_from, recipients, smtputf8) == (settings.DEFAULT_FROM_EMAIL, ["김민준@xn--xx3br43b.kr"], True)
    [options] = server.handler.mail_options
    assert {"SMTPUTF8", "BODY=8BITMIME"} <= set(options)  # the server offers 8BITMIME (and SIZE)
