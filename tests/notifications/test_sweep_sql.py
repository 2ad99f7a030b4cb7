"""The set-based sweep (PostgreSQL) writes exactly what the ORM sweep writes, row for row; nothing due
costs one query; beat's sweep task asks for one helper per further chunk due."""

from datetime import UTC, date, datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from notifications import sweep, tasks
from notifications.models import EmailKind, EmailStatus, OptOut, OutboxEmail, OutboxItem, Reminder
from partners.models import Role
from renewals.models import Order, OrderStatus
from tests.factories import (
    CertificateFactory,
    ContactFactory,
    CustomerFactory,
    MembershipFactory,
    OrderFactory,
    PartnerFactory,
    UserFactory,
)

from .helpers import make_order

NOW = datetime(2027, 1, 30, 3, tzinfo=UTC)  # noon in Seoul, 22:00 the day before in New York
SEOUL = ZoneInfo("Asia/Seoul")


class World:
    """Orders of every kind the sweep meets, each due at its own instant (so both paths cut the same
    chunks), and what an earlier sweep left: recorded reminders and emails still waiting."""

    def __init__(self):
        self.minute = count()
        seoul = PartnerFactory(time_zone="Asia/Seoul")
        york = PartnerFactory(
            time_zone="America/New_York",
            reminder_thresholds=[45, 14, 0, -3],
            reissue_thresholds=[20, 5],
            reminder_send_hour=7,
        )
        # Seoul: the renewal thresholds due today, one not yet due, one lapsed.
        for days_left in (29, 30, 6, 59, 100, -10, 3):
            self.order(seoul, date(2027, 1, 30) + timedelta(days=days_left))
        # A customer in Los Angeles (its own zone) with two contacts, one unsubscribed.
        angeleno = CustomerFactory(partner=seoul, time_zone="America/Los_Angeles")
        ContactFactory(customer=angeleno)
        ContactFactory(customer=angeleno, unsubscribed_at=NOW - timedelta(days=1))
        # Its day is still the 29th: 31 days left to 1 March, where Seoul's orders ending then have 30.
        for days_left in (29, 7, 45, 31):
            self.order(seoul, date(2027, 1, 29) + timedelta(days=days_left), customer=angeleno, contacts=0)
        # Certificates ending inside the term: a reissue alone, and a reissue with the renewal.
        self.certificate(self.order(seoul, date(2027, 12, 1)), ends=date(2027, 3, 1))
        self.certificate(self.order(seoul, date(2027, 3, 1)), ends=date(2027, 2, 13))
        # Not remindable: notices off, cancelled, renewed; no contact; only an unsubscribed one.
        self.order(seoul, date(2027, 3, 1), renewal_notices=False)
        self.order(seoul, date(2027, 3, 1), status=OrderStatus.CANCELLED)
        renewed = self.order(seoul, date(2027, 3, 1))
        OrderFactory(
            customer=renewed.customer,
            renewed_from=renewed,
            term_start=date(2027, 3, 2),
            term_end=date(2028, 3, 1),
            next_reminder_at=NOW + timedelta(days=300),
        )
        self.order(seoul, date(2027, 3, 1), contacts=0)
        ContactFactory(customer=self.order(seoul, date(2027, 3, 1), contacts=0).customer, unsubscribed_at=NOW)
        # Already recorded by an earlier sweep: due again, recorded once.
        recorded = self.order(seoul, date(2027, 3, 1))
        Reminder.objects.create(order=recorded, kind="renewal", ends_on=recorded.term_end, threshold_days=30)
        # New York: its own thresholds (0 and after the end), send hour and reissue thresholds.
        for days_left in (14, 0, -2, -4, -20, 44):
            self.order(york, date(2027, 1, 29) + timedelta(days=days_left))
        self.certificate(self.order(york, date(2027, 9, 1)), ends=date(2027, 2, 3), zone="America/New_York")
        # A customer with many orders (spread over chunks when they are small) and emails left waiting:
        # two not yet attempted (the older one takes the items), one attempted, one being sent.
        busy = CustomerFactory(partner=seoul)
        waiting_for, attempted_for, sending_for = (ContactFactory(customer=busy) for _ in range(3))
        for offset in range(8):
            self.order(seoul, date(2027, 2, 28) - timedelta(days=offset * 3), customer=busy, contacts=0)
        earlier, earliest = (
            Reminder.objects.create(order=recorded, kind="renewal", ends_on=recorded.term_end, threshold_days=days)
            for days in (60, 90)
        )
        self.older = self.email(waiting_for, earliest, created=NOW - timedelta(hours=3))
        self.newer = self.email(waiting_for, earlier, created=NOW - timedelta(hours=1))
        self.email(attempted_for, earlier, created=NOW - timedelta(hours=2), attempts=1)
        self.email(sending_for, earlier, created=NOW - timedelta(hours=2), status=EmailStatus.SENDING)
        self.later = self.order(seoul, date(2027, 3, 1), next_reminder_at=NOW + timedelta(hours=1))
        self.recipients(seoul, york)

    def recipients(self, seoul, york):
        """Additional recipients (one also a contact, one unsubscribed), an order's own recipients,
        escalation stages (sales owner, support mailbox or support staff, listed addresses), a staff
        email still waiting, and renewals awaiting the CA's certificate."""
        owner = UserFactory(email="owner@partner.example")
        MembershipFactory(partner=seoul, user=owner)
        MembershipFactory(partner=york, user=owner)
        seoul.support_email, seoul.issuance_reminder_days = "support@partner.example", 7
        seoul.reminder_escalations = [
            {"threshold": 30, "sales_owner": True, "support": True, "emails": ["Boss@partner.example"]},
            {"threshold": 7, "sales_owner": False, "support": True, "emails": []},
        ]
        seoul.save()
        york.reminder_escalations = [{"threshold": 0, "sales_owner": True, "support": True, "emails": []}]
        york.issuance_reminder_days = 3
        york.save()
        MembershipFactory(partner=york, role=Role.SUPPORT, user=UserFactory(email="desk@york.example"))
        listed = CustomerFactory(
            partner=seoul,
            sales_owner=owner,
            reminder_recipients=["it@listed.example", "SHARED@listed.example", "gone@listed.example"],
        )
        ContactFactory(customer=listed, email="shared@listed.example")
        OptOut.objects.create(customer=listed, address="gone@listed.example", unsubscribed_at=NOW)
        for days_left in (30, 7, 45):
            self.order(seoul, date(2027, 1, 30) + timedelta(days=days_left), customer=listed, contacts=0)
        self.order(
            seoul,
            date(2027, 3, 1),
            customer=listed,
            contacts=0,
            reminder_recipients=["shared@LISTED.example", "own@order.example", "owner@partner.example"],
        )
        for days_left in (0, 14):
            self.order(
                york,
                date(2027, 1, 29) + timedelta(days=days_left),
                customer=CustomerFactory(partner=york, sales_owner=owner),
            )
        # A staff email still waiting takes the new escalations; one already tried does not.
        earlier = Reminder.objects.filter(threshold_days=60).first()
        self.staff_waiting = self.staff_email(
            seoul, "support@partner.example", earlier, created=NOW - timedelta(hours=2)
        )
        self.staff_email(seoul, "boss@partner.example", earlier, created=NOW - timedelta(hours=2), attempts=1)
        for partner, days_waited in ((seoul, 10), (seoul, 3), (york, 4), (seoul, 200)):
            waiting = self.order(partner, date(2028, 3, 1), status=OrderStatus.AWAITING_ISSUANCE)
            Order.objects.filter(pk=waiting.pk).update(created_at=NOW - timedelta(days=days_waited))
        # A reissue requested 2 days ago of an order sold 10 days ago: waiting for 2 days, not 10.
        reissued = self.order(seoul, date(2028, 3, 1), status=OrderStatus.AWAITING_ISSUANCE)
        Order.objects.filter(pk=reissued.pk).update(
            created_at=NOW - timedelta(days=10), awaiting_issuance_since=NOW - timedelta(days=2)
        )
        self.reissued = reissued
        cancelled = self.order(seoul, date(2028, 3, 1), status=OrderStatus.CANCELLED)
        Order.objects.filter(pk=cancelled.pk).update(created_at=NOW - timedelta(days=10))

    def staff_email(self, partner, address, reminder, *, created, **fields):
        email = OutboxEmail.new(partner=partner, kind=EmailKind.ESCALATION, to_email=address, **fields)
        email.save()
        OutboxEmail.objects.filter(pk=email.pk).update(created_at=created)
        OutboxItem.objects.create(email=email, reminder=reminder, address=address, reasons="escalation")
        return email

    def order(self, partner, term_end, *, next_reminder_at=None, **kwargs):
        order = make_order(partner, term_end, **kwargs)
        at = next_reminder_at or datetime(2000, 1, 1, tzinfo=UTC) + timedelta(minutes=next(self.minute))
        Order.objects.filter(pk=order.pk).update(next_reminder_at=at)
        return order

    def certificate(self, order, *, ends, zone="Asia/Seoul"):
        not_after = datetime.combine(ends, datetime.min.time(), tzinfo=ZoneInfo(zone)) + timedelta(hours=10)
        CertificateFactory(order=order, not_before=not_after - timedelta(days=200), not_after=not_after)

    def email(self, contact, reminder, *, created, **fields):
        email = OutboxEmail.new(partner=contact.customer.partner, contact=contact, to_email=contact.email, **fields)
        email.save()
        OutboxEmail.objects.filter(pk=email.pk).update(created_at=created)
        OutboxItem.objects.create(email=email, reminder=reminder, contact=contact)
        return email


def snapshot(existing_emails):
    """Every row the sweep writes, by what it means (new rows' ids and random tokens aside)."""

    def reminder_key(reminder):
        return (reminder.order.order_number, reminder.kind, reminder.ends_on, reminder.threshold_days)

    reminders = sorted(
        (*reminder_key(r), r.created_at, r.cancelled_at, r.cancel_reason)
        for r in Reminder.objects.select_related("order")
    )
    emails = [
        (
            email.pk if email.pk in existing_emails else None,
            email.contact.email if email.contact else None,
            email.customer.account_number if email.customer else None,
            email.partner_id,
            email.kind,
            email.to_email,
            email.status,
            email.attempts,
            email.next_attempt_at,
            email.created_at,
            email.updated_at,
            (email.subject, email.body_text, email.body_html, email.last_error),
            (email.claimed_at, email.claim, email.sent_at),
            email.message_id == f"<{email.token}@renewals.portal.example>",
            tuple(
                sorted(
                    (
                        *reminder_key(item.reminder),
                        item.contact.email if item.contact else None,
                        item.address,
                        item.reasons,
                        item.manual,
                        item.skipped,
                    )
                    for item in email.items.select_related("reminder__order", "contact")
                )
            ),
        )
        for email in OutboxEmail.objects.select_related("contact", "customer")
    ]
    emails.sort(key=repr)  # new emails have no id to compare, and None does not sort among ids
    orders = sorted(Order.objects.values_list("order_number", "next_reminder_at"))
    message_ids = list(OutboxEmail.objects.values_list("message_id", flat=True))
    assert len(set(message_ids)) == len(message_ids)
    return {"reminders": reminders, "emails": emails, "orders": orders}


def swept(set_based, existing_emails):
    """One sweep through one path, its rows read, then undone."""
    with time_machine.travel(NOW, tick=False), transaction.atomic():
        result = sweep.run_sweep(now=NOW, set_based=set_based)
        rows = snapshot(existing_emails)
        transaction.set_rollback(True)
    return result, rows


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("chunk", [1000, 3])
def test_the_set_based_sweep_writes_the_same_rows_as_the_orm_sweep(monkeypatch, settings, chunk):
    assert connection.vendor == "postgresql", "the set-based statements are PostgreSQL's"
    settings.EMAIL_MESSAGE_ID_DOMAIN = "renewals.portal.example"
    monkeypatch.setattr(sweep, "CHUNK", chunk)
    world = World()
    existing = set(OutboxEmail.objects.values_list("pk", flat=True))
    orm_result, orm_rows = swept(False, existing)
    sql_result, sql_rows = swept(True, existing)
    assert sql_result == orm_result
    assert sql_rows["reminders"] == orm_rows["reminders"]
    assert sql_rows["orders"] == orm_rows["orders"]
    assert sql_rows["emails"] == orm_rows["emails"]
    # The world is worth comparing: due reminders of both kinds, one recorded before, the oldest
    # waiting email extended, emails left for tomorrow's working hours, an order not due untouched.
    assert orm_result.due >= 20 and orm_result.already_recorded == 1, orm_result
    assert {row[1] for row in orm_rows["reminders"]} == {"renewal", "reissue", "issuance"}
    extended = {row[0]: len(row[-1]) for row in orm_rows["emails"] if row[0] is not None}
    assert extended[world.older.pk] > 1 and extended[world.newer.pk] == 1
    assert extended[world.staff_waiting.pk] > 1
    assert len({row[8] for row in orm_rows["emails"] if row[0] is None}) >= 3
    kinds = {row[4] for row in orm_rows["emails"] if row[0] is None}
    assert kinds == {"reminder", "escalation", "issuance"}
    reasons = {item[-3] for row in orm_rows["emails"] for item in row[-1]}
    assert {"contact,additional", "additional", "order", "order,escalation", "escalation", "support"} <= reasons, (
        reasons
    )
    assert (world.later.order_number, NOW + timedelta(hours=1)) in orm_rows["orders"]
    assert world.reissued.order_number not in {row[0] for row in orm_rows["reminders"]}


@pytest.mark.smoke
@pytest.mark.django_db
def test_a_sweep_with_nothing_due_is_one_query_and_no_transaction(seoul_partner):
    make_order(seoul_partner, date(2027, 3, 1))
    sweep.run_sweep(now=NOW)
    with CaptureQueriesContext(connection) as queries:
        result = sweep.run_sweep(now=NOW)
    assert result == sweep.SweepResult()
    assert len(queries) == 1 and "SAVEPOINT" not in queries[0]["sql"]


@pytest.mark.smoke
@pytest.mark.django_db
def test_anything_due_sees_an_order_due_this_very_instant(seoul_partner):
    order = make_order(seoul_partner, date(2027, 3, 1))
    Order.objects.filter(pk=order.pk).update(next_reminder_at=NOW)
    assert not sweep.anything_due(NOW - timedelta(microseconds=1))
    assert sweep.anything_due(NOW)
    assert sweep.run_sweep(now=NOW).due == 1


@pytest.mark.smoke
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("due", "tasks_at_most", "helpers"), [(0, 4, 0), (2, 4, 0), (3, 4, 1), (5, 4, 2), (9, 4, 3), (9, 2, 1)]
)
def test_beat_queues_one_helper_per_further_chunk_due_up_to_the_limit(
    seoul_partner, monkeypatch, settings, due, tasks_at_most, helpers
):
    monkeypatch.setattr(sweep, "CHUNK", 2)
    settings.REMINDER_SWEEP_TASKS = tasks_at_most
    for _ in range(due):
        make_order(seoul_partner, date(2027, 3, 1))
    queued = []
    monkeypatch.setattr(tasks.sweep_chunks, "delay", lambda: queued.append("helper"))
    with time_machine.travel(NOW, tick=False):
        outcome = tasks.sweep_reminders()
    assert len(queued) == helpers
    assert outcome["due"] == due == Reminder.objects.count()  # beat's own share sweeps on to the end
