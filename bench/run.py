"""Benchmarks at partner-network size: the dashboard, the reminder sweep and sending, against floors.

Run through ``make bench`` (``scripts/bench.sh``), which starts PostgreSQL like the test command and
builds a fresh database. Prints one table and writes ``bench/results/latest.json``. Times are
wall-clock on this machine; each figure's *floor* does the same work with nothing of the application
around it (a page's recorded SQL replayed in its transaction, the sweep's writes as bare set-based SQL,
pre-built messages through one SMTP connection), so ``ratio`` (median / floor) shows what the
application adds. The tables are vacuumed and analysed after the load and after every section that
writes (autovacuum may be off), and the run records the server's settings and the machine's load.
Nothing here asserts a time.
"""

import argparse
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import time
import tracemalloc
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_smtp_sink():
    """A local SMTP server that accepts and drops everything, in its own process."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    return process, port


def configure_django(smtp_port):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.update(
        DJANGO_ENV="development",
        DJANGO_DEBUG="false",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        DJANGO_ALLOWED_HOSTS="testserver,localhost",
    )
    import django

    django.setup()


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(int(round(fraction * (len(ordered) - 1))), len(ordered) - 1)]


def timed(function, repeat):
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), percentile(samples, 0.95)


def peak_mb(function):
    tracemalloc.start()
    tracemalloc.reset_peak()
    function()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


class Results:
    def __init__(self):
        self.rows = []

    def add(self, operation, rows, median, p95, queries, floor, peak=None, **extra):
        self.rows.append(
            {
                "operation": operation,
                "rows": rows,
                "median_ms": round(median, 2),
                "p95_ms": round(p95, 2),
                "queries": queries,
                "floor_ms": round(floor, 2) if floor is not None else None,
                "ratio": round(median / floor, 2) if floor else None,
                "peak_mb": round(peak, 1) if peak is not None else None,
                **extra,
            }
        )
        print(f"  {operation}: median {median:.1f} ms, p95 {p95:.1f} ms, floor {floor or 0:.1f} ms", flush=True)

    def table(self):
        head = ["operation", "rows", "median_ms", "p95_ms", "queries", "floor_ms", "ratio", "peak_mb"]
        lines = [head] + [[("" if row[k] is None else str(row[k])) for k in head] for row in self.rows]
        widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
        out = []
        for index, line in enumerate(lines):
            out.append(
                "  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(line))
            )
            if index == 0:
                out.append("  ".join("-" * width for width in widths))
        return "\n".join(out)


def seed(scale, partners, largest):
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("seed_demo", scale=scale, partners=partners, largest=largest, verbosity=1)
    return (time.perf_counter() - started) * 1000


def recorded(function):
    """``(result, statements)``: every statement ``function`` ran, as sent to the server (Django's
    ``CaptureQueriesContext`` records them whatever DEBUG says)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        result = function()
    return result, [query["sql"] for query in captured.captured_queries]


# A queryset read with ``.iterator()`` on PostgreSQL is recorded as the server-side cursor it opened;
# the floor runs its query plainly (a replayed DECLARE would leave a held cursor behind).
SERVER_SIDE_CURSOR = re.compile(r'^DECLARE "[^"]+" NO SCROLL CURSOR WITH(?:OUT)? HOLD FOR ', re.IGNORECASE)


def replay_floor(statements, repeat, atomic=False):
    """Time the bare SQL of a request, as recorded, through the same connection. The statements are
    the text the server received (parameters bound into it), so they run again as they are; with
    ``atomic``, inside one transaction as the measured code ran them."""
    from django.db import connection, transaction

    statements = [
        SERVER_SIDE_CURSOR.sub("", sql, count=1) for sql in statements if not sql.startswith(("SAVEPOINT", "RELEASE"))
    ]

    def run():
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                if cursor.description:
                    while cursor.fetchmany(2000):  # a streamed export's rows, a chunk at a time
                        pass

    if atomic:
        plain = run

        def run():
            with transaction.atomic():
                plain()

    return timed(run, repeat)[0]


def count_rows(response):
    return response.content.count(b'data-testid="order-row"') or 1


def bench_page(results, client, label, url, repeat, rows_of=count_rows):
    client.get(url)  # warm caches and connections
    response, statements = recorded(lambda: client.get(url))
    assert response.status_code == 200, (url, response.status_code)
    median, p95 = timed(lambda: client.get(url), repeat)
    results.add(label, rows_of(response), median, p95, len(statements), replay_floor(statements, repeat))


def bench_dashboard(results, partner, repeat):
    from django.test import Client

    from renewals.models import Order
    from renewals.windows import partner_windows

    client = Client()
    client.force_login(partner.memberships.get(role="admin", user__username=f"{partner.slug}-admin").user)
    for window in [w.key for w in partner_windows(partner)] + ["all"]:
        bench_page(results, client, f"dashboard window={window}", f"/expiring/?window={window}", repeat)
    product = Order.objects.for_partner(partner).values_list("product_id", flat=True).first()
    bench_page(
        results,
        client,
        "dashboard filter product+notices",
        f"/expiring/?window=90&product={product}&notices=on",
        repeat,
    )
    # A surname, as staff search for a customer: about one row in twenty matches in the demo names;
    # then a selective term (one order's domain label) and a whole order number.
    bench_page(results, client, "dashboard search, broad (smith)", "/expiring/?window=all&q=smith", repeat)
    sample = Order.objects.for_partner(partner).order_by("id")[1000]
    label = sample.common_name.removeprefix("*.").removeprefix("www.").split(".")[0]
    bench_page(results, client, f"dashboard search, selective ({label})", f"/expiring/?window=all&q={label}", repeat)
    number = sample.order_number
    bench_page(results, client, "dashboard search, order number", f"/expiring/?window=all&q={number}", repeat)
    bench_page(results, client, "dashboard sort -expires", "/expiring/?window=all&sort=-expires", repeat)
    bench_page(results, client, "dashboard page 100 of all", "/expiring/?window=all&page=100", repeat)
    order = Order.objects.for_partner(partner).order_by("expires_on").first()
    bench_page(results, client, "quick view", f"/orders/{order.order_number}/", repeat, lambda response: 1)
    bench_export(results, client, max(repeat // 4, 3))


def bench_reports(results, partner, repeat):
    """The home page (the renewal cockpit), /reports/ over the default six months and over 24, and
    each chart's CSV; floors are each request's recorded SQL, replayed."""
    from django.test import Client
    from django.utils import timezone

    from reports.report import BUILDERS

    client = Client()
    client.force_login(partner.memberships.get(role="admin", user__username=f"{partner.slug}-admin").user)
    one = lambda response: 1  # noqa: E731
    bench_page(results, client, "home (cockpit)", "/", repeat, one)
    bench_page(results, client, "reports, 6 months", "/reports/", repeat, one)
    today = timezone.localdate(timezone=partner.tzinfo)
    if today.month == 12:
        longest = f"start={today.year - 1}-01&end={today.year}-12"
    else:
        longest = f"start={today.year - 2}-{today.month + 1:02d}&end={today.year}-{today.month:02d}"
    bench_page(results, client, "reports, 24 months", f"/reports/?{longest}", repeat, one)
    for name in BUILDERS:
        bench_page(results, client, f"reports csv {name}", f"/reports/?format=csv&chart={name}", repeat, one)


def bench_export(results, client, repeat):
    """The CSV export of every order; its floor is the export's own SQL, recorded and replayed."""

    def export():
        response = client.get("/expiring/?window=all&format=csv")
        return sum(chunk.count(b"\n") for chunk in response.streaming_content) - 1

    export()  # warm caches and connections
    count, statements = recorded(export)
    median, p95 = timed(export, repeat)
    floor_ms = replay_floor(statements, repeat)
    results.add("csv export", count, median, p95, len(statements), floor_ms, peak=peak_mb(export))


def prepare_due(partner_ids, count, now):
    """Make ``count`` orders due now, each with a reminder to record (their own are cleared)."""

    from notifications.models import OutboxEmail, Reminder
    from renewals.models import Order

    ids = list(
        Order.objects.filter(
            partner_id__in=partner_ids,
            renewal_notices=True,
            renewal__isnull=True,
            term_end__gte=now.date() + timedelta(days=8),
            term_end__lte=now.date() + timedelta(days=88),
        )
        .order_by("id")
        .values_list("id", flat=True)[:count]
    )
    OutboxEmail.objects.filter(items__reminder__order_id__in=ids).delete()
    Reminder.objects.filter(order_id__in=ids).delete()
    Order.objects.filter(pk__in=ids).update(next_reminder_at=now - timedelta(minutes=1))
    return ids


def bench_sweep(results, repeat):
    from django.utils import timezone

    from notifications.sweep import run_sweep
    from partners.models import Partner

    now = timezone.now()
    run_sweep(now=now)  # today's real due reminders, so "nothing due" is true
    vacuum_analyze()
    _result, statements = recorded(lambda: run_sweep(now=now))
    median, p95 = timed(lambda: run_sweep(now=now), repeat * 5)
    # The floor: the same statements, replayed (with nothing due, one indexed probe and no transaction).
    floor = replay_floor(statements, repeat * 5)
    results.add("sweep, nothing due", 0, median, p95, len(statements), floor)

    partner_ids = list(Partner.objects.values_list("id", flat=True))
    samples, cpu, counts = [], [], []
    for _ in range(max(repeat // 3, 5)):
        ids = prepare_due(partner_ids, 10_000, now)
        vacuum_analyze()
        started, started_cpu = time.perf_counter(), time.process_time()
        result = run_sweep(now=now)
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        counts.append(result.due)
    outcome = SweepOutcome.read(ids)
    floors = []
    for _ in range(max(repeat // 4, 3)):
        prepare_due(partner_ids, 10_000, now)
        vacuum_analyze()
        floors.append(outcome.replay(now))
    if outcome.differs_from(SweepOutcome.read(ids)):
        print("  warning: the floor's writes differ from the sweep's", flush=True)
    prepare_due(partner_ids, 10_000, now)
    vacuum_analyze()
    peak = peak_mb(lambda: run_sweep(now=now))
    vacuum_analyze()
    results.add(
        "sweep, 10,000 due",
        statistics.median(counts),
        statistics.median(samples),
        percentile(samples, 0.95),
        None,
        statistics.median(floors),
        peak=peak,
        python_cpu_ms=round(statistics.median(cpu), 1),
    )


def sweep_in_processes(now, processes):
    """``(milliseconds, reminders recorded)`` for ``processes`` sweeps at once, each in its own
    process with its own connection, as that many Celery workers would share one sweep."""
    import multiprocessing

    from django.db import connections

    connections.close_all()  # each child opens its own
    context = multiprocessing.get_context("fork")
    with context.Pool(processes) as pool:
        started = time.perf_counter()
        due = pool.map(sweep_once, [now] * processes)
        elapsed = (time.perf_counter() - started) * 1000
    return elapsed, sum(due)


def sweep_once(now):
    from notifications.sweep import run_sweep

    return run_sweep(now=now).due


def bench_sweep_workers(results, count):
    from django.utils import timezone

    from partners.models import Partner

    now = timezone.now()
    partner_ids = list(Partner.objects.values_list("id", flat=True))
    for processes in (1, 2):
        prepare_due(partner_ids, count, now)
        vacuum_analyze()
        elapsed, due = sweep_in_processes(now, processes)
        print(f"  {processes} process(es): {due:,} reminders in {elapsed:,.0f} ms", flush=True)
        results.add(f"sweep, {count:,} due, {processes} process(es)", due, elapsed, elapsed, None, None)
    prepare_due(partner_ids, count, now)  # leave them due: sending has plenty to send
    from notifications.sweep import run_sweep

    run_sweep(now=now)
    vacuum_analyze()


class SweepOutcome:
    """What a sweep of some orders wrote (reminders, digest emails, their items, next checks), and
    the same writes again as bare set-based SQL: the sweep's honest floor. ``replay`` does what the
    sweep must do per chunk of 1,000 orders, nothing less: lock the due rows with their customer,
    partner and renewal joined, read the contacts and their waiting emails, insert the reminders,
    emails and items, set the next checks, commit; only the planning (pure Python) is taken as read."""

    def __init__(self, reminders, items, emails, next_checks):
        self.reminders = reminders  # {order id: [(kind, ends_on, threshold)]}
        self.items = items  # {order id: [(contact id, kind, ends_on, threshold, address, reasons)]}
        self.emails = emails  # {contact id: (partner id, to_email, next_attempt_at, customer id)}
        self.next_checks = next_checks  # {order id: instant}

    @classmethod
    def read(cls, ids):
        from collections import defaultdict

        from notifications.models import OutboxItem, Reminder
        from renewals.models import Order

        reminders, items, emails = defaultdict(list), defaultdict(list), {}
        for reminder in Reminder.objects.filter(order_id__in=ids).order_by("order_id", "threshold_days"):
            reminders[reminder.order_id].append((reminder.kind, reminder.ends_on, reminder.threshold_days))
        for item in OutboxItem.objects.filter(reminder__order_id__in=ids).select_related("email", "reminder"):
            reminder, email = item.reminder, item.email
            items[reminder.order_id].append(
                (item.contact_id, reminder.kind, reminder.ends_on, reminder.threshold_days, item.address, item.reasons)
            )
            emails[item.contact_id] = (email.partner_id, email.to_email, email.next_attempt_at, email.customer_id)
        next_checks = dict(Order.objects.filter(pk__in=ids).values_list("id", "next_reminder_at"))
        return cls(dict(reminders), dict(items), emails, next_checks)

    def differs_from(self, other):
        key = lambda items: {order: sorted(rows) for order, rows in items.items()}  # noqa: E731
        return (
            key(self.reminders) != key(other.reminders)
            or key(self.items) != key(other.items)
            or self.next_checks != other.next_checks
            or set(self.emails) != set(other.emails)
        )

    def replay(self, now):
        """Milliseconds to write the outcome again, chunk by chunk, each chunk committed."""
        from django.conf import settings
        from django.db import connection, transaction

        from notifications.sweep import LOCK_DUE_ORDERS, array, instants

        def quoted(text):
            return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

        started = time.perf_counter()
        email_of = {}
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(LOCK_DUE_ORDERS, [now, 1000])
                rows = cursor.fetchall()
                if not rows:
                    break
                # (id, customer, partner, term_end, expires_on, status, notices, renewal, zone, partner)
                chunk = [row[0] for row in rows]
                reissuing = [row[0] for row in rows if row[4] < row[3]]
                cursor.execute(
                    "SELECT order_id, not_before, not_after FROM renewals_certificate WHERE order_id = ANY(%s::bigint[]) "
                    "ORDER BY order_id, not_after",
                    [array(reissuing)],
                )
                cursor.fetchall()
                customers = list({row[1] for row in rows})
                cursor.execute(
                    "SELECT id, customer_id, email FROM partners_contact WHERE customer_id = ANY(%s::bigint[]) "
                    "AND unsubscribed_at IS NULL ORDER BY id",
                    [array(customers)],
                )
                cursor.fetchall()
                due = [(order, *row) for order in chunk for row in self.reminders.get(order, [])]
                cursor.execute(
                    "INSERT INTO notifications_reminder (order_id, kind, ends_on, threshold_days, created_at, "
                    "cancel_reason) SELECT o, k, e, t, now(), '' FROM unnest(%s::bigint[], %s::text[], %s::date[], "
                    "%s::smallint[]) AS v(o, k, e, t) ON CONFLICT DO NOTHING "
                    "RETURNING id, order_id, kind, ends_on, threshold_days",
                    [
                        array(r[0] for r in due),
                        array(r[1] for r in due),
                        array(r[2] for r in due),
                        array(r[3] for r in due),
                    ],
                )
                reminder_of = {tuple(row[1:]): row[0] for row in cursor.fetchall()}
                contacts = sorted({item[0] for order in chunk for item in self.items.get(order, [])})
                cursor.execute(
                    "SELECT id, contact_id FROM notifications_outboxemail WHERE contact_id = ANY(%s::bigint[]) "
                    "AND kind = 'reminder' AND status = 'pending' AND attempts = 0 FOR UPDATE",
                    [array(contacts)],
                )
                email_of.update({contact: email for email, contact in cursor.fetchall()})
                fresh = [contact for contact in contacts if contact not in email_of]
                tokens = [uuid.uuid4() for _ in fresh]
                cursor.execute(
                    "INSERT INTO notifications_outboxemail (partner_id, customer_id, contact_id, kind, to_email, "
                    "subject, body_text, body_html, message_id, token, status, attempts, next_attempt_at, "
                    "last_error, created_at, updated_at) SELECT p, u, c, 'reminder', t, '', '', '', m, k, 'pending', "
                    "0, n, '', now(), now() FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::text[], "
                    "%s::text[], %s::uuid[], %s::timestamptz[]) AS v(p, u, c, t, m, k, n) RETURNING id, contact_id",
                    [
                        array(self.emails[contact][0] for contact in fresh),
                        array(self.emails[contact][3] for contact in fresh),
                        array(fresh),
                        array((self.emails[contact][1] for contact in fresh), quoted),
                        array((f"<{token}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>" for token in tokens), quoted),
                        array(tokens),
                        instants(self.emails[contact][2] for contact in fresh),
                    ],
                )
                email_of.update({contact: email for email, contact in cursor.fetchall()})
                items = [
                    (email_of[contact], reminder_of[(order, kind, ends_on, threshold)], contact, address, reasons)
                    for order in chunk
                    for contact, kind, ends_on, threshold, address, reasons in self.items.get(order, [])
                ]
                cursor.execute(
                    "INSERT INTO notifications_outboxitem (email_id, reminder_id, contact_id, address, reasons, "
                    "manual, skipped) SELECT e, r, c, a, w, false, false FROM unnest(%s::bigint[], %s::bigint[], "
                    "%s::bigint[], %s::text[], %s::text[]) AS v(e, r, c, a, w)",
                    [
                        array(i[0] for i in items),
                        array(i[1] for i in items),
                        array(i[2] for i in items),
                        array((i[3] for i in items), quoted),
                        array((i[4] for i in items), quoted),
                    ],
                )
                cursor.execute(
                    "UPDATE renewals_order o SET next_reminder_at = v.n FROM unnest(%s::bigint[], "
                    "%s::timestamptz[]) AS v(i, n) WHERE o.id = v.i",
                    [array(chunk), instants(self.next_checks[order] for order in chunk)],
                )
        return (time.perf_counter() - started) * 1000


def import_csv(path, rows, product_name):
    """A CertCentral-style order export of ``rows`` orders over ``rows // 5`` organisations, each with
    its certificate's serial (so the import records a certificate per order too)."""
    import csv
    from datetime import date

    header = ["Order #", "Common Name", "SANs", "Product", "Organization", "Valid From", "Valid Till",
              "Serial Number", "Email"]  # fmt: skip
    today = date.today()
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        for n in range(rows):
            ends = today + timedelta(days=n % 400 - 30)
            organisation = f"Bench Org {n // 5}"
            writer.writerow(
                [f"9{n:08d}", f"www.bench{n}.example", f"www.bench{n}.example bench{n}.example", product_name,
                 organisation, str(ends - timedelta(days=364)), str(ends), f"{0xBE0C0000000 + n:x}",
                 f"it{n // 5}@bench.example"]
            )  # fmt: skip


IMPORT_PARTNER = "bench-import"


def delete_import_partner():
    """The import section's partner and everything under it. Its orders are due for the
    reminder sweep (an import puts them in the schedule at once), so they must not outlive the
    section: a later run on the same data (KEEP_DATA=1) would sweep them too."""
    from django.db import connection

    from partners.models import Partner

    ids = list(Partner.objects.filter(slug=IMPORT_PARTNER).values_list("pk", flat=True))
    if not ids:
        return
    with connection.cursor() as cursor:
        # Bulk statements rather than the ORM's cascade, which would load 100,000 orders to delete
        # them; nothing but the import wrote under this partner (no reminders, no renewals).
        for statement in (
            "DELETE FROM renewals_certificate WHERE order_id IN (SELECT id FROM renewals_order WHERE partner_id = ANY(%s))",
            "DELETE FROM renewals_order WHERE partner_id = ANY(%s)",
            "DELETE FROM partners_contact WHERE customer_id IN (SELECT id FROM partners_customer WHERE partner_id = ANY(%s))",
            "DELETE FROM partners_customer WHERE partner_id = ANY(%s)",
            "DELETE FROM imports_importrow WHERE job_id IN (SELECT id FROM imports_importjob WHERE partner_id = ANY(%s))",
        ):
            cursor.execute(statement, [ids])
    Partner.objects.filter(pk__in=ids).delete()


# One phase of an import job in a process of its own, as a Celery worker runs the task: its wall time
# and the process's peak resident memory (``ru_maxrss``) against what it held before the phase.
# argv: project root, job id, "dry" or "import". Prints one JSON object.
PHASE_IN_A_PROCESS = """
import json, os, resource, sys, time
sys.path.insert(0, sys.argv[1])
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from imports.models import ImportJob
from imports.services import claim, run_phase

def rss_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

job = ImportJob.objects.get(pk=int(sys.argv[2]))
assert claim(job, dry_run=sys.argv[3] == "dry")
before = rss_mb()
started = time.perf_counter()
run_phase(job.pk)
seconds = time.perf_counter() - started
job.refresh_from_db()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "status": job.status, "error": job.error, "created": job.created_count,
                  "updated": job.updated_count, "before_mb": before, "peak_mb": peak}))
"""


def bench_import(results, rows):
    """Issue 16: a CSV of ``rows`` orders (generated in a temporary folder) into an empty partner
    through the import's own phases (the Celery task's function), each in a fresh process as a worker
    runs it: the dry run, the import, and the same file again (nothing changes). Rows per second and
    seconds of each; memory: the process's peak resident set over what it held before the phase
    (Django and its connections), no tracemalloc (which would slow a 100,000-row run several times).
    Constant memory means that growth stays the same whatever ``rows`` is."""
    import tempfile

    from django.core.files import File
    from django.test import override_settings

    from imports.services import create_job, set_mapping
    from partners.models import Partner
    from renewals.models import Product

    product = Product.objects.order_by("id").first()
    delete_import_partner()
    partner = Partner.objects.create(name="Bench import", slug=IMPORT_PARTNER)
    with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
        source = Path(media) / "export.csv"
        import_csv(source, rows, product.name)
        print(f"  {rows:,} rows, {source.stat().st_size / 2**20:.1f} MB", flush=True)

        def phase(job, label, step):
            done = subprocess.run(
                [sys.executable, "-c", PHASE_IN_A_PROCESS, str(ROOT), str(job.pk), step],
                # The worker's statement timeout (a bare script gets the web's).
                env={**os.environ, "DJANGO_MEDIA_ROOT": media, "DATABASE_STATEMENT_TIMEOUT": "300"},
                capture_output=True,
                text=True,
                check=True,
            )
            outcome = json.loads(done.stdout.strip().splitlines()[-1])
            assert outcome["status"] in ("checked", "done"), outcome["error"]
            grew = outcome["peak_mb"] - outcome["before_mb"]
            elapsed = outcome["seconds"] * 1000
            results.add(label, rows, elapsed, elapsed, None, None, peak=grew,
                        rows_per_s=round(rows / elapsed * 1000), seconds=round(elapsed / 1000, 1),
                        process_peak_rss_mb=round(outcome["peak_mb"], 1))  # fmt: skip
            print(f"    {rows / elapsed * 1000:,.0f} rows/s, {elapsed / 1000:.1f} s, memory +{grew:.1f} MB "
                  f"(process peak {outcome['peak_mb']:.0f} MB)", flush=True)  # fmt: skip
            return outcome

        def job_for_file():
            with open(source, "rb") as stream:
                job = create_job(partner=partner, user=None, kind="orders", upload=File(stream, name="export.csv"))
            set_mapping(job=job, mapping=job.mapping)
            return job

        job = job_for_file()
        phase(job, f"import dry run, {rows:,} orders", "dry")
        imported = phase(job, f"import, {rows:,} orders", "import")
        assert imported["created"] == rows, f"{imported['created']} of {rows} rows imported"
        again = job_for_file()
        phase(again, f"import again: dry run, {rows:,} unchanged", "dry")
        second = phase(again, f"import again, {rows:,} unchanged", "import")
        assert second["created"] == second["updated"] == 0, "the second import changed something"
    delete_import_partner()
    vacuum_analyze()


def vacuum_analyze():
    """Reclaim the dead rows the last writes left and refresh the planner's statistics, as
    autovacuum would on a live system (it may be off on the benchmark's server)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


SERVER_SETTINGS = [
    "server_version",
    "autovacuum",
    "shared_buffers",
    "effective_cache_size",
    "work_mem",
    "random_page_cost",
    "jit",
    "fsync",
    "synchronous_commit",
    "max_parallel_workers_per_gather",
]


def server_settings():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT name, setting, unit FROM pg_settings WHERE name = ANY(%s)", [SERVER_SETTINGS])
        return {name: f"{setting}{' ' + unit if unit else ''}" for name, setting, unit in cursor.fetchall()}


def load_average():
    return [round(value, 2) for value in os.getloadavg()]


def bench_sending(results, count=1000, runs=3):
    """``runs`` batches of ``count`` pending emails each through ``send_pending``, against the floor:
    the same messages, pre-built from what was sent, through Django's SMTP backend on one connection."""
    from django.db.models import Count
    from django.utils import timezone

    from notifications.models import EmailStatus, OutboxEmail
    from notifications.sender import send_pending

    vacuum_analyze()
    # Emails leave only in their customers' working hours: send those queued for the most common
    # send time, at that instant (their send hour in their zones), so every one is due and may go.
    queued = OutboxEmail.objects.filter(status=EmailStatus.PENDING)
    busiest = list(
        queued.values("next_attempt_at")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("next_attempt_at", flat=True)[:1]
    )
    now = busiest[0] if busiest else timezone.now()
    pending = list(queued.filter(next_attempt_at=now).order_by("id").values_list("id", flat=True)[: count * runs])
    print(f"  {len(pending):,} emails queued for {now:%Y-%m-%d %H:%M} UTC", flush=True)
    rates, floors, sent_total = [], [], 0
    for run in range(runs):
        ids = pending[run * count : (run + 1) * count]
        started = time.perf_counter()
        result = send_pending(now=now + timedelta(seconds=1), ids=ids)
        elapsed = time.perf_counter() - started
        sent_total += result.sent
        rates.append(result.sent / elapsed if elapsed else 0)
        print(f"  sending: {result.sent} of {len(ids)} in {elapsed:.1f} s = {rates[-1]:.0f}/s", flush=True)
        floors.append(sink_floor(ids))
    rate, floor_rate = statistics.median(rates), statistics.median(floors)
    print(f"  sink floor: {floor_rate:.0f}/s", flush=True)
    results.add(
        "sending (per email; emails/s: see note)",
        sent_total,
        1000 / rate if rate else 0,
        1000 / min(rates) if min(rates) else 0,
        None,
        1000 / floor_rate if floor_rate else None,
        emails_per_second=round(rate, 1),
        floor_emails_per_second=round(floor_rate, 1),
    )


def sink_floor(ids):
    """Emails per second for the messages ``ids`` became (as stored when sent: subject, bodies,
    headers, the inline image), built beforehand and sent through one SMTP connection."""
    from django.core.mail import EmailMultiAlternatives, get_connection

    from notifications.emails import BROWSER_WARNING_CID
    from notifications.models import EmailStatus, OutboxEmail
    from notifications.sender import browser_warning_image

    messages = []
    for email in OutboxEmail.objects.filter(pk__in=ids, status=EmailStatus.SENT).select_related("partner"):
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=email.body_text,
            from_email=f"{email.partner.name} <renewals@example.com>",
            to=[email.to_email],
            headers={"Message-ID": email.message_id, "List-Unsubscribe": "<https://example.com/u>"},
        )
        message.attach_alternative(email.body_html, "text/html")
        if BROWSER_WARNING_CID in email.body_html:
            message.mixed_subtype = "related"
            message.attach(browser_warning_image("en"))
        messages.append(message)
    started = time.perf_counter()
    with get_connection() as connection:
        connection.send_messages(messages)
    elapsed = time.perf_counter() - started
    return len(messages) / elapsed if elapsed else 0


# The parts of a run, in order (``--sections``).
SECTIONS = ("dashboard", "reports", "sweep", "workers", "sending", "import")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1_000_000)
    parser.add_argument("--partners", type=int, default=200)
    parser.add_argument("--largest", type=int)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--skip-seed", action="store_true")
    parser.add_argument(
        "--workers-due", type=int, default=100_000, help="orders due for the 1- and 2-process sweep (0: skip it)"
    )
    parser.add_argument(
        "--import-rows", type=int, default=100_000, help="orders in the CSV of the import section (0: skip it)"
    )
    parser.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help=f"comma-separated sections to run, of {','.join(SECTIONS)} (default all; 'none' only seeds)",
    )
    args = parser.parse_args()
    largest = args.largest or min(100_000, args.scale // 10)
    sections = set(args.sections.split(",")) & set(SECTIONS)

    sink, port = start_smtp_sink()
    try:
        configure_django(port)
        from partners.models import Partner

        results = Results()
        print(f"Seeding {args.scale:,} orders over {args.partners} partners (largest {largest:,})", flush=True)
        load_at_start = load_average()
        print(f"Load average at start: {load_at_start}", flush=True)
        seed_ms = None if args.skip_seed else seed(args.scale, args.partners, largest)
        if seed_ms is not None:
            results.add("seed_demo --scale", args.scale, seed_ms, seed_ms, None, None)
        vacuum_analyze()
        partner = Partner.objects.order_by("id").first()
        if "dashboard" in sections:
            print(f"Dashboard of {partner.slug} ({partner.orders.count():,} orders)", flush=True)
            bench_dashboard(results, partner, args.repeat)
        if "reports" in sections:
            print("Home and reports", flush=True)
            bench_reports(results, partner, args.repeat)
        if "sweep" in sections:
            print("Reminder sweep", flush=True)
            bench_sweep(results, args.repeat)
        if args.workers_due and "workers" in sections:
            print(f"Sweep of {args.workers_due:,} due, 1 and 2 processes", flush=True)
            bench_sweep_workers(results, args.workers_due)
        if "sending" in sections:
            print("Sending", flush=True)
            bench_sending(results)
        if args.import_rows and "import" in sections:
            print(f"Import of {args.import_rows:,} orders (CSV)", flush=True)
            bench_import(results, args.import_rows)
        load_at_end = load_average()
        print(f"Load average at end: {load_at_end}", flush=True)
    finally:
        sink.terminate()

    from django.db import connection

    machine = {
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "database": f"{connection.vendor} {connection.pg_version if connection.vendor == 'postgresql' else ''}".strip(),
        "load_average_start": load_at_start,
        "load_average_end": load_at_end,
        "server_settings": server_settings(),
        "repeat": args.repeat,
    }
    print()
    print(results.table())
    output = ROOT / "bench" / "results" / "latest.json"
    output.write_text(json.dumps(results.rows, indent=2))
    (ROOT / "bench" / "results" / "latest-meta.json").write_text(
        json.dumps({"scale": args.scale, "partners": args.partners, "largest": largest, **machine}, indent=2)
    )
    print(f"\nWritten {output.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
