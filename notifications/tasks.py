"""Celery tasks: thin callers of the sweep and the sender. Each may run twice, or at once, harmlessly.

One sweep can be shared by several workers: beat's hourly ``sweep_reminders`` queues helpers
(``sweep_chunks``) when more than one chunk is due, then sweeps too. Every one of them takes chunks
until none is left, and the sweep's row locks (``SKIP LOCKED``) give each its own, so any worker
process that is free joins in and the sweep ends when the last chunk is done.
"""

import logging

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .sender import send_pending
from .sweep import due_chunks, run_sweep

logger = logging.getLogger(__name__)


def sweep_tasks():
    """The most tasks that share one sweep (beat's and its helpers), ``REMINDER_SWEEP_TASKS``: about
    the worker processes there are; helpers beyond those only start once others have finished,
    and find nothing left."""
    return max(1, settings.REMINDER_SWEEP_TASKS)


@shared_task(name="notifications.sweep_reminders")
def sweep_reminders():
    """Beat, hourly: a helper per further chunk due (``sweep_tasks()`` tasks in all at most), then
    this task's own share of the sweep."""
    for _ in range(due_chunks(timezone.now(), most=sweep_tasks()) - 1):
        try:
            sweep_chunks.delay()
        except Exception:  # this task sweeps on alone: slower, nothing lost
            logger.warning("could not queue a sweep helper", exc_info=True)
            break
    return sweep_chunks()


@shared_task(name="notifications.sweep_chunks")
def sweep_chunks():
    """Record what is due now, chunk after chunk until none is left, then have the outbox sent."""
    result = run_sweep(now=timezone.now())
    if result.queued:
        transaction.on_commit(send_outbox.delay)
    return {"due": result.due, "queued": result.queued, "orders_checked": result.orders_checked}


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
