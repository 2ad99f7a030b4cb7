"""followups/migrations/0002_beat_schedule.py (proposed by helper "calls"; helpers may not write
migrations): beat's hourly run of the follow-up call task maker, editable in the admin like the
reminder sweep's entry (notifications/migrations/0002_beat_schedule.py)."""

import json

from django.db import migrations

NAME = "Follow-up call tasks (hourly)"
TASK = "followups.create_call_tasks"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    if PeriodicTask.objects.filter(name=NAME).exists():
        return
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="10", hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.create(name=NAME, task=TASK, crontab=crontab, kwargs=json.dumps({}))


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("followups", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
