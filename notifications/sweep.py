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

from collections import defaultdict
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from partners.models import Contact, Customer, Partner
from renewals.models import Certificate, Order, OrderStatus
from renewals.validity import lifetime, reissue_thresholds_for

from .models import EmailKind, EmailStatus, OutboxEmail, OutboxItem, Reminder
from .policy import REISSUE, RENEWAL, Track, evaluate, send_time

CHUNK = 1000


@dataclass
class SweepResult:
    due: int = 0  # reminders due now (new ones)
    queued: int = 0  # emails created or extended
    already_recorded: int = 0  # due, but recorded by an earlier or concurrent sweep
    orders_checked: int = 0
    planned: list = field(default_factory=list)  # with dry_run: (order number, kind, threshold, contacts)


def tracks_for(order, partner, certificate_days):
    """The countdowns an order is on: its term, and a certificate that ends inside the term."""
    if not order.is_remindable:
        return []
    tracks = [Track(RENEWAL, order.term_end, tuple(partner.reminder_thresholds))]
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
    partner = order.customer.partner
    tracks = tracks_for(order, partner, order.certificate_days)
    due, next_check = evaluate_tracks(tracks, now=now, zone=order.customer.tzinfo, send_hour=partner.reminder_send_hour)
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


def contacts_by_customer(customer_ids):
    contacts = defaultdict(list)
    for contact in Contact.objects.filter(customer_id__in=customer_ids, unsubscribed_at__isnull=True).order_by("pk"):
        contacts[contact.customer_id].append(contact)
    return contacts


def queue_emails(reminders, partner_of_customer, now):
    """One email per contact, listing every reminder due for that contact; a reminder email still
    waiting for that contact (not yet picked up by a sender) takes the new items instead."""
    contacts = contacts_by_customer({reminder.order.customer_id for reminder in reminders})
    per_contact = defaultdict(list)
    customer_of = {}
    for reminder in reminders:
        for contact in contacts[reminder.order.customer_id]:
            per_contact[contact].append(reminder)
            customer_of[contact] = reminder.order.customer
    waiting = {
        email.contact_id: email
        for email in OutboxEmail.objects.filter(
            contact__in=list(per_contact), kind=EmailKind.REMINDER, status=EmailStatus.PENDING, attempts=0
        ).select_for_update()
    }
    new_emails = [
        OutboxEmail.new(
            partner_id=partner_of_customer[contact.customer_id],
            contact=contact,
            to_email=contact.email,
            next_attempt_at=send_time(
                now, customer_of[contact].tzinfo, customer_of[contact].partner.reminder_send_hour
            ),
        )
        for contact in per_contact
        if contact.pk not in waiting
    ]
    OutboxEmail.objects.bulk_create(new_emails)
    emails = waiting | {email.contact_id: email for email in new_emails}
    OutboxItem.objects.bulk_create(
        [
            OutboxItem(email=emails[contact.pk], reminder=reminder, contact=contact)
            for contact, due in per_contact.items()
            for reminder in due
        ]
    )
    return len(per_contact)


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
        partners = {order.customer_id: order.partner_id for order in orders}
        result.queued += queue_emails(new, partners, now) if new else 0
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
    )
    is_live = Order.is_live
    is_remindable = Order.is_remindable
    needs_reissue = Order.needs_reissue


class CustomerRow:
    """A customer's time zone, by ``Customer``'s own definition (its own, else its partner's)."""

    __slots__ = ("time_zone", "partner")
    effective_time_zone = Customer.effective_time_zone
    tzinfo = Customer.tzinfo

    def __init__(self, time_zone, partner):
        self.time_zone, self.partner = time_zone, partner


# The ORM path's ``lock_chunk``: the same rows and locks (only the orders' rows). Ordered by the
# index alone: many orders share a due instant (the send hour), and a tie-break on ``id`` would sort
# every due row for each chunk.
LOCK_DUE_ORDERS = """
SELECT o.id, o.customer_id, o.partner_id, o.term_end, o.expires_on, o.status, o.renewal_notices,
       renewal.id, c.time_zone, c.partner_id
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
RETURNING id, order_id
"""

# ``queue_emails`` in one statement: each subscribed contact of a customer with new reminders gets an
# item per reminder, on the oldest reminder email still waiting for that contact (pending, not yet
# attempted; locked, so no sender takes it meanwhile) or else on a new email. Returns the contacts.
# ``= ANY(array)`` rather than a join to ``unnest`` lets the planner see how few rows it needs and use
# the contact and email indexes instead of scanning both tables for every chunk.
QUEUE_EMAILS = """
WITH new_reminder(id, customer_id) AS (
    SELECT * FROM unnest(%(reminders)s::bigint[], %(reminder_customers)s::bigint[])
), customer(id, partner_id, send_at) AS (
    SELECT * FROM unnest(%(customers)s::bigint[], %(partners)s::bigint[], %(send_at)s::timestamptz[])
), contact AS MATERIALIZED (
    SELECT ct.id, ct.customer_id, ct.email, customer.partner_id, customer.send_at
    FROM partners_contact ct JOIN customer ON customer.id = ct.customer_id
    WHERE ct.customer_id = ANY(%(customers)s::bigint[]) AND ct.unsubscribed_at IS NULL
), waiting AS MATERIALIZED (
    SELECT e.id, e.contact_id, e.created_at FROM notifications_outboxemail e
    WHERE e.contact_id = ANY(ARRAY(SELECT id FROM contact))
      AND e.kind = %(reminder_kind)s AND e.status = %(pending)s AND e.attempts = 0
    ORDER BY e.id
    FOR UPDATE OF e
), taken AS (
    SELECT DISTINCT ON (contact_id) id, contact_id FROM waiting ORDER BY contact_id, created_at, id
), fresh AS MATERIALIZED (
    SELECT contact.*, gen_random_uuid() AS token FROM contact
    WHERE NOT EXISTS (SELECT FROM taken WHERE taken.contact_id = contact.id)
), created AS (
    INSERT INTO notifications_outboxemail (
        partner_id, contact_id, kind, to_email, subject, body_text, body_html, message_id, token, status,
        attempts, next_attempt_at, last_error, created_at, updated_at
    )
    SELECT partner_id, id, %(reminder_kind)s, email, '', '', '', '<' || token::text || %(at_domain)s, token,
           %(pending)s, 0, send_at, '', %(stamp)s, %(stamp)s
    FROM fresh ORDER BY id
    RETURNING id, contact_id
), email AS (
    SELECT id, contact_id FROM taken UNION ALL SELECT id, contact_id FROM created
), item AS (
    INSERT INTO notifications_outboxitem (email_id, reminder_id, contact_id, manual, skipped)
    SELECT email.id, new_reminder.id, contact.id, false, false
    FROM new_reminder
    JOIN contact ON contact.customer_id = new_reminder.customer_id
    JOIN email ON email.contact_id = contact.id
    ORDER BY contact.id, new_reminder.id
    RETURNING contact_id
)
SELECT count(DISTINCT contact_id) FROM item
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
    for pk, customer_id, partner_id, term_end, expires_on, status, notices, renewal, zone, partner in fetched:
        order = OrderRow()
        order.pk, order.customer_id, order.partner_id = pk, customer_id, partner_id
        order.term_end, order.expires_on, order.status = term_end, expires_on, status
        order.renewal_notices, order.renewal = notices, renewal
        orders.append(order)
        if customer_id not in customers:
            customers[customer_id] = CustomerRow(zone, partners[partner])
    return with_certificate_days(orders), customers


def plan_rows(orders, customers, zones, now):
    """``(due [(order id, track, threshold)], next checks)``: ``tracks_for`` and ``evaluate_tracks``
    for every order, as ``plan_order``. Evaluating is pure and a chunk's orders share few end dates,
    zones and policies, so each distinct evaluation runs once."""
    due, next_checks, evaluated = [], [], {}
    for order in orders:
        partner = customers[order.customer_id].partner
        zone, send_hour = zones[order.customer_id], partner.reminder_send_hour
        tracks = tracks_for(order, partner, order.certificate_days)
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
                result.queued += queue_emails_set_based(cursor, new, orders, customers, zones, now, stamp)
            cursor.execute(SCHEDULE_NEXT_CHECKS, [array(order.pk for order in orders), instants(next_checks)])
    return True


def queue_emails_set_based(cursor, new, orders, customers, zones, now, stamp):
    """``queue_emails`` for the new reminders ``[(reminder id, order id)]``: the number of contacts."""
    customer_of = {order.pk: order.customer_id for order in orders}
    partner_of = {order.customer_id: order.partner_id for order in orders}
    reminder_customers = [customer_of[order_id] for _id, order_id in new]
    due_customers = list(dict.fromkeys(reminder_customers))
    send_times = {}  # send_time is pure: once per zone and send hour
    for customer_id in due_customers:
        key = (zones[customer_id], customers[customer_id].partner.reminder_send_hour)
        if key not in send_times:
            send_times[key] = send_time(now, *key)
    cursor.execute(
        QUEUE_EMAILS,
        {
            "reminders": array(reminder_id for reminder_id, _order in new),
            "reminder_customers": array(reminder_customers),
            "customers": array(due_customers),
            "partners": array(partner_of[customer_id] for customer_id in due_customers),
            "send_at": instants(
                send_times[zones[customer_id], customers[customer_id].partner.reminder_send_hour]
                for customer_id in due_customers
            ),
            "reminder_kind": EmailKind.REMINDER.value,
            "pending": EmailStatus.PENDING.value,
            "at_domain": f"@{settings.EMAIL_MESSAGE_ID_DOMAIN}>",
            "stamp": stamp,
        },
    )
    return cursor.fetchone()[0]


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
    return result


ANYTHING_DUE = "SELECT 1 FROM renewals_order WHERE next_reminder_at <= %s LIMIT 1"


def anything_due(now):
    """One indexed probe, outside any transaction: with nothing due it is the sweep's whole cost
    (bare SQL, as compiling the ORM's query took longer than the database answering it)."""
    with connection.cursor() as cursor:
        cursor.execute(ANYTHING_DUE, [connection.ops.adapt_datetimefield_value(now)])
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
