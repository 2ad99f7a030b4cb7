"""An expected 403 or 404 logs one line, without a traceback, and no line is printed twice."""

import io
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.urls import reverse

pytestmark = pytest.mark.smoke

ROOT = Path(__file__).resolve().parent.parent


def configured_stream_handlers(logger_name):
    """The stream handlers set up by logging configuration (Django's defaults and LOGGING) that a
    record of ``logger_name`` reaches; pytest's own capture handlers are left out."""
    handlers, logger = [], logging.getLogger(logger_name)
    while logger:
        handlers += [h for h in logger.handlers if isinstance(h, logging.StreamHandler) and h.name]
        if not logger.propagate:
            break
        logger = logger.parent
    return handlers


@contextmanager
def console_output():
    """What the console handlers print for django.request, as an operator reads it."""
    buffer = io.StringIO()
    handlers = configured_stream_handlers("django.request")
    assert handlers, "nothing would print django.request's lines"
    previous = [handler.setStream(buffer) for handler in handlers]
    try:
        yield buffer
    finally:
        for handler, stream in zip(handlers, previous, strict=True):
            handler.setStream(stream)


@pytest.fixture
def printed():
    with console_output() as buffer:
        yield buffer


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.mark.django_db
def test_a_404_prints_one_line_without_a_traceback(client, sales_a, order_b, debug, printed):
    client.force_login(sales_a)
    url = reverse("order-detail", args=[order_b.order_number])
    assert client.get(url).status_code == 404
    lines = printed.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert f"WARNING django.request Not Found: {url}" in lines[0]


@pytest.mark.django_db
def test_a_403_prints_one_line_without_a_traceback(client, sales_a, partner_b, debug, printed):
    client.force_login(sales_a)
    assert client.post(reverse("switch-partner"), {"partner": partner_b.pk}).status_code == 403
    lines = printed.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert "WARNING django.request Forbidden (Permission denied): /partner/switch/" in lines[0]


def test_a_server_error_keeps_its_traceback():
    """Only expected client errors lose their traceback; a 500 still shows where it failed."""
    with console_output() as printed:
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            logger = logging.getLogger("django.request")
            logger.error("Internal Server Error: /x", exc_info=True, extra={"status_code": 500})
    assert "Traceback" in printed.getvalue() and "RuntimeError: boom" in printed.getvalue()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url, data=None):
    try:
        with urllib.request.urlopen(url, data=data, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_development_server_prints_one_line_per_request(tmp_path):
    """runserver in development (DEBUG on), as the run command starts it: a 404 and a 403 are one line
    each (django.request's), a 200 its access line."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")} | {
        "DJANGO_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PYTHONUNBUFFERED": "1",
    }
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "runserver did not start"
                time.sleep(0.2)
        assert fetch(f"{base}/no-such-page/") == 404
        assert fetch(f"{base}/partner/switch/", data=b"partner=1") == 403  # no CSRF cookie
        assert fetch(f"{base}/accounts/login/") == 200
        time.sleep(1)  # the access line is written after the response has gone out
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=20)
    # "<date> <time> LEVEL logger message", one per request, in the order the threads finished.
    lines = sorted(line.split(" ", 2)[-1] for line in stderr.splitlines() if " django." in line)
    assert len(lines) == 3, stderr
    assert lines[0] == 'INFO django.server "GET /accounts/login/ HTTP/1.1" 200 ' + lines[0].rsplit(" ", 1)[-1]
    assert lines[1:] == [
        "WARNING django.request Not Found: /no-such-page/",
        "WARNING django.security.csrf Forbidden (CSRF cookie not set.): /partner/switch/",
    ]
    assert "Traceback" not in stderr
