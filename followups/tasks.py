"""Celery tasks: thin callers of the services. Each may run twice, or at once, harmlessly."""

from celery import shared_task
from django.utils import timezone

from .services import create_call_tasks


@shared_task(name="followups.create_call_tasks")
def make_call_tasks():
    """Beat, hourly: the call tasks due now, for every partner (a day's tasks appear in its first hour,
    in each customer's time zone)."""
    return {"created": create_call_tasks(at=timezone.now())}
