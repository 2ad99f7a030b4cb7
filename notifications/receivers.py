"""Reactions to renewals and reissues: what was pending for the replaced term or certificate is off,
and the wait for the new certificate starts."""

from django.dispatch import receiver
from django.utils import timezone

from renewals.models import Order
from renewals.signals import order_replaced

from .models import Reminder


@receiver(order_replaced)
def cancel_pending_reminders(sender, order, replacement, reason, **kwargs):
    """Runs inside the renewal's transaction. A reminder already sent stays as history; those whose
    email has not gone out are cancelled, and the sender leaves them out."""
    now = timezone.now()
    pending = Reminder.objects.filter(order=order, cancelled_at__isnull=True).exclude(items__email__status="sent")
    if reason == "reissue":
        pending = pending.filter(kind="reissue")
    pending.update(cancelled_at=now, cancel_reason=reason)
    # Renewed: nothing more to remind for the old order. Reissued: look again now (new certificate).
    Order.objects.filter(pk=order.pk).update(next_reminder_at=None if reason == "renewal" else now)
    # The replacement now waits for the CA's certificate (unless the backend issues at once): support's
    # issuance reminders count from here, not from when the order was first sold.
    Order.objects.filter(pk=replacement.pk).update(awaiting_issuance_since=now)
