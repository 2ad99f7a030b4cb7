"""The reminder sweep: record each reminder that is due now, once, and queue one email per contact.

Work grows with what is due: only orders whose ``next_reminder_at`` has come are read (one indexed
range), a chunk at a time, each chunk in its own transaction with its rows locked (``SKIP LOCKED``,
so two sweeps at once split the work instead of doubling it). The unique reminder row is the last word
on "once"; the chunk's transaction creates the reminders and their outbox items together.
"""

from collections import defaultdict
from dataclasses import dataclass, field, replace

from django.db import IntegrityError, connection, transaction

from partners.models import Contact
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


def sweep_chunk(now, result):
    """Process one locked chunk; False when nothing was left to do."""
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


def run_sweep(*, now, dry_run=False) -> SweepResult:
    if dry_run:
        return dry_run_sweep(now)
    result = SweepResult()
    conflicts = 0
    while True:
        before = replace(result)
        try:
            if not sweep_chunk(now, result):
                return result
        except IntegrityError:
            result = before
            # A concurrent sweep recorded some of these reminders first (on a database without
            # SKIP LOCKED); this chunk's transaction is undone and the next pass sees its rows.
            conflicts += 1
            if conflicts > 5:
                raise
