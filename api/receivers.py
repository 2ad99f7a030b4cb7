"""Events of the apps below, turned into webhook events (``webhooks.record_event``)."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from notifications.models import OutboxEmail
from notifications.signals import reminder_email_failed, reminder_email_sent
from renewals.models import Order
from renewals.signals import order_replaced

from . import events
from .models import WebhookEndpoint
from .webhooks import forget_endpoints


@receiver(order_replaced, sender=Order)
def order_renewed(sender, order, replacement, reason, **kwargs):
    """Inside the renewal's transaction: the event is recorded with the renewal, or not at all."""
    if reason == "renewal":
        events.order_renewed(order, replacement)


@receiver(reminder_email_sent, sender=OutboxEmail)
def reminder_sent(sender, email, **kwargs):
    events.reminder_outcome(email, sent=True)


@receiver(reminder_email_failed, sender=OutboxEmail)
def reminder_failed(sender, email, error, **kwargs):
    events.reminder_outcome(email, sent=False, error=error)


@receiver(post_save, sender=WebhookEndpoint)
@receiver(post_delete, sender=WebhookEndpoint)
def endpoints_changed(sender, instance, **kwargs):
    forget_endpoints(instance.partner_id)
    transaction.on_commit(lambda: forget_endpoints(instance.partner_id))
