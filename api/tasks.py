"""Celery tasks: thin callers of the webhook outbox. Each may run twice, or at once, harmlessly."""

from celery import shared_task
from django.utils import timezone

from .events import record_expired_orders
from .idempotency import forget_old_keys
from .webhooks import deliver_pending


@shared_task(name="api.deliver_webhooks")
def deliver_webhooks():
    """Beat, every minute, and after each event recorded: deliver what is due, retries included."""
    result = deliver_pending()
    return {"delivered": result.delivered, "retrying": result.retrying, "failed": result.failed}


@shared_task(name="api.record_expired_orders")
def record_expired():
    """Beat, hourly: order.expired for orders whose last day has just passed; Idempotency-Keys older
    than their lifetime are forgotten."""
    now = timezone.now()
    return {"recorded": record_expired_orders(now=now), "keys_forgotten": forget_old_keys(now=now)}
