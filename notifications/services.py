"""Writes of the notifications app that staff trigger: resending a reminder, changing the policy."""

from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from partners.models import Contact, StaffMembership
from renewals.models import Order

from .models import EmailKind, OutboxEmail, OutboxItem

RESEND_DEBOUNCE = timedelta(minutes=10)


class ReminderError(Exception):
    """Something staff asked for that cannot be done; the message says why."""


def resend_latest_reminder(*, order, by, now) -> list[OutboxEmail]:
    """Send the order's most recent reminder again to its contacts, as a manual resend. A second
    request within ten minutes (a double click, two staff) returns the first one's emails."""
    if not isinstance(by, StaffMembership) or by.partner_id != order.partner_id:
        raise ReminderError(_("Only the partner's staff may resend reminders."))
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
    return emails


def reschedule_partner(partner, now):
    """After a policy change every open order is looked at again by the next sweep, which records
    only what is due under the new thresholds (catch-up rules apply; nothing is sent twice)."""
    return Order.objects.for_partner(partner).remindable().update(next_reminder_at=now)
