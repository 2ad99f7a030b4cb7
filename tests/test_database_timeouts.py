"""A PostgreSQL that is slow or silent costs a request seconds, not minutes: the connection and every
statement of a web request have a time limit, and the user gets the error page when it passes."""

import json
import os
import socket
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.urls import reverse

from renewals.models import Order

ROOT = Path(__file__).resolve().parent.parent
HANG = 60  # seconds after which a request counts as hanging
POSTGRES_URL = "postgres://portal@db.example:5432/portal"


def database_settings(argv, database_url=POSTGRES_URL, **env):
    """The database OPTIONS and statement limit a process started as ``argv`` reads from ``env``."""
    code = (
        "import json, os, sys; sys.argv = json.loads(os.environ['ARGV']); import django; django.setup(); "
        "from django.conf import settings as s; "
        "print(json.dumps([s.DATABASES['default'].get('OPTIONS', {}), s.DATABASE_STATEMENT_TIMEOUT]))"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    environment |= {"DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": database_url, "ARGV": json.dumps(argv)}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment | env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.smoke
@pytest.mark.parametrize(
    "argv",
    [["/srv/portal/.venv/bin/gunicorn", "config.wsgi"], ["manage.py", "runserver"]],
    ids=["gunicorn", "runserver"],
)
def test_web_requests_get_a_connect_and_a_statement_timeout_by_default(argv):
    options, limit = database_settings(argv)
    assert options == {"connect_timeout": 5, "options": "-c statement_timeout=30000 -c random_page_cost=1.1"}
    assert limit == 30


@pytest.mark.smoke
def test_the_timeouts_come_from_the_environment():
    options, _limit = database_settings(["gunicorn"], DATABASE_CONNECT_TIMEOUT="3", DATABASE_STATEMENT_TIMEOUT="2.5")
    assert options == {"connect_timeout": 3, "options": "-c statement_timeout=2500 -c random_page_cost=1.1"}


@pytest.mark.smoke
@pytest.mark.parametrize(
    "argv", [["/srv/portal/.venv/bin/celery", "-A", "config", "worker"], ["/x/celery/__main__.py", "beat"]]
)
def test_the_worker_and_beat_have_a_longer_limit_of_their_own(argv):
    assert database_settings(argv)[0]["options"] == "-c statement_timeout=300000 -c random_page_cost=1.1"
    assert (
        database_settings(argv, DATABASE_WORKER_STATEMENT_TIMEOUT="900")[0]["options"]
        == "-c statement_timeout=900000 -c random_page_cost=1.1"
    )


@pytest.mark.smoke
@pytest.mark.parametrize("command", ["migrate", "seed_demo", "send_reminders", "shell"])
def test_management_commands_run_long_statements_without_a_limit(command):
    options, limit = database_settings(["manage.py", command], DATABASE_STATEMENT_TIMEOUT="30")
    assert options == {"connect_timeout": 5, "options": "-c random_page_cost=1.1"} and limit == 0


@pytest.mark.smoke
def test_options_given_in_the_database_url_are_kept():
    options, _limit = database_settings(
        ["gunicorn"], database_url=POSTGRES_URL + "?sslmode=require&connect_timeout=10&options=-c%20lock_timeout%3D1000"
    )
    assert options == {
        "sslmode": "require",
        "connect_timeout": 10,
        "options": "-c lock_timeout=1000 -c statement_timeout=30000 -c random_page_cost=1.1",
    }


@pytest.mark.smoke
def test_the_planners_random_page_cost_comes_from_the_environment_or_is_left_to_the_server():
    assert database_settings(["gunicorn"], DATABASE_RANDOM_PAGE_COST="2")[0]["options"].endswith(
        "-c random_page_cost=2.0"
    )
    assert "random_page_cost" not in database_settings(["gunicorn"], DATABASE_RANDOM_PAGE_COST="")[0]["options"]


@pytest.mark.smoke
def test_sqlite_gets_no_postgresql_options():
    options, _limit = database_settings(["gunicorn"], database_url="sqlite:////tmp/portal-timeouts.sqlite3")
    assert "connect_timeout" not in options and "options" not in options


def request_in_a_fresh_process(method, path, database_url, data=None, username=None, **env):
    """One request through the portal in a process of its own, configured by ``env`` as a web server
    is: (status, page, seconds the request took), or a failure when it hangs."""
    code = """
import json, os, sys, time
import django
django.setup()
from django.contrib.auth import get_user_model
from django.test import Client
client = Client(raise_request_exception=False)
if os.environ.get("LOGIN"):
    client.force_login(get_user_model().objects.get(username=os.environ["LOGIN"]))
started = time.monotonic()
response = getattr(client, os.environ["METHOD"])(os.environ["URL_PATH"], json.loads(os.environ["DATA"]))
print(json.dumps([response.status_code, response.content.decode(), time.monotonic() - started]))
"""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    environment |= {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "test",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": database_url,
        "METHOD": method,
        "URL_PATH": path,
        "DATA": json.dumps(data or {}),
        "LOGIN": username or "",
    }
    try:
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=environment | env, capture_output=True, text=True, timeout=HANG
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{method.upper()} {path} still waited for the database after {HANG} s")
    assert result.returncode == 0, result.stderr
    return tuple(json.loads(result.stdout.strip().splitlines()[-1])), result.stderr


def url_of_the_test_database(host=None, port=None):
    """The URL of the test database (or of another server at ``host``:``port``)."""
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{host or db['HOST']}:{port or db['PORT']}/{db['NAME']}"


@contextmanager
def table_locked(model):
    """Another session holds ``model``'s table exclusively: every statement reading it waits."""
    with psycopg.connect(**connection.get_connection_params()) as other:
        other.execute(f'LOCK TABLE "{model._meta.db_table}" IN ACCESS EXCLUSIVE MODE')
        try:
            yield
        finally:
            other.rollback()


@contextmanager
def silent_server():
    """A TCP server on 127.0.0.1 that accepts connections and never says a word."""
    server = socket.create_server(("127.0.0.1", 0))
    held, stop = [], threading.Event()

    def accept():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_statement_over_the_timeout_gets_the_error_page_not_a_hang(sales_a):
    assert connection.vendor == "postgresql", "the statement timeout is PostgreSQL's"
    with table_locked(Order):
        (status, page, seconds), log = request_in_a_fresh_process(
            "get",
            reverse("expiring") + "?window=all",
            url_of_the_test_database(),
            username=sales_a.username,
            DATABASE_STATEMENT_TIMEOUT="0.3",
        )
    assert status == 500
    assert "Something went wrong" in page and "Please try again in a moment" in page
    assert seconds < 5
    assert "canceling statement due to statement timeout" in log


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_database_that_accepts_and_never_answers_fails_within_the_connect_timeout():
    assert connection.vendor == "postgresql", "the connect timeout is libpq's"
    with silent_server() as port:
        (status, page, seconds), log = request_in_a_fresh_process(
            "post",
            reverse("login"),
            url_of_the_test_database(host="127.0.0.1", port=port),
            data={"username": "acme-sales", "password": "demo-pass-2026"},
            DATABASE_CONNECT_TIMEOUT="2",  # libpq's smallest
        )
    assert status == 500
    assert "Something went wrong" in page
    assert 1.5 < seconds < 8
    assert "timeout" in log
