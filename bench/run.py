"""Benchmarks at partner-network size: the dashboard, the reminder sweep and sending, against floors.

Run through ``make bench`` (``scripts/bench.sh``), which starts PostgreSQL like the test command and
builds a fresh database. Prints one table and writes ``bench/results/latest.json``. Times are
wall-clock on this machine; each figure's *floor* is the bare SQL behind it, run through the same
connection, so ``ratio`` (median / floor) shows what the application adds on top of the database.
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


def replay_floor(statements, repeat):
    """Time the bare SQL of a request, as recorded, through the same connection. The statements are
    the text the server received (parameters bound into it), so they run again as they are."""
    from django.db import connection

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
    # A surname, as staff search for a customer: about one row in twenty matches in the demo names.
    bench_page(results, client, "dashboard search", "/expiring/?window=all&q=smith", repeat)
    bench_page(results, client, "dashboard sort -expires", "/expiring/?window=all&sort=-expires", repeat)
    bench_page(results, client, "dashboard page 100 of all", "/expiring/?window=all&page=100", repeat)
    order = Order.objects.for_partner(partner).order_by("expires_on").first()
    bench_page(results, client, "quick view", f"/orders/{order.order_number}/", repeat, lambda response: 1)
    bench_export(results, client, max(repeat // 4, 3))


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
    from django.db import connection, transaction
    from django.utils import timezone

    from notifications.sweep import CHUNK, run_sweep
    from partners.models import Partner

    now = timezone.now()
    run_sweep(now=now)  # today's real due reminders, so "nothing due" is true
    median, p95 = timed(lambda: run_sweep(now=now), repeat * 2)
    with connection.cursor() as cursor:

        def empty_floor():
            cursor.execute(
                "SELECT id FROM renewals_order WHERE next_reminder_at <= %s ORDER BY next_reminder_at, id LIMIT %s",
                [now, CHUNK],
            )
            cursor.fetchall()

        floor = timed(empty_floor, repeat * 2)[0]
    results.add("sweep, nothing due", 0, median, p95, 1, floor)

    partner_ids = list(Partner.objects.values_list("id", flat=True))
    samples, counts = [], []
    for _ in range(max(repeat // 2, 3)):
        ids = prepare_due(partner_ids, 10_000, now)
        started = time.perf_counter()
        result = run_sweep(now=now)
        samples.append((time.perf_counter() - started) * 1000)
        counts.append(result.due)
    prepare_due(partner_ids, 10_000, now)
    peak = peak_mb(lambda: run_sweep(now=now))

    def floor_once():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT o.id, o.term_end, o.expires_on, c.time_zone, p.time_zone FROM renewals_order o "
                "JOIN partners_customer c ON c.id = o.customer_id JOIN partners_partner p ON p.id = o.partner_id "
                "WHERE o.id = ANY(%s)",
                [ids],
            )
            cursor.fetchall()
            cursor.execute(
                "INSERT INTO notifications_reminder (order_id, kind, ends_on, threshold_days, created_at, cancel_reason) "
                "SELECT id, 'renewal', term_end, -99, now(), '' FROM renewals_order WHERE id = ANY(%s)",
                [ids],
            )
            transaction.set_rollback(True)

    floor = timed(floor_once, repeat)[0]
    results.add(
        "sweep, 10,000 due",
        statistics.median(counts),
        statistics.median(samples),
        percentile(samples, 0.95),
        None,
        floor,
        peak=peak,
    )


def analyze():
    """Fresh planner statistics after bulk writes, as autovacuum would give a live system."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def bench_sending(results, count=2000):
    from django.utils import timezone

    from notifications.models import EmailStatus, OutboxEmail
    from notifications.sender import send_pending

    analyze()
    now = timezone.now()
    pending = list(OutboxEmail.objects.filter(status=EmailStatus.PENDING).values_list("id", flat=True)[:count])
    digests = OutboxEmail.objects.filter(pk__in=pending).filter(items__isnull=False).values("id").distinct().count()
    started = time.perf_counter()
    result = send_pending(now=now + timedelta(seconds=1), ids=pending)
    elapsed = time.perf_counter() - started
    per_second = result.sent / elapsed if elapsed else 0
    print(f"  sending: {result.sent} emails in {elapsed:.1f} s = {per_second:.0f}/s", flush=True)
    results.add(
        "sending (emails/s: see note)",
        result.sent,
        elapsed * 1000 / max(result.sent, 1),
        0,
        None,
        None,
        emails_per_second=round(per_second, 1),
        digests=digests,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1_000_000)
    parser.add_argument("--partners", type=int, default=200)
    parser.add_argument("--largest", type=int)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--skip-seed", action="store_true")
    args = parser.parse_args()
    largest = args.largest or min(100_000, args.scale // 10)

    sink, port = start_smtp_sink()
    try:
        configure_django(port)
        from partners.models import Partner

        results = Results()
        print(f"Seeding {args.scale:,} orders over {args.partners} partners (largest {largest:,})", flush=True)
        seed_ms = None if args.skip_seed else seed(args.scale, args.partners, largest)
        if seed_ms is not None:
            results.add("seed_demo --scale", args.scale, seed_ms, seed_ms, None, None)
        partner = Partner.objects.order_by("id").first()
        print(f"Dashboard of {partner.slug} ({partner.orders.count():,} orders)", flush=True)
        bench_dashboard(results, partner, args.repeat)
        print("Reminder sweep", flush=True)
        bench_sweep(results, args.repeat)
        print("Sending", flush=True)
        bench_sending(results)
    finally:
        sink.terminate()

    from django.db import connection

    machine = {
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "database": f"{connection.vendor} {connection.pg_version if connection.vendor == 'postgresql' else ''}".strip(),
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
