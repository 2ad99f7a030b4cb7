"""Sending the outbox: claim, check opt-outs, render, send, record. Safe to run in many processes.

A sender claims emails in one short transaction (``SELECT … FOR UPDATE SKIP LOCKED``, then status
``sending`` with its own claim token), so two senders never take the same email. Claims run on the
real clock, whatever instant ``now`` simulates: stamped when made, renewed while the batch is being
worked through, and checked (and stamped again) right before each email goes out; only the holder of
an email's live claim sends it and records its outcome, as soon as the SMTP server answers.

An error on one email (an address Django refuses, a template bug, a dropped connection) marks that
email, with the reason, and the run goes on with the rest of its batch.

Two windows are left where an email can arrive twice, both resent with the same ``Message-ID``: the
server accepted a message and the process died before recording it (the claim expires after
``CLAIM_LEASE`` and the email is sent again), and the server stored a message but its reply did not
reach us within ``EMAIL_TIMEOUT`` (the email is retried).
"""

import functools
import logging
import smtplib
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from email.headerregistry import Address
from email.mime.image import MIMEImage
from email.utils import quote
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address
from django.db import connection, transaction
from django.db.models import F, Prefetch
from django.utils import timezone

from offers.exposure import record_exposures
from offers.models import OfferExposure
from renewals.models import OrderStatus
from renewals.windows import browser_warning_file

from .email_offers import Sales
from .emails import BROWSER_WARNING_CID, one_line, render_reminder, render_staff
from .models import EmailKind, EmailStatus, OptOut, OutboxEmail, OutboxItem
from .policy import AUTO_RENEWED, ISSUANCE, send_time
from .recipients import normalized
from .signals import reminder_email_failed, reminder_email_sent

logger = logging.getLogger(__name__)

BATCH = 50
OUTBOX = OutboxEmail._meta
# A claim older than this (real time) belongs to a sender that died. It must outlast one email's SMTP
# exchange by far (each command waits up to EMAIL_TIMEOUT); claims are renewed while a batch is
# being sent, so a slow batch keeps its emails.
CLAIM_LEASE = timedelta(minutes=10)
EMAIL_IMAGES = Path(settings.BASE_DIR) / "static" / "emails"


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0  # a permanent error, or gave up after the last attempt
    retrying: int = 0  # a transient error (SMTP, connection, rendering); tried again later
    skipped_opted_out: int = 0
    held: int = 0  # outside the customer's working hours; waits for the next send hour
    lost_claim: int = 0  # taken over by another sender (our claim had expired): left to it


class Undeliverable(Exception):
    """This email cannot be sent as it is (its address, or the server cannot carry it): failed at
    once, with the reason, rather than retried."""


@dataclass
class Claim:
    """The emails one ``claim`` took, and the token that proves it still holds them."""

    token: uuid.UUID
    ids: list = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """2, 4, 8, 16, 32 minutes, then an hour."""
    return timedelta(minutes=min(2**attempts, 60))


def release_stale_claims(now):
    """Emails claimed by a sender that died: let another sender take them. The lease runs on the real
    clock (``now`` may be a simulated instant: ``send_reminders --now``); the email is due at ``now``."""
    return OutboxEmail.objects.filter(status=EmailStatus.SENDING, claimed_at__lt=timezone.now() - CLAIM_LEASE).update(
        status=EmailStatus.PENDING, next_attempt_at=now, claim=None
    )


def claim(now, limit=BATCH, ids=None) -> Claim:
    """Claim up to ``limit`` emails due at ``now``; the claim is stamped with the real time."""
    with transaction.atomic():
        queryset = OutboxEmail.objects.filter(status=EmailStatus.PENDING, next_attempt_at__lte=now)
        if ids is not None:
            queryset = queryset.filter(pk__in=ids)
        queryset = queryset.order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            queryset = queryset.select_for_update(skip_locked=True)
        candidates = list(queryset.values_list("pk", flat=True)[:limit])
        # Only the rows this UPDATE changed are ours: on a database without SKIP LOCKED another
        # sender may have claimed some candidates between our read and our write.
        token = uuid.uuid4()
        OutboxEmail.objects.filter(pk__in=candidates, status=EmailStatus.PENDING).update(
            status=EmailStatus.SENDING, claimed_at=timezone.now(), claim=token, attempts=F("attempts") + 1
        )
    ours = OutboxEmail.objects.filter(pk__in=candidates, claim=token).values_list("pk", flat=True)
    return Claim(token, list(ours))


def update_held(email, *, condition="", **values):
    """Set ``values`` on the email's row while this sender still holds its live claim: the UPDATE
    changes nothing once the claim expired and another sender took the email. Returns the rows changed.

    One plain statement, its values prepared by their model fields as the ORM would: every email costs
    two (the stamp before it goes out, its outcome after), and building them through the ORM took
    twice the CPU of running them."""
    quote = connection.ops.quote_name
    fields = {OUTBOX.get_field(name): value for name, value in values.items()}
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    claim_field, status_field = OUTBOX.get_field("claim"), OUTBOX.get_field("status")
    sql = (
        f"UPDATE {quote(OUTBOX.db_table)} SET {assignments} WHERE {quote(OUTBOX.pk.column)} = %s "
        f"AND {quote(claim_field.column)} = %s AND {quote(status_field.column)} = %s{condition}"
    )
    params = [field.get_db_prep_save(value, connection) for field, value in fields.items()]
    params += [email.pk, claim_field.get_db_prep_save(email.claim, connection), EmailStatus.SENDING.value]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def stamp(email):
    """Check that the claim is still ours and stamp it (real time), right before the email goes out.

    On PostgreSQL the stamp's commit does not wait for the disk (``synchronous_commit`` off for this
    one statement's transaction; waiting for a flush cost more than rendering the email). The outcome is
    recorded next with a durable commit, which flushes this stamp with it. A stamp lost in a database
    crash leaves the claim's previous stamp (renewed at most ``CLAIM_LEASE / 4`` ago) and breaks the
    sender's connection, so the email is not recorded: window 1 of the docstring, nothing new. What
    the check sees does not depend on when the commit reaches the disk. The setting cannot outlive the
    statement: it is made only in autocommit, where the statement is its own transaction."""
    asynchronous = ""
    if connection.vendor == "postgresql" and connection.get_autocommit():
        # set_config(…, true) lasts until the end of the statement's transaction, its commit included.
        asynchronous = " AND set_config('synchronous_commit', 'off', true) = 'off'"
    return update_held(email, condition=asynchronous, claimed_at=timezone.now())


def renew(batch, pks):
    """Keep a slow batch's claims alive (real time), so no other sender thinks them abandoned."""
    return OutboxEmail.objects.filter(pk__in=pks, claim=batch.token, status=EmailStatus.SENDING).update(
        claimed_at=timezone.now()
    )


def hold_outside_working_hours(email, now):
    """The one gate for "mail only in working hours": whatever queued an email (the sweep, a retry,
    a released claim, support), it leaves only in the customer's working hours. Returns True when
    the email was put back to wait for the next send hour (the attempt is not counted)."""
    leaves_at = send_time(now, email.zone, email.partner.reminder_send_hour)
    if leaves_at == now:
        return False
    OutboxEmail.objects.filter(pk=email.pk, claim=email.claim).update(
        status=EmailStatus.PENDING, next_attempt_at=leaves_at, attempts=F("attempts") - 1, claim=None
    )
    return True


def items_to_send(email):
    """The reminders of this email that still apply, dropping the rest (opt-outs and cancellations are
    checked now, at send time, not only when the reminder was scheduled)."""
    items = list(email.items.all())  # prefetched for the whole batch by send_claimed
    keep, drop = [], []
    for item in items:
        order, reminder = item.reminder.order, item.reminder
        if reminder.kind == ISSUANCE:  # support's, until the certificate is recorded
            wanted = order.is_live and order.status == OrderStatus.AWAITING_ISSUANCE and reminder.cancelled_at is None
        elif reminder.kind == AUTO_RENEWED:  # told of its renewal: the order is no longer live, by design
            wanted = reminder.cancelled_at is None and order.renewal_notices
        else:
            # Staff's manual resend overrides the notices switch, never a renewal or a cancellation.
            wanted = order.is_live and (item.manual or (reminder.cancelled_at is None and order.renewal_notices))
        (keep if wanted else drop).append(item)
    if drop:
        OutboxItem.objects.filter(pk__in=[item.pk for item in drop]).update(skipped=True)
        for item in drop:
            item.skipped = True  # what the outcome's signal reports
    return keep


@functools.cache
def browser_warning_image(language):
    """Built (and base64-encoded) once per process and language; urgent emails attach the same part."""
    image = MIMEImage((EMAIL_IMAGES / browser_warning_file(language)).read_bytes(), "png")
    image.add_header("Content-ID", f"<{BROWSER_WARNING_CID}>")
    image.add_header("Content-Disposition", "inline", filename="browser-warning.png")
    return image


def needs_smtputf8(address):
    """A local part (before the @) with non-ASCII characters can only travel over SMTPUTF8; a
    non-ASCII domain is sent in its IDNA (``xn--``) form."""
    return not address.rpartition("@")[0].isascii()


def mailbox(name, address):
    """``Name <address>`` as an ASCII header value: Django's own address handling (quoting, RFC 2047
    names, IDNA domains), which ``formataddr`` refuses for a non-ASCII address. A ``ValueError`` here
    means the address cannot be used at all."""
    try:
        return sanitized_mailbox(name, address, settings.DEFAULT_CHARSET)
    except ValueError as error:  # UnicodeError included: an IDNA label that cannot be encoded
        raise Undeliverable(f"invalid address {address!r}: {error}") from error


@functools.lru_cache(maxsize=1024)
def sanitized_mailbox(name, address, charset):
    """Remembered: every email of a partner has the same sender (a refused address is not kept)."""
    return sanitize_address((one_line(name), address), charset)


def utf8_mailbox(name, address):
    """``Name <address>`` in raw UTF-8, for an SMTPUTF8 message; the domain in its IDNA form."""
    local, _, domain = address.rpartition("@")
    spec = Address(username=local, domain=domain.encode("idna").decode("ascii")).addr_spec
    name = one_line(name)
    return f'"{quote(name)}" <{spec}>' if name else spec


def build_message(email, rendered):
    partner = email.partner
    sender = mailbox(partner.sender_name or partner.name, settings.DEFAULT_FROM_EMAIL)
    unsubscribe = rendered.unsubscribe_url
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=sender,
        to=[mailbox(email.recipient_name, email.to_email)],
        reply_to=[partner.reply_to] if partner.reply_to else None,
        headers={"Message-ID": email.message_id, "Auto-Submitted": "auto-generated"},
    )
    if unsubscribe:  # the customer's side only: nothing a recipient clicks unsubscribes staff
        message.extra_headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        message.extra_headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.attach_alternative(rendered.html, "text/html")
    if rendered.browser_warning:
        message.mixed_subtype = "related"
        message.attach(browser_warning_image(rendered.language))
    return message


def mark_opted_out_addresses(emails):
    """Set ``address_opted_out`` on the batch's emails to addresses that are no contact and
    unsubscribed from their customer's reminders (one query for the batch)."""
    customers = {email.customer_id for email in emails if not email.is_to_staff and email.customer_id}
    if not customers:
        return
    opted_out = set(
        OptOut.objects.filter(
            customer_id__in=customers, address__in={normalized(email.to_email) for email in emails}
        ).values_list("customer_id", "address")
    )
    for email in emails:
        email.address_opted_out = (email.customer_id, normalized(email.to_email)) in opted_out


def is_opted_out(email):
    """The customer's side only: staff emails are never opted out by a customer's link."""
    if email.is_to_staff:
        return False
    if email.contact_id is not None and email.contact.unsubscribed_at is not None:
        return True
    return email.address_opted_out


def prepare(email, now, sales=None):
    """Render a claimed email; None when nothing is left to send to this address. ``sales``: the
    partners' offers and prices read so far in the batch (``{partner id: Sales}``), filled here."""
    if is_opted_out(email):
        email.items.update(skipped=True)
        return None
    items = items_to_send(email)
    if not items:
        return None
    reminders = [item.reminder for item in items]
    if email.is_to_staff:
        rendered = render_staff(partner=email.partner, items=items, now=now, kind=email.kind)
    else:
        if sales is None:
            sales = {}
        if email.partner_id not in sales:
            sales[email.partner_id] = Sales.of(email.partner, now)
        rendered = render_reminder(
            contact=email.contact,
            partner=email.partner,
            reminders=reminders,
            now=now,
            resend=email.kind == EmailKind.RESEND,
            address=email.to_email,
            sales=sales[email.partner_id],
        )
        email.offers_shown = rendered.offers_shown
    email.subject, email.body_text, email.body_html = rendered.subject, rendered.text, rendered.html
    return build_message(email, rendered)


def rendered_fields(email):
    """Saved with the outcome, in the same statement: one commit per email."""
    return {"subject": email.subject, "body_text": email.body_text, "body_html": email.body_html}


def is_permanent(error):
    """Errors that another attempt cannot cure: an address Django refuses (``ValueError``), an
    email the server cannot carry, a recipient the server refuses for good (5xx)."""
    if isinstance(error, Undeliverable | ValueError | smtplib.SMTPNotSupportedError):
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return False


def describe(error):
    """The reason support reads in the outbox."""
    reason = f"{type(error).__name__}: {error}"
    if isinstance(error, smtplib.SMTPServerDisconnected):
        # A reply lost or later than EMAIL_TIMEOUT (smtplib turns a read timeout into this): the
        # server may have stored the message. The retry is the same message.
        reason += " (the server may have stored it; a resend carries the same Message-ID)"
    return reason[:2000]


def record_failure(email, error, now, result, *, permanent=None):
    """Failed at once when permanent or after the last attempt, else retried after a backoff."""
    if permanent is None:
        permanent = is_permanent(error)
    if permanent or email.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        status, next_attempt, counter = EmailStatus.FAILED, None, "failed"
    else:
        status, next_attempt, counter = EmailStatus.PENDING, now + backoff(email.attempts), "retrying"
    if update_held(
        email, status=status, next_attempt_at=next_attempt, last_error=describe(error), **rendered_fields(email)
    ):
        setattr(result, counter, getattr(result, counter) + 1)
        if status == EmailStatus.FAILED:
            reminder_email_failed.send_robust(sender=OutboxEmail, email=email, error=describe(error))
    else:
        result.lost_claim += 1
    logger.warning("email %s to %s: %s (attempt %s)", email.pk, email.to_email, error, email.attempts)


def record_sent(email, result):
    """After the server's "250 OK": recorded by the holder of the live claim only. The moment
    between that reply and this UPDATE is the first of the two windows (README)."""
    if update_held(email, status=EmailStatus.SENT, sent_at=timezone.now(), last_error="", **rendered_fields(email)):
        result.sent += 1
        reminder_email_sent.send_robust(sender=OutboxEmail, email=email)
        # The customer saw the offers this email showed (the experiment report's "reached").
        record_exposures(
            [(applied, email.customer_id) for applied in getattr(email, "offers_shown", ())],
            channel=OfferExposure.Channel.EMAIL,
            at=email.sent_at or timezone.now(),
        )
    else:
        result.lost_claim += 1
        logger.error("email %s was delivered after its claim expired; another sender holds it now", email.pk)


def deliver(message, email, connection_):
    """Send one message on the batch's connection (opened once, reused)."""
    message.connection = connection_
    connection_.open()
    if needs_smtputf8(email.to_email) and isinstance(connection_, SmtpBackend):
        send_smtputf8(message, email, connection_)
    else:
        message.send()


def send_smtputf8(message, email, connection_):
    """An address whose local part is not ASCII (``김@example.kr``) needs the server's SMTPUTF8:
    raw UTF-8 in the envelope and the To header. Without it the email cannot be delivered."""
    smtp = connection_.connection
    smtp.ehlo_or_helo_if_needed()
    if not smtp.has_extn("smtputf8"):
        raise Undeliverable(
            f"{email.to_email!r} has non-ASCII characters before the @, which needs a mail server "
            "offering SMTPUTF8; EMAIL_HOST does not offer it"
        )
    mime = message.message()
    # compat32 writes a header holding surrogate-escaped bytes as those raw bytes.
    header = utf8_mailbox(email.recipient_name, email.to_email).encode().decode("ascii", "surrogateescape")
    mime.replace_header("To", header)
    local, _, domain = email.to_email.rpartition("@")
    options = ["SMTPUTF8", "BODY=8BITMIME"] if smtp.has_extn("8bitmime") else ["SMTPUTF8"]
    smtp.sendmail(
        sanitize_address(message.from_email, settings.DEFAULT_CHARSET),
        [f"{local}@{domain.encode('idna').decode('ascii')}"],
        mime.as_bytes(linesep="\r\n"),
        mail_options=options,
    )


def send_claimed(batch, now, result):
    items = OutboxItem.objects.select_related(
        "reminder__order__product__upgrade_to",
        "reminder__order__customer__partner",
        "reminder__order__renewal",
        "reminder__order__auto_renewal",
    ).prefetch_related("reminder__order__certificates")
    emails = (
        OutboxEmail.objects.filter(pk__in=batch.ids, claim=batch.token, status=EmailStatus.SENDING)
        .select_related("partner", "customer__partner", "contact")
        .prefetch_related(Prefetch("items", queryset=items))
        .order_by("next_attempt_at", "id")  # in the order they were claimed: the longest waiting first
    )
    connection_ = get_connection(fail_silently=False)
    renewed_at = timezone.now()
    sales = {}  # each partner's offers and price list, read once for the batch
    try:
        emails = list(emails)
        mark_opted_out_addresses(emails)
        for position, email in enumerate(emails):
            if timezone.now() - renewed_at > CLAIM_LEASE / 4:
                renew(batch, [later.pk for later in emails[position:]])
                renewed_at = timezone.now()
            if hold_outside_working_hours(email, now):
                result.held += 1
                continue
            try:
                message = prepare(email, now, sales)
            except Exception as error:  # an address or rendering error must not block the rest of the batch
                unusable_address = isinstance(error, Undeliverable)
                if not unusable_address:  # a template bug: retried, a fix may be deployed meanwhile
                    logger.exception("rendering email %s failed", email.pk)
                record_failure(email, error, now, result, permanent=unusable_address)
                continue
            if message is None:
                if update_held(email, status=EmailStatus.SKIPPED, sent_at=None):
                    result.skipped_opted_out += 1
                continue
            # Still ours? Checked and stamped right before sending: an email whose claim expired
            # (a very slow batch) may be in another sender's hands; it is left to that sender.
            if not stamp(email):
                result.lost_claim += 1
                continue
            try:
                deliver(message, email, connection_)
            except Exception as error:  # any error marks this email only; the run goes on
                record_failure(email, error, now, result)
                close_quietly(connection_)  # the next email starts on a fresh connection
                continue
            record_sent(email, result)
    finally:
        close_quietly(connection_)


def close_quietly(mail_connection):
    try:
        mail_connection.close()
    except Exception:  # noqa: BLE001 - a connection in any state is dropped
        pass


def send_pending(*, now=None, ids=None, limit=None) -> SendResult:
    """Send what is due in the outbox (or just ``ids``), in batches, until none is left or ``limit``."""
    now = now or timezone.now()
    result = SendResult()
    release_stale_claims(now)
    handled = 0
    while limit is None or handled < limit:
        batch = claim(now, BATCH if limit is None else min(BATCH, limit - handled), ids=ids)
        if not batch.ids:
            break
        send_claimed(batch, now, result)
        handled += len(batch.ids)
        if ids is not None:  # an email claimed in this run is not due again in it: ask for the rest
            claimed = set(batch.ids)
            ids = [pk for pk in ids if pk not in claimed]
    return result


def retry(email):
    """Support's retry of a failed email: back in the queue, attempts counted afresh."""
    return OutboxEmail.objects.filter(pk=email.pk, status=EmailStatus.FAILED).update(
        status=EmailStatus.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )
