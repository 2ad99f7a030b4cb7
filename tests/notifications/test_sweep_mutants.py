"""The sweep's rules that mutation testing found unpinned: which orders are on a reissue track, who
gets an email, when a new reminder joins an email still waiting, an order looked at again, chunks,
and a chunk undone by a conflict. Each test runs through ``run_sweep``, so on PostgreSQL it checks
the set-based path and on SQLite the ORM path."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from notifications import sweep
from notifications.models import EmailKind, OutboxEmail, OutboxItem, Reminder
from notifications.sender import send_pending
from notifications.services import resend_latest_reminder
from notifications.sweep import run_sweep
from partners.models import Contact, Role
from renewals.models import Order, OrderStatus
from tests.factories import CertificateFactory, ContactFactory, CustomerFactory, MembershipFactory

from .helpers import make_order

pytestmark = [pytest.mark.django_db]

SEOUL = ZoneInfo("Asia/Seoul")
NOW = datetime(2027, 1, 30, 3, tzinfo=UTC)  # noon in Seoul, 30 days before 1 March
TERM_END = date(2027, 3, 1)


def kinds_and_thresholds(order):
    return sorted(Reminder.objects.filter(order=order).values_list("kind", "threshold_days"))


def test_an_order_whose_reissue_awaits_issuance_gets_no_reissue_reminder(seoul_partner):
    """The new certificate is being issued: a reminder to reissue would be wrong."""
    order = make_order(seoul_partner, date(2027, 12, 1), status=OrderStatus.AWAITING_ISSUANCE)
    issued = datetime(2026, 8, 13, 10, tzinfo=SEOUL)  # ends 1 March, inside the term
    CertificateFactory(order=order, not_before=issued, not_after=issued + timedelta(days=200, seconds=-1))
    order.refresh_from_db()
    assert order.needs_reissue and order.status == OrderStatus.AWAITING_ISSUANCE
    assert run_sweep(now=datetime(2027, 2, 15, 3, tzinfo=UTC)).due == 0  # 14 days before 1 March
    assert kinds_and_thresholds(order) == []


def test_the_latest_certificates_lifetime_decides_the_reissue_thresholds(seoul_partner):
    """A 28-day certificate gets no 30-day reissue reminder (``reissue_thresholds_for``), even when
    the order holds an older, longer certificate recorded after it."""
    order = make_order(seoul_partner, date(2027, 12, 1))
    latest = datetime(2027, 2, 1, 10, tzinfo=SEOUL)
    CertificateFactory(order=order, not_before=latest, not_after=latest + timedelta(days=28, seconds=-1))
    older = datetime(2026, 8, 1, 10, tzinfo=SEOUL)
    CertificateFactory(order=order, not_before=older, not_after=older + timedelta(days=190, seconds=-1))
    order.refresh_from_db()
    assert order.expires_on == date(2027, 3, 1)
    assert run_sweep(now=datetime(2027, 2, 4, 3, tzinfo=UTC)).due == 0  # 25 days left
    assert run_sweep(now=datetime(2027, 2, 15, 3, tzinfo=UTC)).due == 1  # 14 days left
    assert kinds_and_thresholds(order) == [("reissue", 14)]


def test_a_contact_who_unsubscribed_gets_no_email_queued(seoul_partner):
    order = make_order(seoul_partner, TERM_END, contacts=2)
    gone, stays = order.customer.contacts.order_by("pk")
    Contact.objects.filter(pk=gone.pk).update(unsubscribed_at=NOW - timedelta(days=1))
    result = run_sweep(now=NOW)
    assert (result.due, result.queued) == (1, 1)
    assert list(OutboxEmail.objects.values_list("contact_id", flat=True)) == [stays.pk]


def two_orders_of_one_contact(partner):
    """The first swept on 30 January (NOW); the second, added then, due on the 31st."""
    customer = CustomerFactory(partner=partner)
    contact = ContactFactory(customer=customer)
    first = make_order(partner, TERM_END, customer=customer, contacts=0)
    assert run_sweep(now=NOW).due == 1
    second = make_order(partner, TERM_END + timedelta(days=1), customer=customer, contacts=0)
    return contact, first, second


def items_of(email):
    return sorted(OutboxItem.objects.filter(email=email).values_list("reminder__order_id", flat=True))


def test_a_reminder_due_while_the_contacts_email_still_waits_joins_that_email(seoul_partner):
    contact, first, second = two_orders_of_one_contact(seoul_partner)
    waiting = OutboxEmail.objects.get()
    result = run_sweep(now=NOW + timedelta(days=1))
    assert (result.due, result.queued) == (1, 1)
    assert list(OutboxEmail.objects.all()) == [waiting]  # one digest, not a second email
    assert items_of(waiting) == sorted([first.pk, second.pk])


def test_a_reminder_does_not_join_an_email_already_tried(seoul_partner):
    """A retry carries the same Message-ID, which the server may have stored with the first attempt:
    it must carry the same message."""
    contact, first, second = two_orders_of_one_contact(seoul_partner)
    tried = OutboxEmail.objects.get()
    OutboxEmail.objects.filter(pk=tried.pk).update(attempts=1, last_error="SMTPServerDisconnected")  # retrying
    assert run_sweep(now=NOW + timedelta(days=1)).queued == 1
    assert items_of(tried) == [first.pk]
    assert items_of(OutboxEmail.objects.exclude(pk=tried.pk).get(contact=contact)) == [second.pk]


def test_a_reminder_does_not_join_a_waiting_manual_resend(seoul_partner, outbox):
    contact, first, second = two_orders_of_one_contact(seoul_partner)
    assert send_pending(now=NOW).sent == 1
    support = MembershipFactory(partner=seoul_partner, role=Role.SUPPORT)
    [resend] = resend_latest_reminder(order=first, by=support, now=NOW + timedelta(days=1))
    assert run_sweep(now=NOW + timedelta(days=1)).queued == 1
    assert items_of(resend) == [first.pk]
    reminder_email = OutboxEmail.objects.filter(kind=EmailKind.REMINDER).latest("id")
    assert items_of(reminder_email) == [second.pk]


def test_an_order_looked_at_again_records_and_queues_its_reminder_once(seoul_partner, monkeypatch):
    """Orders put back on the sweep's clock (a policy change does that) whose current reminder is
    recorded already: counted as such, chunk after chunk, and nothing is queued for them again."""
    monkeypatch.setattr(sweep, "CHUNK", 2)
    swept = [make_order(seoul_partner, TERM_END) for _ in range(2)]
    assert run_sweep(now=NOW).due == 2
    added = make_order(seoul_partner, TERM_END)
    Order.objects.filter(pk__in=[order.pk for order in [*swept, added]]).update(next_reminder_at=NOW)
    result = run_sweep(now=NOW)
    assert (result.orders_checked, result.due, result.already_recorded, result.queued) == (3, 1, 2, 1)
    assert Reminder.objects.count() == 3 and OutboxEmail.objects.count() == 3


def test_the_sweep_works_a_chunk_at_a_time_and_counts_every_chunk(seoul_partner, monkeypatch):
    """Each chunk is one transaction with its rows locked: the chunk size bounds both."""
    monkeypatch.setattr(sweep, "CHUNK", 2)
    chunks = []
    with_certificate_days = sweep.with_certificate_days  # called once per chunk read, on either path

    def record_chunk(orders):
        chunks.append(len(orders))
        return with_certificate_days(orders)

    monkeypatch.setattr(sweep, "with_certificate_days", record_chunk)
    for _ in range(5):
        make_order(seoul_partner, TERM_END)
    result = run_sweep(now=NOW)
    assert [size for size in chunks if size] == [2, 2, 1]
    assert (result.orders_checked, result.due, result.queued) == (5, 5, 5)


def conflicting_chunks(monkeypatch, conflicts):
    """``sweep_chunk`` whose first ``conflicts`` passes do their work and are then undone by an
    IntegrityError, as when a concurrent sweep recorded one of the chunk's reminders first."""
    passes = []
    sweep_chunk = sweep.sweep_chunk

    def chunk(now, result, **kwargs):
        passes.append(None)
        assert len(passes) < 50, "the sweep never gives up"
        if len(passes) > conflicts:
            return sweep_chunk(now, result, **kwargs)
        with transaction.atomic():
            sweep_chunk(now, result, **kwargs)
            raise IntegrityError("duplicate key value violates unique constraint reminder_once_per_threshold")

    monkeypatch.setattr(sweep, "sweep_chunk", chunk)
    return passes


def test_a_chunk_undone_by_a_conflict_is_swept_again_and_counted_once(seoul_partner, monkeypatch):
    conflicting_chunks(monkeypatch, conflicts=1)
    make_order(seoul_partner, TERM_END)
    result = run_sweep(now=NOW)
    assert (result.orders_checked, result.due, result.queued, result.already_recorded) == (1, 1, 1, 0)
    assert Reminder.objects.count() == 1 and OutboxEmail.objects.count() == 1


def test_a_sweep_that_keeps_conflicting_gives_up_with_the_error(seoul_partner, monkeypatch):
    passes = conflicting_chunks(monkeypatch, conflicts=1000)
    make_order(seoul_partner, TERM_END)
    with pytest.raises(IntegrityError):
        run_sweep(now=NOW)
    assert 1 < len(passes) <= 10  # tried again a few times, then the error is the operator's
    assert not Reminder.objects.exists()
