"""manage.py send_reminders: one sweep and its sending, in this process; JSON on the last line."""

import json
import subprocess
import sys
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from notifications.models import EmailStatus, OutboxEmail, Reminder

from .helpers import make_order

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

ROOT = Path(__file__).resolve().parents[2]
NOW = "2027-01-30T12:00:00+09:00"


def run(*args):
    out = StringIO()
    call_command("send_reminders", *args, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_sends_what_is_due_and_nothing_the_second_time(seoul_partner, outbox):
    make_order(seoul_partner, date(2027, 3, 1))
    first = run("--now", NOW, "--json")
    second = run("--now", NOW, "--json")
    assert {k: first[k] for k in ("due", "queued", "sent", "skipped_opted_out", "failed")} == {
        "due": 1,
        "queued": 1,
        "sent": 1,
        "skipped_opted_out": 0,
        "failed": 0,
    }
    assert (second["due"], second["sent"]) == (0, 0)
    assert len(outbox) == 1


def test_dry_run_lists_what_would_go_out_and_changes_nothing(seoul_partner, outbox):
    order = make_order(seoul_partner, date(2027, 3, 1))
    out = StringIO()
    call_command("send_reminders", "--now", NOW, "--dry-run", "--json", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert f"order {order.order_number} (renewal, 30 days)" in lines[0]
    assert json.loads(lines[-1])["due"] == 1
    assert not Reminder.objects.exists() and not OutboxEmail.objects.exists() and outbox == []


def test_sweep_only_records_and_queues_but_leaves_the_sending_to_the_worker(seoul_partner, outbox):
    order = make_order(seoul_partner, date(2027, 3, 1))
    swept = run("--now", NOW, "--sweep-only", "--json")
    assert (swept["due"], swept["queued"], swept["sent"]) == (1, 1, 0)
    assert Reminder.objects.get().order == order
    assert OutboxEmail.objects.get().status == EmailStatus.PENDING
    assert outbox == []
    sent = run("--now", NOW, "--json")
    assert (sent["due"], sent["sent"]) == (0, 1)
    assert len(outbox) == 1


def test_sweep_only_and_dry_run_cannot_be_combined():
    result = subprocess.run(
        [sys.executable, "manage.py", "send_reminders", "--sweep-only", "--dry-run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "not allowed with argument" in result.stderr


@pytest.mark.parametrize("value", ["yesterday", "2027-01-30T12:00:00"])
def test_a_bad_instant_is_one_line_and_no_traceback(value):
    result = subprocess.run(
        [sys.executable, "manage.py", "send_reminders", "--now", value, "--dry-run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_at_night_it_queues_and_says_how_many_wait_for_the_working_day(seoul_partner, outbox):
    make_order(seoul_partner, date(2027, 3, 1))
    night = run("--now", "2027-01-30T02:00:00+09:00", "--json")
    assert (night["queued"], night["sent"], night["waiting"]) == (1, 0, 1)
    morning = run("--now", "2027-01-30T09:00:00+09:00", "--json")
    assert (morning["sent"], morning["waiting"]) == (1, 0)
    assert len(outbox) == 1
