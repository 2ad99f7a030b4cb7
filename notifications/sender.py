"""Sending the outbox: claim, check opt-outs, render, send, record. Safe to run in many processes.

A sender claims emails in one short transaction (``SELECT … FOR UPDATE SKIP LOCKED``, then status
``sending``), so two senders never take the same email. It records the outcome as soon as the SMTP
server answers. The one window left: the server accepted a message and the process died before
recording it; the claim then expires (``CLAIM_LEASE``) and the email is sent again, with the same
``Message-ID``, so mail systems and people can tell it is the same message.
"""

import functools
import logging
import smtplib
import uuid
from dataclasses import dataclass
from datetime import timedelta
from email.mime.image import MIMEImage
from email.utils import formataddr
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import F, Prefetch
from django.utils import timezone

from .emails import BROWSER_WARNING_CID, browser_warning_file, one_line, render_reminder
from .models import EmailKind, EmailStatus, OutboxEmail, OutboxItem
from .policy import send_time

logger = logging.getLogger(__name__)

BATCH = 50
CLAIM_LEASE = timedelta(minutes=10)
EMAIL_IMAGES = Path(settings.BASE_DIR) / "static" / "emails"


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0  # gave up after the last attempt
    retrying: int = 0  # an SMTP error; tried again later
    skipped_opted_out: int = 0
    held: int = 0  # outside the customer's working hours; waits for the next send hour


def backoff(attempts: int) -> timedelta:
    """2, 4, 8, 16, 32 minutes, then an hour."""
    return timedelta(minutes=min(2**attempts, 60))


def release_stale_claims(now):
    """Emails claimed by a sender that died: let another sender take them."""
    return OutboxEmail.objects.filter(status=EmailStatus.SENDING, claimed_at__lt=now - CLAIM_LEASE).update(
        status=EmailStatus.PENDING, next_attempt_at=now
    )


def claim(now, limit=BATCH, ids=None):
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
            status=EmailStatus.SENDING, claimed_at=now, claim=token, attempts=F("attempts") + 1
        )
    return list(OutboxEmail.objects.filter(claim=token).values_list("pk", flat=True))


def hold_outside_working_hours(email, now):
    """The one gate for "mail only in working hours": whatever queued an email (the sweep, a retry,
    a released claim, support), it leaves only in the customer's working hours. Returns True when
    the email was put back to wait for the next send hour (the attempt is not counted)."""
    customer = email.contact.customer
    leaves_at = send_time(now, customer.tzinfo, customer.partner.reminder_send_hour)
    if leaves_at == now:
        return False
    OutboxEmail.objects.filter(pk=email.pk, claim=email.claim).update(
        status=EmailStatus.PENDING, next_attempt_at=leaves_at, attempts=F("attempts") - 1, claim=None
    )
    return True


def items_to_send(email):
    """The reminders of this email that the customer still wants, dropping the rest (opt-outs and
    cancellations are checked now, at send time, not only when the reminder was scheduled)."""
    items = list(email.items.all())  # prefetched for the whole batch by send_claimed
    keep, drop = [], []
    for item in items:
        order = item.reminder.order
        wanted = (
            item.reminder.cancelled_at is None
            and order.renewal_notices
            and getattr(order, "renewal", None) is None
            and order.status != "cancelled"
        )
        (keep if wanted or item.manual else drop).append(item)
    if drop:
        OutboxItem.objects.filter(pk__in=[item.pk for item in drop]).update(skipped=True)
    return keep


@functools.cache
def browser_warning_image(language):
    """Built (and base64-encoded) once per process and language; urgent emails attach the same part."""
    image = MIMEImage((EMAIL_IMAGES / browser_warning_file(language)).read_bytes(), "png")
    image.add_header("Content-ID", f"<{BROWSER_WARNING_CID}>")
    image.add_header("Content-Disposition", "inline", filename="browser-warning.png")
    return image


def build_message(email, rendered):
    partner = email.partner
    sender = formataddr((one_line(partner.sender_name or partner.name), settings.DEFAULT_FROM_EMAIL))
    unsubscribe = rendered.unsubscribe_url
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=sender,
        to=[formataddr((one_line(email.contact.name), email.to_email))],
        reply_to=[partner.reply_to] if partner.reply_to else None,
        headers={
            "Message-ID": email.message_id,
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(rendered.html, "text/html")
    if rendered.browser_warning:
        message.mixed_subtype = "related"
        message.attach(browser_warning_image(rendered.language))
    return message


def prepare(email, now):
    """Render a claimed email; None when nothing is left to send to this contact."""
    if email.contact.unsubscribed_at is not None:
        email.items.update(skipped=True)
        return None
    items = items_to_send(email)
    if not items:
        return None
    rendered = render_reminder(
        contact=email.contact,
        partner=email.partner,
        reminders=[item.reminder for item in items],
        now=now,
        resend=email.kind == EmailKind.RESEND,
    )
    email.subject, email.body_text, email.body_html = rendered.subject, rendered.text, rendered.html
    return build_message(email, rendered)


def rendered_fields(email):
    """Saved with the outcome, in the same statement: one commit per email."""
    return {"subject": email.subject, "body_text": email.body_text, "body_html": email.body_html}


def record_failure(email, error, now, result):
    if email.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        status, next_attempt, result.failed = EmailStatus.FAILED, None, result.failed + 1
    else:
        status, next_attempt, result.retrying = EmailStatus.PENDING, now + backoff(email.attempts), result.retrying + 1
    OutboxEmail.objects.filter(pk=email.pk).update(
        status=status,
        next_attempt_at=next_attempt,
        last_error=f"{type(error).__name__}: {error}"[:2000],
        **rendered_fields(email),
    )
    logger.warning("email %s to %s: %s (attempt %s)", email.pk, email.to_email, error, email.attempts)


def send_claimed(ids, now, result):
    items = OutboxItem.objects.select_related(
        "reminder__order__product", "reminder__order__customer__partner", "reminder__order__renewal"
    ).prefetch_related("reminder__order__certificates")
    emails = (
        OutboxEmail.objects.filter(pk__in=ids, status=EmailStatus.SENDING)
        .select_related("partner", "contact__customer__partner")
        .prefetch_related(Prefetch("items", queryset=items))
    )
    connection_ = get_connection(fail_silently=False)
    try:
        for email in emails:
            if hold_outside_working_hours(email, now):
                result.held += 1
                continue
            try:
                message = prepare(email, now)
            except Exception as error:  # a rendering bug must not block the rest of the batch
                logger.exception("rendering email %s failed", email.pk)
                record_failure(email, error, now, result)
                continue
            if message is None:
                OutboxEmail.objects.filter(pk=email.pk).update(status=EmailStatus.SKIPPED, sent_at=None)
                result.skipped_opted_out += 1
                continue
            message.connection = connection_
            try:
                connection_.open()  # once per batch: send() reuses an open connection
                message.send()
            except (smtplib.SMTPException, OSError) as error:
                record_failure(email, error, now, result)
                close_quietly(connection_)  # the next email starts on a fresh connection
                continue
            OutboxEmail.objects.filter(pk=email.pk).update(
                status=EmailStatus.SENT, sent_at=timezone.now(), last_error="", **rendered_fields(email)
            )
            result.sent += 1
    finally:
        close_quietly(connection_)


def close_quietly(mail_connection):
    try:
        mail_connection.close()
    except (smtplib.SMTPException, OSError):
        pass


def send_pending(*, now=None, ids=None, limit=None) -> SendResult:
    """Send what is due in the outbox (or just ``ids``), in batches, until none is left or ``limit``."""
    now = now or timezone.now()
    result = SendResult()
    release_stale_claims(now)
    handled = 0
    while limit is None or handled < limit:
        batch = claim(now, BATCH if limit is None else min(BATCH, limit - handled), ids=ids)
        if not batch:
            break
        send_claimed(batch, now, result)
        handled += len(batch)
    return result


def retry(email):
    """Support's retry of a failed email: back in the queue, attempts counted afresh."""
    return OutboxEmail.objects.filter(pk=email.pk, status=EmailStatus.FAILED).update(
        status=EmailStatus.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )
