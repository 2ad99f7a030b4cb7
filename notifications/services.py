"""Writes of the notifications app that people trigger: resending a reminder, retrying a failed
email, changing the reminder policy (staff), and unsubscribing (a contact, through a signed link)."""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from partners.actors import require_staff_of
from partners.models import Contact, Role
from renewals.models import Order

from .models import EmailKind, OutboxEmail, OutboxItem
from .sender import retry

logger = logging.getLogger(__name__)

RESEND_DEBOUNCE = timedelta(minutes=10)


class ReminderError(Exception):
    """Something staff asked for that cannot be done; the message says why."""


def queue_sending():
    """Ask a worker to send now; if the broker is away, the beat's drain sends within a minute."""
    from .tasks import send_outbox

    try:
        send_outbox.delay()
    except Exception:  # the outbox keeps the email; nothing is lost
        logger.warning("could not queue send_outbox; the periodic drain will send", exc_info=True)


def resend_latest_reminder(*, order, by, now) -> list[OutboxEmail]:
    """Send the order's most recent reminder again to its contacts, as a manual resend. A second
    request within ten minutes (a double click, two staff) returns the first one's emails."""
    require_staff_of(by, order.partner_id, ReminderError(_("Only the partner's staff may resend reminders.")))
    with transaction.atomic():
        order = Order.objects.select_for_update(of=("self",)).select_related("renewal").get(pk=order.pk)
        if not order.is_live:
            raise ReminderError(
                _("Order %(number)s is renewed or cancelled: its reminders are not sent any more.")
                % {"number": order.order_number}
            )
        reminder = order.reminders.filter(cancelled_at__isnull=True).order_by("-created_at").first()
        if reminder is None:
            raise ReminderError(_("No reminder has been sent for this order yet."))
        recent = OutboxEmail.objects.filter(
            kind=EmailKind.RESEND, items__reminder=reminder, created_at__gte=now - RESEND_DEBOUNCE
        ).distinct()
        if recent:
            return list(recent)
        contacts = list(Contact.objects.filter(customer=order.customer, unsubscribed_at__isnull=True))
        if not contacts:
            raise ReminderError(_("This customer has no contact who accepts reminders."))
        emails = []
        for contact in contacts:
            email = OutboxEmail.new(
                partner_id=order.partner_id,
                contact=contact,
                to_email=contact.email,
                kind=EmailKind.RESEND,
                next_attempt_at=now,
            )
            email.save()
            OutboxItem.objects.create(email=email, reminder=reminder, contact=contact, manual=True)
            emails.append(email)
        transaction.on_commit(queue_sending)
    return emails


def retry_failed_email(*, email, by) -> bool:
    """Support's retry of a failed email: queued again and sent at once. False (nothing changes)
    when the email is not failed, e.g. retried already by a second click."""
    require_staff_of(by, email.partner_id, ReminderError(_("Only the partner's staff may retry emails.")))
    with transaction.atomic():
        if not retry(email):
            return False
        transaction.on_commit(queue_sending)
    return True


def update_reminder_policy(*, partner, by, reminder_thresholds, reissue_thresholds, send_hour, now):
    """Store the partner's thresholds and send hour and, in the same transaction, have the next
    sweep look at every open order again: the new policy and the rescheduling commit together."""
    require_staff_of(
        by, partner.pk, ReminderError(_("Only partner admins may change the reminder policy.")), roles=(Role.ADMIN,)
    )
    partner.reminder_thresholds = list(reminder_thresholds)
    partner.reissue_thresholds = list(reissue_thresholds)
    partner.reminder_send_hour = send_hour
    with transaction.atomic():
        partner.save(update_fields=["reminder_thresholds", "reissue_thresholds", "reminder_send_hour"])
        reschedule_partner(partner, now)
    return partner


def unsubscribe(contact, *, now) -> bool:
    """The contact's opt-out from every reminder; True when it is new. Unsubscribing again keeps
    the first instant (one-click mail clients and people may both POST)."""
    return bool(Contact.objects.filter(pk=contact.pk, unsubscribed_at__isnull=True).update(unsubscribed_at=now))


def reschedule_partner(partner, now):
    """After a policy change every open order is looked at again by the next sweep, which records
    only what is due under the new thresholds (catch-up rules apply; nothing is sent twice)."""
    return Order.objects.for_partner(partner).remindable().update(next_reminder_at=now)
