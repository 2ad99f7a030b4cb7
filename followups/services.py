"""Writes of follow-up calls: making the tasks (beat, hourly) and recording a call's outcome.

"Once" is held by the database: ``call_task_once_per_order_threshold`` and ``INSERT … ON CONFLICT DO
NOTHING``, so two runs that meet insert each task once; an outcome is claimed with a conditional
``UPDATE … WHERE completed_at IS NULL``, so a second post of the same task changes nothing.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from partners.actors import require_staff_of
from partners.models import RENEWING_ROLES, Partner, StaffMembership
from renewals.models import Order, OrderNote

from .models import CallOutcome, CallTask
from .rules import call_due_on, call_is_due, candidate_term_ends

INSERT_CHUNK = 500


class CallTaskError(Exception):
    """A call outcome that cannot be recorded; the message is for the person."""


def create_call_tasks(*, at: datetime, partner=None) -> int:
    """Make the call tasks due at the instant ``at`` for ``partner`` (every partner when None);
    returns how many were new. Safe to run again, or at the same time as another run."""
    partners = [partner] if partner is not None else Partner.objects.order_by("pk")
    return sum(_create_for_partner(p, at=at) for p in partners)


def _create_for_partner(partner, *, at) -> int:
    threshold = partner.call_threshold_days
    first, last = candidate_term_ends(threshold_days=threshold, utc_today=at.date())
    staff = set(StaffMembership.objects.filter(partner=partner).values_list("user_id", flat=True))
    # Orders of a partner are sold in its currency, so the minimum compares amounts directly.
    candidates = (
        Order.objects.for_partner(partner)
        .live()
        .filter(term_end__range=(first, last), price__gte=partner.call_min_value)
        .exclude(call_tasks__threshold_days=threshold)
        .values_list("pk", "customer_id", "term_end", "customer__time_zone", "customer__sales_owner_id")
    )
    rows, today_in = [], {}
    for order_id, customer_id, term_end, zone, owner_id in candidates.iterator(chunk_size=2000):
        zone = zone or partner.time_zone
        if zone not in today_in:
            today_in[zone] = at.astimezone(zoneinfo.ZoneInfo(zone)).date()
        if not call_is_due(term_end=term_end, threshold_days=threshold, today=today_in[zone]):
            continue
        assigned = owner_id if owner_id in staff else None
        rows.append(
            (
                partner.pk,
                order_id,
                customer_id,
                threshold,
                call_due_on(term_end, threshold, today_in[zone]),
                assigned,
                at,
            )
        )
    return sum(_insert_new(rows[i : i + INSERT_CHUNK]) for i in range(0, len(rows), INSERT_CHUNK))


def _insert_new(rows) -> int:
    """Insert ``rows`` of tasks, skipping those the unique constraint already holds; the number new.
    (``bulk_create(ignore_conflicts=True)`` does the same but cannot say how many it inserted.)"""
    if not rows:
        return 0
    table = CallTask._meta.db_table
    columns = "partner_id, order_id, customer_id, threshold_days, due_on, assigned_to_id, created_at, outcome, reason"
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, '', '')"] * len(rows))
    sql = f"INSERT INTO {table} ({columns}) VALUES {values} ON CONFLICT (order_id, threshold_days) DO NOTHING"
    ops, params = connection.ops, []
    for partner_id, order_id, customer_id, threshold, due_on, assigned_to_id, created_at in rows:
        due_on, created_at = ops.adapt_datefield_value(due_on), ops.adapt_datetimefield_value(created_at)
        params += [partner_id, order_id, customer_id, threshold, due_on, assigned_to_id, created_at]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@dataclass(frozen=True)
class OutcomeResult:
    task: CallTask
    recorded: bool  # False: the task was completed already, nothing changed


def record_outcome(*, task, by, outcome, reason="", at: datetime) -> OutcomeResult:
    """Complete ``task`` with the call's ``outcome`` and write it as a note on the order, by a sales
    person or partner admin of the task's partner. A task completed already stays as it was."""
    staff = require_staff_of(
        by, task.partner_id, CallTaskError(_("Only sales staff and partner admins record calls.")), roles=RENEWING_ROLES
    )
    outcome = CallOutcome(outcome)
    reason = reason.strip()
    if outcome == CallOutcome.WILL_NOT_RENEW and not reason:
        raise CallTaskError(_("Say why the customer will not renew."))
    with transaction.atomic():
        claimed = CallTask.objects.filter(pk=task.pk, completed_at__isnull=True).update(
            completed_at=at, completed_by=staff.user, outcome=outcome, reason=reason
        )
        if not claimed:
            task.refresh_from_db()
            return OutcomeResult(task=task, recorded=False)
        note = OrderNote.objects.create(
            order_id=task.order_id, author=staff.user, body=note_body(task, staff.user, outcome, reason)
        )
        CallTask.objects.filter(pk=task.pk).update(note=note)
    task.refresh_from_db()
    return OutcomeResult(task=task, recorded=True)


def note_body(task, user, outcome, reason) -> str:
    """The note's text, in the partner's language (the order's notes are read by its staff)."""
    with translation.override(task.partner.language):
        who = user.get_full_name() or user.get_username()
        body = _("Follow-up call (%(days)s days before the end) by %(who)s: %(outcome)s.") % {
            "days": task.threshold_days,
            "who": who,
            "outcome": CallOutcome(outcome).label,
        }
        if reason:
            body += " " + _("Reason: %(reason)s") % {"reason": reason}
    return body
