"""The reminder sweep: record each reminder that is due now, once, and queue one email per contact.

Work grows with what is due: only orders whose ``next_reminder_at`` has come are read (one indexed
range), a chunk at a time, each chunk in its own transaction with its rows locked (``SKIP LOCKED``,
so two sweeps at once split the work instead of doubling it). The unique reminder row is the last word
on "once"; the chunk's transaction creates the reminders and their outbox items together. Any number of
sweeps may run at once (beat's sweep task and the helpers it queues, ``tasks.py``): each takes the
chunks the others have not locked.

Planning (which threshold is due, when to look again) is Python and the same on every database:
``tracks_for`` and ``evaluate_tracks``. Writing the plan differs. On PostgreSQL each chunk is a few
set-based statements (reminders ``INSERT … ON CONFLICT DO NOTHING RETURNING``, emails and their
items in one statement, next checks ``UPDATE … FROM unnest``), because building a model instance per
row cost more than the database's work; other databases (SQLite) write through the ORM. A test runs
both on the same data and compares every row.
"""

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from partners.models import Customer, Partner
from renewals.models import AutoRenewalStatus, Certificate, Order, OrderStatus
from renewals.validity import lifetime, reissue_thresholds_for

from . import auto_renewals
from .models import EmailStatus, OutboxEmail, OutboxItem, Reminder
from .policy import ISSUANCE, REISSUE, RENEWAL, Track, evaluate, issuance_thresholds, send_time
from .recipients import Directory, normalized, plan_deliveries

CHUNK = 1000


@dataclass
class SweepResult:
    due: int = 0  # reminders due now (new ones)
    queued: int = 0  # emails created or extended
    already_recorded: int = 0  # due, but recorded by an earlier or concurrent sweep
    orders_checked: int = 0
    planned: list = field(default_factory=list)  # with dry_run: (order number, kind, threshold, contacts)
    auto_renewed: int = 0  # orders renewed by auto-renew (``auto_renewals.py``)
    auto_renew_failed: int = 0  # auto-renewals refused (the orders keep their ordinary reminders)
    auto_renew_planned: list = field(default_factory=list)  # with dry_run: order numbers it would renew


def tracks_for(order, partner, certificate_days, zone):
    """The countdowns an order is on: its term, a certificate that ends inside the term, and (for
    support, whatever the customer's notices) the days a renewal has waited for its certificate."""
    tracks = []
    if order.is_live and order.status == OrderStatus.AWAITING_ISSUANCE and partner.issuance_reminder_days:
        waiting_since = (order.awaiting_issuance_since or order.created_at).astimezone(zone).date()
        tracks.append(Track(ISSUANCE, waiting_since, issuance_thresholds(partner.issuance_reminder_days)))
    if not order.is_remindable:
        return tracks
    tracks.append(Track(RENEWAL, order.term_end, tuple(partner.reminder_thresholds)))
    if order.status == OrderStatus.ACTIVE and order.needs_reissue and certificate_days:
        thresholds = reissue_thresholds_for(partner.reissue_thresholds, certificate_days)
        tracks.append(Track(REISSUE, order.expires_on, thresholds))
    return tracks


def evaluate_tracks(tracks, *, now, zone, send_hour):
    """``([(track, threshold due now)], next check)`` over an order's tracks."""
    due, next_checks = [], []
    for track in tracks:
        evaluation = evaluate(track, now=now, zone=zone, send_hour=send_hour)
        if evaluation.threshold is not None:
            due.append((track, evaluation.threshold))
        if evaluation.next_check is not None:
            next_checks.append(evaluation.next_check)
    return due, min(next_checks, default=None)


def plan_order(order, now):
    """``(due reminders, next check)`` for one order at ``now``."""
    partner, zone = order.customer.partner, order.customer.tzinfo
    tracks = tracks_for(order, partner, order.certificate_days, zone)
    due, next_check = evaluate_tracks(tracks, now=now, zone=zone, send_hour=partner.reminder_send_hour)
    reminders = [
        Reminder(order=order, kind=track.kind, ends_on=track.ends_on, threshold_days=threshold)
        for track, threshold in due
    ]
    return reminders, next_check


def due_orders(now):
    return (
        Order.objects.filter(next_reminder_at__lte=now)
        .select_related("customer__partner", "renewal")
        .order_by("next_reminder_at", "id")
    )


def lock_chunk(now, size):
    queryset = due_orders(now)
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True, of=("self",))
    return with_certificate_days(list(queryset[:size]))


def email_send_times(deliveries, customers, now):
    """When each new email may leave (``send_time``, pure: once per zone and send hour): in the
    customer's working hours, or for a staff email in its partner's."""
    partners = {customer.partner.pk: customer.partner for customer in customers.values()}
    computed, times = {}, {}
    for delivery in deliveries:
        if delivery.email_key in times:
            continue
        partner = partners[delivery.partner_id]
        zone = partner.tzinfo if delivery.customer_id is None else customers[delivery.customer_id].tzinfo
        key = (zone, partner.reminder_send_hour)
        if key not in computed:
            computed[key] = send_time(now, *key)
        times[delivery.email_key] = computed[key]
    return times


# One transaction at a time decides a staff address's email: every chunk holds orders of many
# customers, so two sweeps at once would otherwise each start a digest for the support mailbox. Only
# staff addresses (a few per partner): a lock per customer address would fill the lock table. Taken in
# one order (sorted), before any email row is locked, so two sweeps never wait for each other in a circle.
LOCK_ADDRESSES = "SELECT count(pg_advisory_xact_lock(key)) FROM (SELECT unnest(%s::bigint[]) AS key ORDER BY 1) keys"


def address_lock(email_key):
    """A 64-bit advisory lock key for an email's (kind, partner, customer, address)."""
    digest = hashlib.blake2b(repr(email_key).encode(), digest_size=8, person=b"outbox").digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_addresses(keys):
    if connection.vendor == "postgresql" and keys:
        with connection.cursor() as cursor:
            cursor.execute(LOCK_ADDRESSES, [sorted(address_lock(key) for key in keys)])


def waiting_emails(deliveries):
    """``{email key: email id}``: for each address, the oldest email of its kind still waiting (pending,
    not yet attempted; locked, so no sender takes it meanwhile) takes the new items."""
    keys = {delivery.email_key for delivery in deliveries}
    lock_addresses({key for key in keys if key[2] is None})
    customers = {delivery.customer_id for delivery in deliveries if delivery.customer_id is not None}
    partners = {delivery.partner_id for delivery in deliveries if delivery.customer_id is None}
    emails = (
        OutboxEmail.objects.filter(
            Q(customer_id__in=customers) | Q(customer__isnull=True, partner_id__in=partners),
            kind__in={key[0] for key in keys},
            status=EmailStatus.PENDING,
            attempts=0,
        )
        .order_by("pk")  # rows locked in one order by every sweep
        .select_for_update(of=("self",))
        .values_list("pk", "kind", "partner_id", "customer_id", "to_email", "created_at")
    )
    waiting = {}
    for pk, kind, partner_id, customer_id, to_email, _created_at in sorted(emails, key=lambda row: (row[5], row[0])):
        key = (kind, partner_id, customer_id, normalized(to_email))
        if key in keys and key not in waiting:
            waiting[key] = pk
    return waiting


def new_emails_of(deliveries, waiting):
    """The first delivery of each email to be created (its address, contact and customer), in order."""
    fresh = {}
    for delivery in deliveries:
        if delivery.email_key not in waiting and delivery.email_key not in fresh:
            fresh[delivery.email_key] = delivery
    return list(fresh.values())


def queue_emails(reminders, customers, now):
    """One email per address for the reminders due (``recipients.plan_deliveries``), each listing
    every reminder due for that address; an email still waiting for that address (not yet picked up
    by a sender) takes the new items instead. Returns the number of emails created or extended."""
    due = [(reminder, reminder.order, reminder.kind, reminder.threshold_days) for reminder in reminders]
    deliveries = plan_deliveries(due, customers, Directory.load(customers))
    if not deliveries:
        return 0
    waiting = waiting_emails(deliveries)
    send_times = email_send_times(deliveries, customers, now)
    new_emails = [
        OutboxEmail.new(
            partner_id=delivery.partner_id,
            customer_id=delivery.customer_id,
            contact_id=delivery.contact_id,
            kind=delivery.kind,
            to_email=delivery.address,
            next_attempt_at=send_times[delivery.email_key],
        )
        for delivery in new_emails_of(deliveries, waiting)
    ]
    OutboxEmail.objects.bulk_create(new_emails)
    emails = waiting | {
        (email.kind, email.partner_id, email.customer_id, normalized(email.to_email)): email.pk for email in new_emails
    }
    OutboxItem.objects.bulk_create(
        [
            OutboxItem(
                email_id=emails[delivery.email_key],
                reminder=delivery.reminder,
                contact_id=delivery.contact_id,
                address=delivery.key,
                reasons=delivery.reasons_text,
            )
            for delivery in deliveries
        ]
    )
    return len({delivery.email_key for delivery in deliveries})


def with_certificate_days(orders):
    """The lifetime of each order's latest certificate, for the orders on a reissue track only (one
    query for the chunk; most orders' certificates last their term)."""
    reissuing = [order.pk for order in orders if order.needs_reissue]
    latest = {}
    for order_id, starts, ends in (
        Certificate.objects.filter(order_id__in=reissuing)
        .order_by("order_id", "not_after")
        .values_list("order_id", "not_before", "not_after")
    ):
        latest[order_id] = lifetime(not_before=starts, not_after=ends).days
    for order in orders:
        order.certificate_days = latest.get(order.pk, 0)
    return orders


def new_reminders(orders, now, result):
    """Plan every order; keep the reminders not recorded yet. Returns (new, next check per order)."""
    result.orders_checked += len(orders)
    planned, next_checks = [], {}
    for order in orders:
        due, next_check = plan_order(order, now)
        planned.extend(due)
        next_checks[order.pk] = next_check
    recorded = set(Reminder.objects.filter(order__in=orders).values_list("order_id", "ends_on", "threshold_days"))
    new = [r for r in planned if (r.order.pk, r.ends_on, r.threshold_days) not in recorded]
    result.already_recorded += len(planned) - len(new)
    result.due += len(new)
    return new, next_checks


def schedule_next_checks(next_checks):
    """One UPDATE per distinct instant: orders share the few due times a chunk holds, and a plain
    ``UPDATE … WHERE id IN`` is far cheaper than a per-row CASE."""
    by_instant = defaultdict(list)
    for order_id, instant in next_checks.items():
        by_instant[instant].append(order_id)
    for instant, ids in by_instant.items():
        Order.objects.filter(pk__in=ids).update(next_reminder_at=instant)


def sweep_chunk(now, result, *, set_based=None):
    """Process one locked chunk; False when nothing was left to do. ``set_based``: None picks the
    path by database (``uses_set_based``); False forces the ORM path (the comparison test)."""
    if uses_set_based() if set_based is None else set_based:
        return sweep_chunk_set_based(now, result)
    return sweep_chunk_orm(now, result)


def sweep_chunk_orm(now, result):
    with transaction.atomic():
        orders = lock_chunk(now, CHUNK)
        if not orders:
            return False
        new, next_checks = new_reminders(orders, now, result)
        Reminder.objects.bulk_create(new)
        customers = {order.customer_id: order.customer for order in orders}
        result.queued += queue_emails(new, customers, now) if new else 0
        schedule_next_checks(next_checks)
    return True


def uses_set_based():
    """The set-based statements need PostgreSQL (``unnest``, ``ON CONFLICT``, ``gen_random_uuid``)."""
    return connection.vendor == "postgresql"


class OrderRow:
    """The columns of an order that planning reads, with ``Order``'s own definitions of "remindable"
    and "needs a reissue" (the very properties), at a fraction of a model instance's cost."""

    __slots__ = (
        "pk",
        "customer_id",
        "partner_id",
        "term_end",
        "expires_on",
        "status",
        "renewal_notices",
        "renewal",
        "certificate_days",
        "created_at",
        "awaiting_issuance_since",
        "reminder_recipients",
    )
    is_live = Order.is_live
    is_remindable = Order.is_remindable
    needs_reissue = Order.needs_reissue


class CustomerRow:
    """A customer's time zone, by ``Customer``'s own definition (its own, else its partner's), and
    what deciding its recipients reads."""

    __slots__ = ("time_zone", "partner", "reminder_recipients", "sales_owner_id")
    effective_time_zone = Customer.effective_time_zone
    tzinfo = Customer.tzinfo

    def __init__(self, time_zone, partner, reminder_recipients=(), sales_owner_id=None):
        self.time_zone, self.partner = time_zone, partner
        self.reminder_recipients, self.sales_owner_id = reminder_recipients, sales_owner_id


# The ORM path's ``lock_chunk``: the same rows and locks (only the orders' rows). Ordered by the
# index alone: many orders share a due instant (the send hour), and a tie-break on ``id`` would sort
# every due row for each chunk.
LOCK_DUE_ORDERS = """
SELECT o.id, o.customer_id, o.partner_id, o.term_end, o.expires_on, o.status, o.renewal_notices,
       renewal.id, c.time_zone, c.partner_id, o.created_at, o.awaiting_issuance_since, o.reminder_recipients,
       c.reminder_recipients, c.sales_owner_id
FROM renewals_order o
JOIN partners_customer c ON c.id = o.customer_id
LEFT JOIN renewals_order renewal ON renewal.renewed_from_id = o.id
WHERE o.next_reminder_at <= %s
ORDER BY o.next_reminder_at
LIMIT %s
FOR UPDATE OF o SKIP LOCKED
"""

RECORD_REMINDERS = """
INSERT INTO notifications_reminder (order_id, kind, ends_on, threshold_days, created_at, cancel_reason)
SELECT order_id, kind, ends_on, threshold_days, %s, ''
FROM unnest(%s::bigint[], %s::varchar[], %s::date[], %s::smallint[]) AS due(order_id, kind, ends_on, threshold_days)
ON CONFLICT (order_id, ends_on, threshold_days) DO NOTHING
RETURNING id, order_id, kind, threshold_days
"""

# ``queue_emails``'s writes in two statements: the new emails (``message_id`` from a token made by
# the database), then every item. The plan, and the emails still waiting that take new items, are
# worked out as for ``queue_emails``.
CREATE_EMAILS = """
INSERT INTO notifications_outboxemail (
    partner_id, customer_id, contact_id, kind, to_email, subject, body_text, body_html, message_id, token,
    status, attempts, next_attempt_at, last_error, created_at, updated_at
)
SELECT partner_id, customer_id, contact_id, kind, to_email, '', '', '', '<' || token::text || %(at_domain)s,
       token, %(pending)s, 0, send_at, '', %(stamp)s, %(stamp)s
FROM (
    SELECT *, gen_random_uuid() AS token
    FROM unnest(%(partners)s::bigint[], %(customers)s::bigint[], %(contacts)s::bigint[], %(kinds)s::varchar[],
                %(addresses)s::varchar[], %(send_at)s::timestamptz[]) WITH ORDINALITY
         AS fresh(partner_id, customer_id, contact_id, kind, to_email, send_at, n)
) fresh
ORDER BY n
RETURNING id, kind, partner_id, customer_id, to_email
"""

CREATE_ITEMS = """
INSERT INTO notifications_outboxitem (email_id, reminder_id, contact_id, address, reasons, manual, skipped)
SELECT email_id, reminder_id, contact_id, address, reasons, false, false
FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::varchar[], %s::varchar[])
     AS item(email_id, reminder_id, contact_id, address, reasons)
"""

SCHEDULE_NEXT_CHECKS = """
UPDATE renewals_order SET next_reminder_at = next.at
FROM unnest(%s::bigint[], %s::timestamptz[]) AS next(id, at)
WHERE renewals_order.id = next.id
"""


def array(values, text=str):
    """A PostgreSQL array literal (``{1,2,3}``) of numbers, dates or plain words. psycopg adapts a
    list element by element, which cost more Python time than a chunk's planning; a string is cheap."""
    return "{" + ",".join(map(text, values)) + "}"


def instants(values):
    """``array`` of instants, ``None`` being NULL; a chunk holds few distinct ones, each formatted once."""
    formatted = {None: "NULL"}

    def text(value):
        if value not in formatted:
            formatted[value] = value.isoformat()
        return formatted[value]

    return array(values, text)


def lock_rows(now, size):
    """The chunk's orders (locked) and their customers, as light rows for planning."""
    with connection.cursor() as cursor:
        cursor.execute(LOCK_DUE_ORDERS, [now, size])
        fetched = cursor.fetchall()
    partners = Partner.objects.in_bulk({row[9] for row in fetched})
    orders, customers = [], {}
    for (
        pk, customer_id, partner_id, term_end, expires_on, status, notices, renewal, zone, partner,
        created_at, awaiting_since, order_recipients, customer_recipients, sales_owner_id,
    ) in fetched:  # fmt: skip
        order = OrderRow()
        order.pk, order.customer_id, order.partner_id = pk, customer_id, partner_id
        order.term_end, order.expires_on, order.status = term_end, expires_on, status
        order.renewal_notices, order.renewal = notices, renewal
        order.created_at, order.awaiting_issuance_since = created_at, awaiting_since
        order.reminder_recipients = json_list(order_recipients)
        orders.append(order)
        if customer_id not in customers:
            customers[customer_id] = CustomerRow(
                zone, partners[partner], json_list(customer_recipients), sales_owner_id
            )
    return with_certificate_days(orders), customers


def json_list(value):
    """A JSON column read by a bare cursor: psycopg decodes ``jsonb``; a text column comes as text."""
    if isinstance(value, str):
        value = json.loads(value)
    return value or []


def plan_rows(orders, customers, zones, now):
    """``(due [(order id, track, threshold)], next checks)``: ``tracks_for`` and ``evaluate_tracks``
    for every order, as ``plan_order``. Evaluating is pure and a chunk's orders share few end dates,
    zones and policies, so each distinct evaluation runs once."""
    due, next_checks, evaluated = [], [], {}
    for order in orders:
        partner = customers[order.customer_id].partner
        zone, send_hour = zones[order.customer_id], partner.reminder_send_hour
        tracks = tracks_for(order, partner, order.certificate_days, zone)
        key = (*tracks, zone, send_hour)
        if key not in evaluated:
            evaluated[key] = evaluate_tracks(tracks, now=now, zone=zone, send_hour=send_hour)
        thresholds, next_check = evaluated[key]
        due.extend((order.pk, track, threshold) for track, threshold in thresholds)
        next_checks.append(next_check)
    return due, next_checks


def sweep_chunk_set_based(now, result):
    """``sweep_chunk_orm``'s work: read and lock, plan, then record, queue and reschedule in three
    statements (a reminder recorded already is left out by ``ON CONFLICT``, as ``new_reminders``
    leaves it out)."""
    with transaction.atomic():
        orders, customers = lock_rows(now, CHUNK)
        if not orders:
            return False
        result.orders_checked += len(orders)
        zones = {customer_id: customer.tzinfo for customer_id, customer in customers.items()}
        due, next_checks = plan_rows(orders, customers, zones, now)
        stamp = timezone.now()
        with connection.cursor() as cursor:
            new = []
            if due:
                cursor.execute(
                    RECORD_REMINDERS,
                    [
                        stamp,
                        array(order_id for order_id, _track, _threshold in due),
                        array(track.kind for _order_id, track, _threshold in due),
                        array(track.ends_on for _order_id, track, _threshold in due),
                        array(threshold for _order_id, _track, threshold in due),
                    ],
                )
                new = cursor.fetchall()
            result.already_recorded += len(due) - len(new)
            result.due += len(new)
            if new:
                result.queued += queue_emails_set_based(cursor, new, orders, customers, now, stamp)
            cursor.execute(SCHEDULE_NEXT_CHECKS, [array(order.pk for order in orders), instants(next_checks)])
    return True


def queue_emails_set_based(cursor, new, orders, customers, now, stamp):
    """``queue_emails`` for the new reminders ``[(reminder id, order id, kind, threshold)]``: the
    same plan, written in two statements. Returns the number of emails created or extended."""
    order_of = {order.pk: order for order in orders}
    due = [(reminder_id, order_of[order_id], kind, threshold) for reminder_id, order_id, kind, threshold in new]
    deliveries = plan_deliveries(due, customers, Directory.load(customers))
    if not deliveries:
        return 0
    waiting = waiting_emails(deliveries)
    send_times = email_send_times(deliveries, customers, now)
    fresh = new_emails_of(deliveries, waiting)
    emails = dict(waiting)
    if fresh:
        cursor.execute(
            CREATE_EMAILS,
            {
                "partners": [d.partner_id for d in fresh],
                "customers": [d.customer_id for d in fresh],
                "contacts": [d.contact_id for d in fresh],
                "kinds": [d.kind for d in fresh],
                "addresses": [d.address for d in fresh],
                "send_at": [send_times[d.email_key] for d in fresh],
                "pending": EmailStatus.PENDING.value,
                "at_domain": f"@{settings.EMAIL_MESSAGE_ID_DOMAIN}>",
                "stamp": stamp,
            },
        )
        for pk, kind, partner_id, customer_id, to_email in cursor.fetchall():
            emails[kind, partner_id, customer_id, normalized(to_email)] = pk
    cursor.execute(
        CREATE_ITEMS,
        [
            [emails[d.email_key] for d in deliveries],
            [d.reminder for d in deliveries],
            [d.contact_id for d in deliveries],
            [d.key for d in deliveries],
            [d.reasons_text for d in deliveries],
        ],
    )
    return len({delivery.email_key for delivery in deliveries})


def dry_run_sweep(now) -> SweepResult:
    """What a sweep at ``now`` would record, changing nothing."""
    result = SweepResult()
    batch = []
    for order in due_orders(now).iterator(chunk_size=CHUNK):
        batch.append(order)
        if len(batch) == CHUNK:
            new, _checks = new_reminders(with_certificate_days(batch), now, result)
            result.planned.extend((r.order.order_number, r.kind, r.threshold_days) for r in new)
            batch = []
    new, _checks = new_reminders(with_certificate_days(batch), now, result)
    result.planned.extend((r.order.order_number, r.kind, r.threshold_days) for r in new)
    result.auto_renew_planned = auto_renewals.planned_auto_renewals(now)
    return result


# An order due for a reminder, or an auto-renewal whose day may have come somewhere (each index range
# stops at its first row).
ANYTHING_DUE = (
    "SELECT 1 FROM renewals_order WHERE next_reminder_at <= %s "
    "UNION ALL SELECT 1 FROM renewals_autorenewal WHERE status = %s AND renew_on <= %s LIMIT 1"
)


def anything_due(now):
    """One indexed probe, outside any transaction: with nothing due it is the sweep's whole cost
    (bare SQL, as compiling the ORM's query took longer than the database answering it)."""
    ops = connection.ops
    with connection.cursor() as cursor:
        cursor.execute(
            ANYTHING_DUE,
            [
                ops.adapt_datetimefield_value(now),
                AutoRenewalStatus.SCHEDULED.value,
                ops.adapt_datefield_value(auto_renewals.latest_day(now)),
            ],
        )
        return cursor.fetchone() is not None


def due_chunks(now, most):
    """How many chunks are due now, counting to ``most`` at the most (one index range)."""
    due = Order.objects.filter(next_reminder_at__lte=now)[: most * CHUNK].count()
    return -(-due // CHUNK)


def run_sweep(*, now, dry_run=False, set_based=None) -> SweepResult:
    """Sweep chunk after chunk until none is left (other sweeps may be taking chunks meanwhile)."""
    if dry_run:
        return dry_run_sweep(now)
    result = SweepResult()
    if not anything_due(now):
        return result
    auto_renewals.run_due_auto_renewals(now, result)  # first: an order renewed today gets no reminder today
    conflicts = 0
    while True:
        before = replace(result)
        try:
            if not sweep_chunk(now, result, set_based=set_based):
                return result
        except IntegrityError:
            result = before
            # A concurrent sweep recorded some of these reminders first (on a database without
            # SKIP LOCKED); this chunk's transaction is undone and the next pass sees its rows.
            conflicts += 1
            if conflicts > 5:
                raise
