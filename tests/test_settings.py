"""The production settings pass Django's deployment checks, send the language cookie over HTTPS only and
count failed logins per client behind the proxy; the app keeps to its own Celery queue and Redis keys, so
two apps sharing one Redis never run each other's tasks."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings

from config.celery_app import app as celery_app

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.smoke


def run_manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")} | env
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_check_deploy():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY="k3y-" + "x7Qp9!vR2#mZ" * 5,
        DJANGO_ALLOWED_HOSTS="portal.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DJANGO_ENV="production", DJANGO_ALLOWED_HOSTS="portal.example.com")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def settings_values(*names, **env):
    """Settings as a fresh process reads them from ``env`` (the queue and prefix variables unset otherwise)."""
    code = f"import json; from django.conf import settings as s; print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    environment = {k: v for k, v in os.environ.items() if k not in ("CELERY_TASK_DEFAULT_QUEUE", "REDIS_KEY_PREFIX")}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={k: v for k, v in environment.items() if not k.startswith("DJANGO_")} | env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_tasks_queue_and_redis_keys_are_the_apps_own_by_default():
    values = settings_values("CELERY_TASK_DEFAULT_QUEUE", "CELERY_BROKER_TRANSPORT_OPTIONS", "CACHES")
    assert values["CELERY_TASK_DEFAULT_QUEUE"] == "renewal-portal"
    assert values["CELERY_BROKER_TRANSPORT_OPTIONS"]["global_keyprefix"] == "renewal-portal:"
    assert values["CACHES"]["default"]["KEY_PREFIX"] == "renewal-portal"


def test_queue_and_key_prefix_come_from_the_environment():
    values = settings_values(
        "CELERY_TASK_DEFAULT_QUEUE",
        "CELERY_BROKER_TRANSPORT_OPTIONS",
        "CACHES",
        CELERY_TASK_DEFAULT_QUEUE="portal-staging",
        REDIS_KEY_PREFIX="staging",
    )
    assert values["CELERY_TASK_DEFAULT_QUEUE"] == "portal-staging"
    assert values["CELERY_BROKER_TRANSPORT_OPTIONS"]["global_keyprefix"] == "staging:"
    assert values["CACHES"]["default"]["KEY_PREFIX"] == "staging"


@pytest.mark.parametrize("task", ["notifications.sweep_reminders", "notifications.send_outbox"])
def test_every_task_is_routed_to_the_apps_queue(task):
    assert celery_app.amqp.router.route({}, task)["queue"].name == settings.CELERY_TASK_DEFAULT_QUEUE


def procfile_worker_argv(**env):
    """The worker's command line from the Procfile as the shell expands it (honcho runs each line in one)."""
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("worker:"))
    environment = {k: v for k, v in os.environ.items() if k != "CELERY_TASK_DEFAULT_QUEUE"} | env
    script = f'set -- {line.removeprefix("worker:")}; printf "%s\\n" "$@"'
    result = subprocess.run(["sh", "-c", script], env=environment, capture_output=True, text=True, check=True)
    return result.stdout.splitlines()


def queue_option(argv):
    for flag in ("--queues", "-Q"):
        if flag in argv:
            return argv[argv.index(flag) + 1]
    return next(arg.split("=", 1)[1] for arg in argv if arg.startswith("--queues="))


def test_the_procfile_worker_consumes_the_apps_queue():
    default = settings_values("CELERY_TASK_DEFAULT_QUEUE")["CELERY_TASK_DEFAULT_QUEUE"]
    assert procfile_worker_argv()[:4] == ["celery", "-A", "config", "worker"]
    assert queue_option(procfile_worker_argv()) == default
    assert queue_option(procfile_worker_argv(CELERY_TASK_DEFAULT_QUEUE="portal-staging")) == "portal-staging"


@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_a_queued_task_waits_in_redis_under_the_apps_key_prefix():
    """Another app on the same Redis (other prefix, or none) sees no trace of the message."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    prefix = settings.CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"]
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        celery_app.send_task("notifications.send_outbox", queue=queue)
        assert client.llen(f"{prefix}{queue}") == 1 and not client.exists(queue)
        assert client.keys(f"*{queue}*") and all(key.startswith(prefix.encode()) for key in client.keys(f"*{queue}*"))
    finally:
        for key in client.keys(f"*{queue}*"):
            client.delete(key)


PRODUCTION = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "k3y-" + "x7Qp9!vR2#mZ" * 5,
    "DJANGO_ALLOWED_HOSTS": "portal.example.com",
}


def test_production_sends_the_language_cookie_over_https_only_and_to_this_site_only():
    """The cookie a browser gets when choosing a language on the production site."""
    code = (
        "from django.test import Client; "
        "response = Client(HTTP_HOST='portal.example.com').post('/i18n/setlang/', {'language': 'ko'}, secure=True); "
        "print(response.cookies['django_language'].output())"
    )
    result = run_manage("shell", "-c", code, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    attributes = {part.strip().lower() for part in result.stdout.strip().splitlines()[-1].split(";")}
    assert "set-cookie: django_language=ko" in attributes
    assert {"secure", "httponly", "samesite=lax"} <= attributes


def test_production_counts_failed_logins_per_client_behind_one_proxy():
    assert settings_values("TRUSTED_PROXY_COUNT", **PRODUCTION)["TRUSTED_PROXY_COUNT"] == 1
    assert (
        settings_values("TRUSTED_PROXY_COUNT", **PRODUCTION, DJANGO_TRUSTED_PROXY_COUNT="2")["TRUSTED_PROXY_COUNT"] == 2
    )
    assert settings_values("TRUSTED_PROXY_COUNT")["TRUSTED_PROXY_COUNT"] == 0
