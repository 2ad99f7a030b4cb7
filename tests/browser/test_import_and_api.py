"""Issue 16's "done when", walked in Chromium against the live server: a partner admin imports a
CertCentral export and a folder of PEM files into an empty partner, sees the dashboard fill with the
right windows, and a script renews an order through the API with a token, receiving a signed webhook.

The samples are ``scripts/make_sample_pems.py``'s (``docs/samples/`` holds a set), written afresh for
the day the test runs so that their orders fall in every window. The import pages are read in English
and in Korean. The import's task runs in a thread of its own, as in a Celery worker (the dry run at
once, as ``CELERY_TASK_ALWAYS_EAGER`` does), 5 rows a batch, and stops half way until the test has
seen the progress bar there; the page then polls on by itself until the import is done.
"""

import csv
import itertools
import json
import socket
import subprocess
import sys
import threading
import uuid
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cryptography import x509
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

import imports.services
import imports.tasks
from api.models import ApiToken, DeliveryStatus, WebhookDelivery
from demo.seeding import seed_products
from imports.models import ImportJob, ImportKind, ImportStatus
from partners.models import Role
from renewals.models import Certificate, Order, OrderStatus
from tests.factories import PASSWORD, MembershipFactory, PartnerFactory, UserFactory

from .conftest import log_in
from .test_content_security_policy import watch_for_violations

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).parent / "screenshots"
SEOUL = ZoneInfo("Asia/Seoul")
ORDER_RENEWED_BY_SCRIPT = "1100207"
# The dashboard's windows with the default thresholds (90, 60, 30, 7): (key, fewest, most days left).
WINDOWS = [("expired", -6, -1), ("7", 0, 7), ("30", 8, 30), ("60", 31, 60), ("90", 61, 90), ("later", 91, None)]
CANCELLED = {"revoked", "canceled", "cancelled", "rejected"}


# --- the samples and what their dates imply ---


@pytest.fixture
def samples(tmp_path):
    today = timezone.localdate(timezone=SEOUL)
    folder = tmp_path / "samples"
    script = ROOT / "scripts" / "make_sample_pems.py"
    subprocess.run(
        [sys.executable, script, "--out", folder, "--today", today.isoformat()],
        check=True,
        timeout=60,
        capture_output=True,
    )
    return folder, today


def expected_dashboard(folder, today, now):
    """``{window: (renew, reissue)}`` and the total, worked out from the files alone: an order expires
    on its certificate's last day (never after its term); a certificate of a server that is not the
    export's (another serial), still valid, for an order's name and within its term serves the order
    when it ends later; an order whose certificate ends before its term needs a reissue."""
    with open(folder / "certcentral-export.csv", encoding="utf-8") as stream:
        rows = [row for row in csv.DictReader(stream) if row["Status"].casefold() not in CANCELLED]
    term_end = {row["Common Name"]: date.fromisoformat(row["Order Valid Till"]) for row in rows}
    expires = {
        row["Common Name"]: min(date.fromisoformat(row["Valid Till"]), term_end[row["Common Name"]]) for row in rows
    }
    exported = {int(row["Serial Number"], 16) for row in rows}
    for path in sorted((folder / "pem").glob("*.pem")):
        certificate = x509.load_pem_x509_certificate(path.read_bytes())
        if certificate.serial_number in exported or certificate.not_valid_after_utc <= now:
            continue
        last_day = certificate.not_valid_after_utc.astimezone(SEOUL).date()
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        for name in names.get_values_for_type(x509.DNSName):
            if name in expires and last_day <= term_end[name]:
                expires[name] = max(expires[name], last_day)
    counts = {}
    for key, fewest, most in WINDOWS:
        inside = [name for name, day in expires.items() if fewest <= (day - today).days <= (most or 10**6)]
        counts[key] = (
            sum(1 for name in inside if expires[name] == term_end[name]),
            sum(1 for name in inside if expires[name] < term_end[name]),
        )
    return counts, len(expires)


# --- an empty partner, and a worker for the import's task ---


@pytest.fixture
def empty_partner(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    seed_products()  # the CA's catalogue is the portal's, not the partner's
    partner = PartnerFactory(name="Namsan Web Services", slug="namsan", time_zone="Asia/Seoul", language="en")
    MembershipFactory(partner=partner, role=Role.ADMIN, user=UserFactory(username="namsan-admin"))
    return partner


class ImportWorker:
    """Stands in for the Celery worker (``imports.tasks.run_import.delay``): an import of orders runs in
    a thread of its own and waits before its third batch until ``resume``; other phases run at once."""

    PAUSE_BEFORE_BATCH = 3

    def __init__(self):
        self.paused, self.resume = threading.Event(), threading.Event()
        self.threads = []

    def delay(self, job_id):
        job = ImportJob.objects.get(pk=job_id)
        if job.status != ImportStatus.IMPORTING or job.kind != ImportKind.ORDERS:
            imports.services.run_phase(job_id)
            return
        thread = threading.Thread(target=self.work, args=(job_id,), daemon=True)
        self.threads.append(thread)
        thread.start()

    def work(self, job_id):
        try:
            imports.services.run_phase(job_id)
        finally:
            connection.close()

    def gate(self, processor_for):
        def gated(job, *, write):
            processor = processor_for(job, write=write)
            if write and job.kind == ImportKind.ORDERS:
                process, batches = processor.process, itertools.count(1)

                def process_after_the_gate(batch):
                    if next(batches) == self.PAUSE_BEFORE_BATCH:
                        self.paused.set()
                        assert self.resume.wait(30), "the test never let the import go on"
                    return process(batch)

                processor.process = process_after_the_gate
            return processor

        return gated


@pytest.fixture
def worker(monkeypatch):
    worker = ImportWorker()
    monkeypatch.setattr(imports.services, "BATCH", 5)
    monkeypatch.setattr(imports.services, "processor_for", worker.gate(imports.services.processor_for))
    monkeypatch.setattr(imports.tasks, "run_import", worker)
    yield worker
    worker.resume.set()
    for thread in worker.threads:
        thread.join(30)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the pages ---


def switch_language(page, name, lang):
    page.get_by_test_id("language-switcher").get_by_role("button", name=name).click()
    page.wait_for_selector(f"html[lang={lang}]")


def upload(page, kind, path):
    page.goto("/import/")
    form = page.get_by_test_id("import-upload-form")
    form.locator("select[name=kind]").select_option(kind)
    form.locator("input[name=file]").set_input_files(path)
    form.locator("button").click()
    page.wait_for_url("**/import/*/")


def import_price_list(page, path):
    upload(page, ImportKind.PRICES, path)
    page.get_by_test_id("start-dry-run").click()
    page.get_by_test_id("import-run").click()
    expect(page.get_by_test_id("import-done")).to_be_visible()


def import_the_export(page, path, worker, partner):
    """Upload, the columns matched out of the box, the dry run read in English and Korean, then the
    import with its progress bar, in Korean."""
    upload(page, ImportKind.ORDERS, path)
    mapping = page.get_by_test_id("mapping-form")
    for field, column in {
        "order_number": "Order #",
        "company_name": "Organization",
        "product": "Product",
        "common_name": "Common Name",
        "sans": "SANs",
        "plan_years": "Validity",
        "term_start": "Order Valid From",
        "term_end": "Order Valid Till",
        "valid_from": "Valid From",
        "valid_till": "Valid Till",
        "status": "Status",
        "serial": "Serial Number",
        "email": "Email",
        "contact_name": "Requested By",
    }.items():
        expect(mapping.locator(f"select[name={field}]")).to_have_value(column)
    mapping.get_by_test_id("start-dry-run").click()
    expect(page.get_by_test_id("dry-run-summary")).to_be_visible()
    rows = page.get_by_test_id("import-rows").locator("tbody tr")
    expect(rows).to_have_count(20)
    expect(page.get_by_test_id("import-rows").locator("tr[data-outcome=created]")).to_have_count(20)
    assert not Order.objects.for_partner(partner).exists()  # a dry run writes nothing
    page.screenshot(path=SCREENSHOTS / "import-dry-run-en.png", full_page=True)

    # Read in Korean, checked again: the rows are described in the language of whoever runs the check.
    switch_language(page, "한국어", "ko")
    page.get_by_test_id("start-dry-run").click()
    expect(page.get_by_test_id("import-rows").locator("tbody tr").first).to_contain_text("새 고객 Aurora Trading Co.")
    expect(page.get_by_test_id("import-rows").locator("tr[data-outcome=created]")).to_have_count(20)
    page.screenshot(path=SCREENSHOTS / "import-dry-run-ko.png", full_page=True)

    page.get_by_test_id("import-run").click()
    assert worker.paused.wait(15), "the import did not start"
    # Ten of twenty rows are committed; the page's polling shows them without a reload.
    bar = page.locator("#import-progress-bar")
    expect(bar).to_have_attribute("value", "50", timeout=10_000)
    expect(page.get_by_test_id("import-counts")).to_contain_text("10")
    page.screenshot(path=SCREENSHOTS / "import-progress-ko.png", full_page=True)
    worker.resume.set()
    # The polling answer that finds the task done reloads the page (HX-Refresh): the test does not.
    expect(page.get_by_test_id("import-done")).to_be_visible(timeout=20_000)
    expect(bar).to_have_attribute("value", "100")


def import_the_certificates(page, folder):
    """The folder's PEM files, previewed then recorded (those matched to an order are ticked)."""
    page.goto("/import/certificates/")
    files = sorted((folder / "pem").glob("*.pem"))
    page.get_by_test_id("certificate-upload-form").locator("input[name=files]").set_input_files(files)
    page.get_by_test_id("certificate-upload-form").locator("button").click()
    preview = page.get_by_test_id("certificate-preview")
    expect(preview.get_by_test_id("certificate-row")).to_have_count(len(files))
    outcome = {path.name: preview.get_by_test_id("certificate-row").nth(i) for i, path in enumerate(files)}
    expect(outcome["shop.aurora-trading.example.pem"].locator("input[type=checkbox]")).to_be_checked()
    expect(outcome["shop.aurora-trading.example.pem"]).to_contain_text("1100204")
    expect(outcome["portal.blueharbor.example.pem"].locator("input[type=checkbox]")).to_be_checked()
    expect(outcome["portal.blueharbor.example.pem"]).to_contain_text("1100212")
    # The export's own certificate (same serial) is known already; an expired one is refused; a name
    # no order has is offered as a new order, left unticked.
    expect(outcome["order.cheongsol.example.pem"].locator("input[type=checkbox]")).to_have_count(0)
    expect(outcome["order.cheongsol.example.pem"]).to_contain_text("1100207")
    expect(outcome["aurora-legacy.example.pem"].locator("input[type=checkbox]")).to_have_count(0)
    expect(outcome["aurora-legacy.example.pem"].locator(".text-danger")).to_contain_text("1100202")
    expect(outcome["intranet.mirae-clinic.example.pem"].locator("input[type=checkbox]")).not_to_be_checked()
    expect(outcome["intranet.mirae-clinic.example.pem"].locator("[name$=account_number]")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "import-certificates-ko.png", full_page=True)
    page.get_by_test_id("certificate-record").click()
    # Recorded: the page lists the same certificates, the two recorded now without a box to tick.
    expect(outcome["shop.aurora-trading.example.pem"].locator("input[type=checkbox]")).to_have_count(0)
    expect(outcome["portal.blueharbor.example.pem"].locator("input[type=checkbox]")).to_have_count(0)


def check_the_dashboard(page, folder, today):
    counts, total = expected_dashboard(folder, today, datetime.now(SEOUL))
    assert total == 19 and sum(sum(pair) for pair in counts.values()) < total  # one order lapsed long ago
    page.goto("/expiring/")
    for key, (renew, reissue) in counts.items():
        expect(page.get_by_test_id(f"window-count-{key}")).to_have_text(str(renew + reissue))
    expect(page.get_by_test_id("window-count-all")).to_have_text(str(total))
    page.screenshot(path=SCREENSHOTS / "import-dashboard-en.png", full_page=True)
    page.goto("/")
    for key, (renew, reissue) in counts.items():
        expect(page.get_by_test_id(f"renew-{key}")).to_have_text(str(renew))
        expect(page.get_by_test_id(f"reissue-{key}")).to_have_text(str(reissue))
    return counts


def create_token(page):
    page.goto("/settings/api/")
    form = page.get_by_test_id("token-form")
    form.locator("[name=name]").fill("Billing script")
    form.locator("[name=scope]").select_option("read_write")
    form.locator("button").click()
    secret = page.get_by_test_id("token-secret").inner_text().strip()
    assert secret.startswith("rpt_")
    page.screenshot(path=SCREENSHOTS / "api-tokens-en.png", full_page=True)
    page.goto("/settings/api/")  # shown once: the list names it by its first characters only
    expect(page.get_by_test_id("token-list")).to_contain_text(secret[:12])
    assert secret not in page.content()
    return secret


def register_webhook(page, url):
    page.goto("/settings/webhooks/")
    form = page.get_by_test_id("webhook-form")
    form.locator("[name=url]").fill(url)
    form.locator("input[name=events][value='order.renewed']").check()
    form.locator("button").click()
    page.wait_for_url("**/settings/webhooks/*/")
    return page.get_by_test_id("webhook-secret").inner_text().strip()


def run_script(*arguments):
    script = ROOT / "scripts" / "api_renew_example.py"
    done = subprocess.run(
        [sys.executable, script, *arguments, "--json"], capture_output=True, text=True, timeout=90, check=False
    )
    assert done.stderr == "", done.stderr
    return done.returncode, json.loads(done.stdout)


# --- the walk ---


def test_an_admin_imports_a_certcentral_export_and_pems_and_a_script_renews_through_the_api(
    page, live_server, empty_partner, samples, worker
):
    partner, (folder, today) = empty_partner, samples
    violations = watch_for_violations(page)
    log_in(page, "namsan-admin", PASSWORD)

    import_price_list(page, folder / "price-list.csv")
    import_the_export(page, folder / "certcentral-export.csv", worker, partner)
    orders = Order.objects.for_partner(partner)
    assert orders.count() == 20 and orders.filter(status=OrderStatus.CANCELLED).count() == 1
    assert Certificate.objects.filter(order__partner=partner).count() == 20  # the export's serials

    import_the_certificates(page, folder)
    assert Certificate.objects.filter(order__partner=partner).count() == 22
    switch_language(page, "English", "en")
    counts = check_the_dashboard(page, folder, today)
    assert counts["30"][0] >= 1  # 1100207, ending in 20 days, is a term to renew

    token = create_token(page)
    port = free_port()
    secret = register_webhook(page, f"http://127.0.0.1:{port}/portal-hooks")

    key = str(uuid.uuid4())
    common = ["--base-url", live_server.url, "--token", token, "--idempotency-key", key]
    code, outcome = run_script(
        ORDER_RENEWED_BY_SCRIPT, *common, "--listen", f"127.0.0.1:{port}", "--webhook-secret", secret, "--wait", "20"
    )
    assert code == 0, outcome
    assert (outcome["status"], outcome["response"]["created"], outcome["replayed"]) == (201, True, False)
    renewal = Order.objects.for_partner(partner).get(renewed_from__order_number=ORDER_RENEWED_BY_SCRIPT)
    assert outcome["response"]["renewal"]["order_number"] == renewal.order_number
    assert renewal.price == 590000  # the imported price list's one-year Secure Site OV
    webhook = outcome["webhook"]
    assert webhook["verified"] and webhook["type"] == "order.renewed" and outcome["refused_webhooks"] == 0
    assert webhook["data"]["order"]["order_number"] == ORDER_RENEWED_BY_SCRIPT
    assert webhook["data"]["renewal"]["order_number"] == renewal.order_number

    # A retry with the same key (an answer lost on the way) gets the first answer; nothing happens twice.
    code, again = run_script(ORDER_RENEWED_BY_SCRIPT, *common)
    assert code == 0 and again["replayed"] and again["response"] == outcome["response"]
    assert Order.objects.filter(renewed_from__order_number=ORDER_RENEWED_BY_SCRIPT).count() == 1
    [delivery] = WebhookDelivery.objects.filter(endpoint__partner=partner)
    assert (delivery.status, delivery.response_code) == (DeliveryStatus.DELIVERED, 200)
    assert ApiToken.objects.for_partner(partner).get().last_used_at is not None

    page.reload()
    expect(page.get_by_test_id("delivery-list")).to_contain_text("order.renewed")
    expect(page.get_by_test_id("delivery-list")).to_contain_text("200")

    # The API's reference: the schema's operations, rendered without a script the policy would block.
    page.goto("/api/docs/")
    expect(page.locator("code", has_text="/api/v1/orders/{id}/renew/")).to_be_visible()
    expect(page.locator("#schema-renewresponse")).to_be_visible()
    page.locator("#post-apiv1ordersidrenew").scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "api-docs-en.png")
    assert violations == []
