"""The beat's sweep task on a real Celery worker over real Redis: the reminder reaches the SMTP server."""

import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.celery_app import app
from notifications.models import EmailStatus, OutboxEmail
from tests.factories import PartnerFactory

from .helpers import make_order
from .smtp import SmtpServer

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
]

ROOT = Path(__file__).resolve().parents[2]


def database_url():
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def smtp_server():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def worker(smtp_server):
    assert connection.vendor == "postgresql", "the worker needs a database it can share with the test"
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_ENV": "development",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_server.port),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--queues",
            queue,
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield queue
    process.terminate()
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    print(output)


def test_beat_sweep_task_runs_on_a_worker_and_the_email_arrives(worker, smtp_server):
    # Its send hour is the current hour, so the email is inside its working hours whenever this runs.
    partner = PartnerFactory(time_zone="UTC", reminder_send_hour=datetime.now(UTC).hour)
    today = timezone.localdate(timezone=UTC)
    order = make_order(partner, today + timedelta(days=7))
    app.send_task("notifications.sweep_reminders", queue=worker)
    deadline = time.monotonic() + 90
    while not smtp_server.messages and time.monotonic() < deadline:
        time.sleep(0.5)
    assert smtp_server.messages, "no email reached the SMTP server"
    message = smtp_server.messages[0]
    assert message["Subject"] == "Your certificate expires in 7 days"
    assert order.order_number in message.get_body(("plain",)).get_content()
    deadline = time.monotonic() + 10
    while OutboxEmail.objects.get().status != EmailStatus.SENT and time.monotonic() < deadline:
        time.sleep(0.2)
    assert OutboxEmail.objects.get().status == EmailStatus.SENT
    assert datetime.now(UTC) - OutboxEmail.objects.get().sent_at < timedelta(minutes=5)
