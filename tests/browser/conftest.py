"""Real Chromium (Debian's) against pytest-django's live server, through pytest-playwright's fixtures
(``browser``, ``context``, ``page``, ``new_context``): only the launch and the context are set here.
Playwright never downloads a browser: it launches the system's Chromium."""

import os
import shutil
from dataclasses import replace
from datetime import date

import pytest
from django.core.management import call_command

from demo import seeding

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1400, "height": 900}


def chromium_path():
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail("Chromium is missing: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH.")
    return path


@pytest.fixture(scope="session")
def playwright(playwright):
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test setup are
    # still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield playwright
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": chromium_path(), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(live_server):
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Every page opens ``base_url`` in English at a desktop size; a module or test that needs
    another size says so with ``@pytest.mark.browser_context_args(viewport=...)``."""
    return {**browser_context_args, "locale": "en-US", "viewport": VIEWPORT}


@pytest.fixture
def context(context):
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def demo_data(transactional_db, monkeypatch):
    """The demo without its reminder history (``tests/demo`` pins it): it doubles the seed's time,
    and the flows here make the reminders they read."""
    without = [replace(spec, reminder_history=False) for spec in seeding.DEMO_PARTNERS]
    monkeypatch.setattr(seeding, "DEMO_PARTNERS", without)
    call_command("seed_demo", today=date.today(), no_progress=True, verbosity=0)


def log_in(page, username, password="demo-pass-2026"):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
