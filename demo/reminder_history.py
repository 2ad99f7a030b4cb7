"""The demo's past reminders: what the sweep and the sender would have recorded had the portal been
running all along, so Quick View shows an order's reminders, the reports' funnel has numbers, and the
first real sweep sends only what falls due after seeding.

Every threshold of an order's tracks (``notifications.sweep.tracks_for``) whose due instant
(``policy.due_at``) came by ``as_of`` went out on its day, unless the order was renewed before it.
``as_of`` is the instant the seeder plans each order's ``next_reminder_at`` from, so the sweep finds
these reminders recorded and, at its next check, records only what falls due after them: nothing is
sent twice (the unique reminder row would refuse it anyway), and nothing due is left out. Recipients
follow the sweep's own rule (``recipients.plan_deliveries``): one email per address and sweep. Most
were delivered, a few failed; some customers opened their renewal link, most of those who renewed.

Rows go in with ``bulk_create``; the instants Django stamps on insert (``auto_now_add``) are then set
to the past, one UPDATE per instant.
"""

import smtplib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import translation

from notifications.emails import OrderLine, most_urgent_first, one_line, render_to_string
from notifications.models import EmailKind, EmailStatus, OutboxEmail, OutboxItem, Reminder
from notifications.policy import REISSUE, RENEWAL, due_at
from notifications.recipients import Directory, plan_deliveries
from notifications.sender import describe
from notifications.sweep import OrderRow, tracks_for, with_certificate_days
from partners.models import Customer
from renewals.models import Order, RenewalLinkOpen

BATCH = 5000
# Beat's hourly sweep records a day's reminders a little after the send hour; the worker sends soon after.
SWEEP_DELAY_SECONDS = (20, 240)
SEND_DELAY_SECONDS = (5, 600)
# Emails the mail server refused for good, or gave up on after the last attempt.
FAILED_SHARE = 0.0015
# Customers who opened their renewal link after a delivered reminder: most of those who renewed
# before the next one (the link is how a customer renews), a few of the others, within days.
OPENED_BEFORE_RENEWAL = 0.9
OPENED_OTHERWISE = 0.12
OPENED_WITHIN = timedelta(days=3)


@dataclass
class Sent:
    """One reminder of the history, recorded at ``at``; ``sent_at``: its first delivered email."""

    reminder: Reminder
    order: OrderRow
    at: datetime
    sent_at: datetime | None = None


def seed_reminder_history(partner, *, as_of, now, rng):
    """Record ``partner``'s past reminders, their emails and link opens. ``as_of(zone)``: the instant
    the history runs to in that zone (the seeder's, see ``PartnerSeeder.reminders_as_of``)."""
    customers = partner_customers(partner)
    orders, renewed_at = partner_orders(partner)
    history = past_reminders(partner, orders, customers, renewed_at, as_of, rng)
    if not history:
        return
    Reminder.objects.bulk_create([sent.reminder for sent in history], batch_size=BATCH)
    stamp(Reminder, [(sent.reminder.pk, sent.at) for sent in history], "created_at")
    seed_emails(partner, history, customers, rng)
    seed_link_opens(history, renewed_at, now, rng)


def partner_customers(partner) -> dict:
    customers = {customer.pk: customer for customer in Customer.objects.filter(partner=partner)}
    for customer in customers.values():
        customer.partner = partner  # read by the zone and recipient rules: no query per customer
    return customers


def partner_orders(partner):
    """``(orders, {order id: renewed at})``: every order as the sweep's planning reads it, taken as
    live (a renewed order is reminded until its renewal, ``past_reminders`` cuts there)."""
    orders, renewed_at = [], {}
    for (
        pk, customer_id, term_end, expires_on, status, notices, created_at, awaiting_since, recipients, renewed,
    ) in Order.objects.filter(partner=partner).order_by("pk").values_list(
        "pk", "customer_id", "term_end", "expires_on", "status", "renewal_notices", "created_at",
        "awaiting_issuance_since", "reminder_recipients", "renewed_at",
    ):  # fmt: skip
        order = OrderRow()
        order.pk, order.customer_id, order.partner_id = pk, customer_id, partner.pk
        order.term_end, order.expires_on, order.status, order.renewal_notices = term_end, expires_on, status, notices
        order.created_at, order.awaiting_issuance_since = created_at, awaiting_since
        order.reminder_recipients, order.renewal = recipients or [], None
        orders.append(order)
        if renewed is not None:
            renewed_at[pk] = renewed
    return with_certificate_days(orders), renewed_at


def past_reminders(partner, orders, customers, renewed_at, as_of, rng) -> list[Sent]:
    """Each threshold due by ``as_of`` (by the renewal, for a renewed order), in the order recorded."""
    send_hour, sweeps, history = partner.reminder_send_hour, {}, []
    for order in orders:
        zone = customers[order.customer_id].tzinfo
        until = as_of(zone)
        if order.pk in renewed_at:
            until = min(until, renewed_at[order.pk] - timedelta(seconds=1))
        for track in tracks_for(order, partner, order.certificate_days, zone):
            for threshold in sorted(set(track.thresholds), reverse=True):
                due = due_at(track.ends_on, threshold, zone, send_hour)
                if due > until:
                    break
                if due not in sweeps:
                    sweeps[due] = due + timedelta(seconds=rng.randint(*SWEEP_DELAY_SECONDS))
                reminder = Reminder(order_id=order.pk, kind=track.kind, ends_on=track.ends_on, threshold_days=threshold)
                history.append(Sent(reminder, order, sweeps[due]))
    history.sort(key=lambda sent: sent.at)
    return history


def stamp(model, rows, *fields):
    """Set ``fields`` of each ``(pk, instant)`` row to its instant: one UPDATE per instant (a day's
    sweep), as ``auto_now_add`` stamped the insert with the present."""
    by_instant = defaultdict(list)
    for pk, at in rows:
        by_instant[at].append(pk)
    for at, ids in by_instant.items():
        model.objects.filter(pk__in=ids).update(**dict.fromkeys(fields, at))


def seed_emails(partner, history, customers, rng):
    """One email per address and sweep, as the sweep queues them; sent, or now and then failed."""
    sent_of = {sent.reminder.pk: sent for sent in history}
    due = [(sent.reminder, sent.order, sent.reminder.kind, sent.reminder.threshold_days) for sent in history]
    groups = {}
    for delivery in plan_deliveries(due, customers, Directory.load(customers)):
        groups.setdefault((delivery.email_key, sent_of[delivery.reminder.pk].at), []).append(delivery)
    subjects = {}
    emails = [
        past_email(partner, deliveries, [sent_of[d.reminder.pk] for d in deliveries], customers, at, rng, subjects)
        for (_key, at), deliveries in groups.items()
    ]
    OutboxEmail.objects.bulk_create(emails, batch_size=BATCH)
    queued = [(email.pk, at) for email, (_key, at) in zip(emails, groups, strict=True)]
    stamp(OutboxEmail, queued, "created_at", "updated_at")
    items = []
    for email, deliveries in zip(emails, groups.values(), strict=True):
        for delivery in deliveries:
            sent = sent_of[delivery.reminder.pk]
            if email.status == EmailStatus.SENT and sent.sent_at is None:
                sent.sent_at = email.sent_at
            items.append(
                OutboxItem(
                    email_id=email.pk,
                    reminder_id=sent.reminder.pk,
                    contact_id=delivery.contact_id,
                    address=delivery.key,
                    reasons=delivery.reasons_text,
                )
            )
    OutboxItem.objects.bulk_create(items, batch_size=BATCH)


def past_email(partner, deliveries, reminders, customers, at, rng, subjects):
    """The email of ``deliveries`` (one address) queued at ``at``, as the sender left it."""
    first = deliveries[0]
    email = OutboxEmail.new(
        partner_id=partner.pk,
        customer_id=first.customer_id,
        contact_id=first.contact_id,
        kind=first.kind,
        to_email=first.address,
        next_attempt_at=at,
        attempts=1,
    )
    if first.kind == EmailKind.REMINDER:
        customer = customers[first.customer_id]
        email.subject = digest_subject(
            reminders, customer.effective_language, at.astimezone(customer.tzinfo).date(), subjects
        )
    sent_at = at + timedelta(seconds=rng.randint(*SEND_DELAY_SECONDS))
    if rng.random() < FAILED_SHARE:
        email.status, email.next_attempt_at = EmailStatus.FAILED, None
        email.attempts, email.last_error = failure(rng, first.address)
    else:
        email.status, email.sent_at = EmailStatus.SENT, sent_at
    return email


def failure(rng, address) -> tuple[int, str]:
    """``(attempts, last error)`` of a failed email: refused for good, or given up on."""
    if rng.random() < 0.6:
        refused = {address: (550, b"5.1.1 Recipient address rejected: mailbox unavailable")}
        return 1, describe(smtplib.SMTPRecipientsRefused(refused))
    return settings.OUTBOX_MAX_ATTEMPTS, describe(smtplib.SMTPConnectError(421, b"4.7.0 Too many connections"))


def digest_subject(reminders, language, day, subjects) -> str:
    """The subject the sender rendered for these reminders on ``day``: the reminder template's, led
    by the most urgent order (``emails.most_urgent_first``), with how many more the email lists.
    ``subjects``: those rendered so far, by language, line count and the leading line's kind and days."""
    kinds, orders = defaultdict(set), {}
    for sent in reminders:
        kinds[sent.order.pk].add(sent.reminder.kind)
        orders[sent.order.pk] = sent.order
    lines = most_urgent_first([subject_line(order, kinds[pk], day) for pk, order in orders.items()])
    urgent, others = lines[0], len(lines) - 1
    # A subject reads the line's kind and days, never its dates (the seeding test compares with the
    # sender's rendering): rendered once per such set of values.
    key = (
        language,
        others,
        urgent.kind,
        urgent.also_reissue,
        urgent.days_left,
        urgent.expires_in,
        urgent.ends_before_term,
    )
    if key not in subjects:
        with translation.override(language):
            context = {"resend": False, "urgent": urgent, "others": others}
            subjects[key] = one_line(render_to_string("emails/reminder/subject.txt", context))
    return subjects[key]


def subject_line(order, kinds, day) -> OrderLine:
    """``emails.order_line``'s line for ``order`` on ``day``, with what a subject reads (its kind, days
    and dates); links, prices and benefits are left out."""
    kind = RENEWAL if RENEWAL in kinds else REISSUE
    return OrderLine(
        order=order,
        kind=kind,
        also_reissue=kind == RENEWAL and REISSUE in kinds,
        days_left=((order.term_end if kind == RENEWAL else order.expires_on) - day).days,
        expires_on=order.expires_on,
        expires_in=(order.expires_on - day).days,
        term_end=order.term_end,
        issued_on=None,
        renew_url="",
        carried_days=None,
        new_term_end=None,
        benefits=(),
        stress_seal=False,
    )


def seed_link_opens(history, renewed_at, now, rng):
    """Renewal links opened after a delivered renewal reminder, before the next one: most of the
    customers who renewed meanwhile, some of the others."""
    by_order = defaultdict(list)
    for sent in history:
        if sent.reminder.kind == RENEWAL:
            by_order[sent.order.pk].append(sent)
    opens = []
    for pk, reminders in by_order.items():
        renewed = renewed_at.get(pk)
        for sent, later in zip(reminders, [*reminders[1:], None], strict=True):
            if sent.sent_at is None:
                continue
            end = min(later.at if later else now, now)
            if renewed is not None and sent.at <= renewed < end:
                if rng.random() < OPENED_BEFORE_RENEWAL:
                    opens.append(
                        RenewalLinkOpen(order_id=pk, opened_at=between(rng, sent.sent_at, max(renewed, sent.sent_at)))
                    )
            elif rng.random() < OPENED_OTHERWISE and end > sent.sent_at:
                last = min(end, sent.sent_at + OPENED_WITHIN)
                opens.append(RenewalLinkOpen(order_id=pk, opened_at=between(rng, sent.sent_at, last)))
    RenewalLinkOpen.objects.bulk_create(opens, batch_size=BATCH)


def between(rng, first, last):
    return first + (last - first) * rng.random()
