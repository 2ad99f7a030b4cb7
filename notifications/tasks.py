"""Celery tasks: thin callers of the sweep and the sender. Both may run twice, or at once, harmlessly."""

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from .sender import send_pending
from .sweep import run_sweep


@shared_task(name="notifications.sweep_reminders")
def sweep_reminders():
    """Beat, hourly: record what is due now, then have the outbox sent."""
    result = run_sweep(now=timezone.now())
    if result.queued:
        transaction.on_commit(send_outbox.delay)
    return {"due": result.due, "queued": result.queued}


@shared_task(name="notifications.send_outbox")
def send_outbox():
    """Beat, every minute, and after each sweep: send what is due, retries included."""
    result = send_pending()
    return {
        "sent": result.sent,
        "failed": result.failed,
        "retrying": result.retrying,
        "skipped_opted_out": result.skipped_opted_out,
    }
