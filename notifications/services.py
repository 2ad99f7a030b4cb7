"""Writes of the notifications app that people trigger: resending a reminder, retrying a failed
email, changing the reminder policy (staff), and unsubscribing (a contact, through a signed link)."""

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from partners.actors import require_staff_of
from partners.models import Contact, Role
from renewals.auto_renew import reschedule_auto_renewals
from renewals.models import Order

from .models import EmailKind, OptOut, OutboxEmail, OutboxItem
from .recipients import clean_addresses, customer_recipients_of, normalized
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
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("renewal", "customer__partner")
            .get(pk=order.pk)
        )
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
        recipients = customer_recipients_of(order)
        if not recipients:
            raise ReminderError(_("This customer has no contact who accepts reminders."))
        emails = []
        for address, contact_id, reasons in recipients:
            email = OutboxEmail.new(
                partner_id=order.partner_id,
                customer_id=order.customer_id,
                contact_id=contact_id,
                to_email=address,
                kind=EmailKind.RESEND,
                next_attempt_at=now,
            )
            email.save()
            OutboxItem.objects.create(
                email=email,
                reminder=reminder,
                contact_id=contact_id,
                address=normalized(address),
                reasons=reasons,
                manual=True,
            )
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


def update_reminder_policy(
    *,
    partner,
    by,
    reminder_thresholds,
    reissue_thresholds,
    send_hour,
    now,
    support_email=None,
    issuance_reminder_days=None,
    auto_renew_days=None,
):
    """Store the partner's thresholds, send hour, support and auto-renew settings (``None``:
    unchanged) and, in the same transaction, have the next sweep look at every open order again and
    move the scheduled auto-renewals to their new day: the new policy and the rescheduling commit
    together."""
    require_staff_of(
        by, partner.pk, ReminderError(_("Only partner admins may change the reminder policy.")), roles=(Role.ADMIN,)
    )
    partner.reminder_thresholds = list(reminder_thresholds)
    partner.reissue_thresholds = list(reissue_thresholds)
    partner.reminder_send_hour = send_hour
    fields = ["reminder_thresholds", "reissue_thresholds", "reminder_send_hour"]
    if support_email is not None:
        partner.support_email = support_email
        fields.append("support_email")
    if issuance_reminder_days is not None:
        partner.issuance_reminder_days = issuance_reminder_days
        fields.append("issuance_reminder_days")
    if auto_renew_days is not None:
        partner.auto_renew_days = auto_renew_days
        fields.append("auto_renew_days")
    with transaction.atomic():
        partner.save(update_fields=fields)
        reschedule_partner(partner, now)
        if auto_renew_days is not None:
            reschedule_auto_renewals(partner, now=now)
    return partner


def update_escalations(*, partner, by, stages):
    """Store who else is told at each renewal threshold (``recipients.Escalation``); the sweep
    applies it to the reminders it records from now on."""
    require_staff_of(
        by, partner.pk, ReminderError(_("Only partner admins may change who is told.")), roles=(Role.ADMIN,)
    )
    partner.reminder_escalations = [stage.as_json() for stage in sorted(stages, key=lambda s: -s.threshold)]
    partner.save(update_fields=["reminder_escalations"])
    return partner


def set_customer_recipients(*, customer, by, addresses):
    """The customer's additional recipients (checked by ``recipients.clean_addresses``)."""
    require_staff_of(by, customer.partner_id, ReminderError(_("Only the partner's staff may change recipients.")))
    customer.reminder_recipients = clean_addresses(addresses)
    customer.save(update_fields=["reminder_recipients"])
    return customer


def set_order_recipients(*, order, by, addresses):
    """Who is told of this order's reminders instead of the customer's side (empty: the default)."""
    require_staff_of(by, order.partner_id, ReminderError(_("Only the partner's staff may change recipients.")))
    order.reminder_recipients = clean_addresses(addresses)
    order.save(update_fields=["reminder_recipients"])
    return order


def unsubscribe(contact, *, now) -> bool:
    """The contact's opt-out from every reminder; True when it is new. Unsubscribing again keeps
    the first instant (one-click mail clients and people may both POST)."""
    return bool(Contact.objects.filter(pk=contact.pk, unsubscribed_at__isnull=True).update(unsubscribed_at=now))


def unsubscribe_address(*, customer, address, now) -> bool:
    """An address of the customer's that is no contact opts out of the customer's reminders; True
    when it is new (the unique opt-out row is the last word when two clicks race)."""
    try:
        with transaction.atomic():
            _, created = OptOut.objects.get_or_create(
                customer=customer, address=normalized(address), defaults={"unsubscribed_at": now}
            )
    except IntegrityError:
        return False
    return created


def unsubscribe_subscriber(subscriber, *, now) -> bool:
    """What an unsubscribe link names (``links.Subscriber``) opts out."""
    if subscriber.contact is not None:
        return unsubscribe(subscriber.contact, now=now)
    return unsubscribe_address(customer=subscriber.customer, address=subscriber.address, now=now)


def reschedule_partner(partner, now):
    """After a policy change every open order is looked at again by the next sweep, which records
    only what is due under the new thresholds (catch-up rules apply; nothing is sent twice)."""
    return Order.objects.for_partner(partner).remindable().update(next_reminder_at=now)
