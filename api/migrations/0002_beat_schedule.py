"""Beat's runs of the webhook outbox (every minute) and of order.expired (hourly), editable in the
admin like the reminder sweep's (notifications/migrations/0002_beat_schedule.py)."""

import json

from django.db import migrations

TASKS = [
    # name, task, crontab minute (None: every minute through an interval)
    ("Deliver webhooks (every minute)", "api.deliver_webhooks", None),
    ("Webhook order.expired events (hourly)", "api.record_expired_orders", "15"),
]


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute in TASKS:
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        if minute is None:
            interval, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
            PeriodicTask.objects.create(name=name, task=task, interval=interval, kwargs=json.dumps({}))
        else:
            crontab, _ = CrontabSchedule.objects.get_or_create(
                minute=minute, hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
            )
            PeriodicTask.objects.create(name=name, task=task, crontab=crontab, kwargs=json.dumps({}))


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[t[0] for t in TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
