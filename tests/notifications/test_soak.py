"""Soak, on PostgreSQL: two sender processes and two sweep processes at once over 2,000 emails,
against an SMTP server (a process of its own) that is slow, drops connections now and then and
sometimes answers after storing the message too late for the client; the second sender also dies
now and then between the server's "250 OK" and recording it (``os._exit``) and is started again.
Every Message-ID arrives once, or once more for each time one of the two windows the README names
was induced on it (a death after "250 OK", a reply that never came in time); nothing is lost: every
email ends sent, or failed with its reason."""

import json
import multiprocessing
import os
import select
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta

import pytest
from asgiref.local import Local
from django.conf import settings
from django.db import connection, connections
from django.test import override_settings

from notifications import sender
from notifications.models import EmailStatus, OutboxEmail
from notifications.sweep import run_sweep
from partners.models import Contact, Customer
from renewals.models import Order
from tests.factories import PartnerFactory

from .helpers import make_order
from .smtp import free_port

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

EMAILS = 2000
NOW = datetime(2027, 2, 22, 0, tzinfo=UTC)  # 09:00 in Seoul, the send hour; 1 March is 7 days away
SPEED = 200  # simulated seconds per real second: a 2-minute backoff passes in 0.6 s
DEADLINE = 120  # real seconds: the bound on every loop (a run takes 20 to 45 s)
CRASH_EVERY = 250  # the second sender dies after every 250th "250 OK", before recording it


class Crash(BaseException):
    """The sender process dying: nothing of ours catches it (as nothing catches a SIGKILL)."""


def address(n):
    """Mostly ordinary addresses; a few international domains (delivered), a few that Django refuses
    and a few with a non-ASCII local part, which this server (no SMTPUTF8) cannot take (both failed)."""
    if n % 400 == 1:
        return f"soak{n}@한빛.kr"
    if n % 500 == 2:
        return f"soak{n}@customer."
    if n % 500 == 3:
        return f"김{n}@customer.example"
    return f"soak{n}@customer.example"


def clone(instance, **changes):
    """An unsaved copy of ``instance`` (whatever fields its model has today) with ``changes``."""
    values = {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}
    values.pop("id")
    return type(instance)(**(values | changes))


def orders_due(count):
    """``count`` orders, each with its own customer and contact, all due for their 7-day reminder."""
    partner = PartnerFactory(time_zone="Asia/Seoul", language="en")
    template = make_order(partner, date(2027, 3, 1))
    Contact.objects.filter(customer=template.customer).update(email=address(0))
    customers = Customer.objects.bulk_create(
        clone(template.customer, account_number=f"S{n:06d}", company_name=f"Soak {n} Ltd") for n in range(1, count)
    )
    Contact.objects.bulk_create(
        Contact(customer=customer, name=f"Soak Contact {n}", email=address(n))
        for n, customer in enumerate(customers, start=1)
    )
    Order.objects.bulk_create(
        clone(
            template,
            customer_id=customer.pk,
            order_number=f"S{n:07d}",
            common_name=f"www.soak{n}.example",
            sans=[f"www.soak{n}.example"],
        )
        for n, customer in enumerate(customers, start=1)
    )


class FaultyServer:
    """tests/notifications/smtp.py's faulty server, in a process of its own, on a loopback port."""

    def __init__(self, log_path):
        self.port = free_port()
        self.log_path = log_path
        self.stderr = open(log_path.with_suffix(".stderr"), "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.notifications.smtp", "--port", str(self.port), "--log", str(log_path)]
            + ["--slow", "0.01", "--drop-every", "97", "--late-every", "401", "--lost-every", "307"]
            + ["--late-seconds", "3"],
            cwd=settings.BASE_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
        )
        ready, _, _ = select.select([self.process.stdout], [], [], 30)
        assert ready and self.process.stdout.readline().strip() == "ready", "the SMTP server did not start"

    def stop(self):
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.stderr.close()

    def events(self):
        with open(self.log_path, encoding="utf-8") as log:
            return [json.loads(line) for line in log]


@pytest.fixture
def faulty_server(tmp_path):
    server = FaultyServer(tmp_path / "smtp.jsonl")
    yield server
    server.stop()


FORK = multiprocessing.get_context("fork")  # the children inherit the test's settings and database
DIED = 3  # a sender's exit code when it dies after "250 OK"


class Run:
    """One soak run: the simulated clock (shared by the processes), what they report, when to stop."""

    def __init__(self, tmp_path):
        self.started = time.monotonic()  # CLOCK_MONOTONIC: the same in every process
        self.reports = FORK.Queue()
        self.done = FORK.Event()
        self.deaths = tmp_path / "deaths.txt"  # Message-IDs a sender died on after "250 OK"
        self.deaths.touch()

    def now(self):
        return NOW + timedelta(seconds=(time.monotonic() - self.started) * SPEED)

    def over(self):
        return self.done.is_set() or time.monotonic() - self.started > DEADLINE

    def start(self, name, body):
        connections.close_all()  # a child must not share this process's database connection
        process = FORK.Process(target=self.child, args=(name, body), name=name)
        process.start()
        return process

    def child(self, name, body):
        fresh_connections()
        try:
            body(self, name)
        except BaseException as error:  # reported to the test
            self.reports.put(("error", name, repr(error)))
            raise

    def died(self, message_id):
        with open(self.deaths, "a", encoding="utf-8") as deaths:
            deaths.write(message_id + "\n")


# The connection wrappers a child inherited, kept from the garbage collector: freeing one would close
# a socket the parent may still use.
INHERITED = []


def fresh_connections():
    """Give a forked child database connections of its own. The parent closes its connections
    before forking, but a connection it opened elsewhere (another context of the test run) would
    be inherited open, and two processes on one socket read each other's answers."""
    INHERITED.append(connections._connections)
    connections._connections = Local(connections.thread_critical)


def sender_process(run, name):
    if name == "sender-2":
        record_sent, recorded = sender.record_sent, Counter()

        def record_sent_or_die(email, result):
            recorded["emails"] += 1
            if recorded["emails"] % CRASH_EVERY == 0:
                run.died(email.message_id)
                os._exit(DIED)  # between the server's "250 OK" and our UPDATE
            record_sent(email, result)

        sender.record_sent = record_sent_or_die
    totals = Counter()
    while not run.over():
        totals.update(asdict(sender.send_pending(now=run.now())))
        time.sleep(0.05)
    run.reports.put(("totals", name, dict(totals)))


def sweep_process(run, name):
    for _ in range(3):
        run_sweep(now=run.now())
        time.sleep(0.2)


def test_two_senders_and_two_sweeps_against_a_slow_faulty_server_lose_nothing_and_duplicate_only_in_the_windows(
    faulty_server, monkeypatch, tmp_path
):
    assert connection.vendor == "postgresql", "the race needs real row locks"
    orders_due(EMAILS)
    monkeypatch.setattr(sender, "CLAIM_LEASE", timedelta(seconds=5))  # a dead sender's batch comes back soon
    unfinished = OutboxEmail.objects.filter(status__in=[EmailStatus.PENDING, EmailStatus.SENDING])
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=faulty_server.port,
        EMAIL_TIMEOUT=2,  # the server's late replies come after 3 s; its others in milliseconds
    ):
        run = Run(tmp_path)
        sweeps = [run.start(f"sweep-{n}", sweep_process) for n in (1, 2)]
        senders = {name: run.start(name, sender_process) for name in ("sender-1", "sender-2")}
        restarts = 0
        while not run.over():
            if any(process.exitcode not in (None, 0, DIED) for process in [*sweeps, *senders.values()]):
                break  # reported below
            for name, process in senders.items():
                if process.exitcode == DIED:  # the worker is restarted; its batch waits for the lease
                    senders[name] = run.start(name, sender_process)
                    restarts += 1
            if all(sweep.exitcode is not None for sweep in sweeps) and not unfinished.exists():
                run.done.set()
            connections.close_all()
            time.sleep(0.2)
        elapsed = time.monotonic() - run.started
        for process in [*sweeps, *senders.values()]:
            process.join(timeout=30)
            if process.is_alive():  # stuck: reported below, not left running
                process.kill()
                process.join()
    reports = []
    while not run.reports.empty():
        reports.append(run.reports.get(timeout=5))
    assert [report for report in reports if report[0] == "error"] == []
    assert run.done.is_set(), f"not finished after {DEADLINE} s: {Counter(unfinished.values_list('status', flat=True))}"
    assert [process.exitcode for process in [*sweeps, *senders.values()]] == [0] * 4
    totals = sum((Counter(report[2]) for report in reports), Counter())

    # Nothing lost: every email queued is sent, or failed with its reason (its address).
    emails = list(OutboxEmail.objects.all())
    assert len(emails) == EMAILS
    failed = {email.to_email: email.last_error for email in emails if email.status == EmailStatus.FAILED}
    unusable = {address(n) for n in range(EMAILS) if n % 500 in (2, 3)}
    assert set(failed) == unusable
    assert all(reason.startswith("ValueError: Invalid address") for to, reason in failed.items() if to.endswith("."))
    assert all("SMTPUTF8" in reason for to, reason in failed.items() if not to.endswith("."))
    assert {email.status for email in emails} == {EmailStatus.SENT, EmailStatus.FAILED}

    # Once, or once more per window induced on that message; nothing else arrives twice.
    events = faulty_server.events()
    deaths = run.deaths.read_text().split()
    arrived = Counter(event["message_id"] for event in events if event["event"] == "stored")
    windows = Counter(event["message_id"] for event in events if event["event"] in ("late", "lost"))
    windows.update(deaths)
    for email in emails:
        expected = windows[email.message_id] + (email.status == EmailStatus.SENT)
        assert arrived[email.message_id] == expected, (email.to_email, email.status, email.last_error)
    assert set(arrived) <= {email.message_id for email in emails}
    duplicates = sum(arrived.values()) - len(arrived)
    assert duplicates == sum(windows.values())

    # The faults did happen, and no sender ever sent an email another one held.
    induced = Counter(event["event"] for event in events)
    assert len(deaths) == restarts >= 2 and induced["late"] >= 3 and induced["lost"] >= 2 and induced["dropped"] >= 5
    assert totals["lost_claim"] == 0
    print(
        f"\nsoak: {EMAILS} emails in {elapsed:.1f} s, {len(failed)} failed (their addresses); induced "
        f"{len(deaths)} deaths after 250 OK, {induced['late']} late replies, {induced['lost']} lost replies, "
        f"{induced['dropped']} dropped connections; {totals['retrying']} retries, {duplicates} duplicates"
    )
