"""On SQLite, the run command's default database, two auto-renew switches of one order at once queue
for the write lock instead of one failing with "database is locked" (a 500); a switch that waits past
the lock timeout says to try again. Each scenario runs in a process of its own on a file database
(``sqlite_switches.py``): an in-memory test database has neither the file's locks nor its settings."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TRY_AGAIN = "try again"


def environment(database):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return env | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "test",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"sqlite:///{database}",
    }


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """A migrated SQLite file, made once and copied for each scenario."""
    database = tmp_path_factory.mktemp("sqlite") / "migrated.sqlite3"
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        env=environment(database),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return database


def run(scenario, migrated, tmp_path):
    database = tmp_path / "portal.sqlite3"
    shutil.copy(migrated, database)
    done = subprocess.run(
        [sys.executable, "-m", "tests.renewals.sqlite_switches", scenario],
        cwd=ROOT,
        env=environment(database),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_staff_and_customer_switches_at_once_both_succeed_in_turn(migrated, tmp_path):
    result = run("race", migrated, tmp_path)
    assert [answer["status"] for answer in result["answers"]] == [302, 302]
    assert not any(TRY_AGAIN in message for answer in result["answers"] for message in answer["messages"])
    assert result["status"] in ("scheduled", "cancelled")


def test_a_switch_that_waits_past_the_lock_timeout_says_to_try_again_not_a_500(migrated, tmp_path):
    result = run("held", migrated, tmp_path)
    assert [answer["status"] for answer in result["answers"]] == [302, 302]
    for answer in result["answers"]:
        assert any(TRY_AGAIN in message for message in answer["messages"]), answer
    assert result["status"] == "scheduled"  # as before: nothing changed


def test_sqlite_transactions_take_the_write_lock_at_their_start_and_wait_for_it(tmp_path):
    code = "import django; django.setup(); from django.db import connection as c; print(c.settings_dict['OPTIONS'])"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment(tmp_path / "x.sqlite3"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.strip() == "{'transaction_mode': 'IMMEDIATE', 'timeout': 20}", done.stderr
