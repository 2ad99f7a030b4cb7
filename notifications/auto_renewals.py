"""The sweep's auto-renew step (issue 15): renew the orders whose auto-renewal day has come, and tell
the customer once.

It runs at the start of every sweep (``sweep.run_sweep``, on both the ORM and the set-based path),
before any reminder is planned, so an order renewed today gets no reminder today. Each due
auto-renewal is run by ``renewals.auto_renew.run_auto_renewal`` in its own transaction; when it
renews the order, the same transaction records the "renewed" notice: a ``Reminder`` of kind
``AUTO_RENEWED`` on the old order, counting down to the new term's end with threshold 0 (unique per
order, end date and threshold, so it is recorded once), queued by ``sweep.queue_emails`` like any
reminder (recipients, opt-outs, the send hour, one email per address). Two sweeps at once, or a
retried task, find the row renewed (or its order locked by the other) and do nothing.

"The day has come" is the reminders' working day: from the partner's send hour on ``renew_on``, in
the customer's time zone.
"""

import logging
from datetime import UTC, timedelta

from django.db import transaction

from renewals.auto_renew import AutoRenewOutcome, run_auto_renewal, scheduled_until
from renewals.models import AutoRenewalStatus

from .models import Reminder
from .policy import AUTO_RENEWED, working_day

logger = logging.getLogger(__name__)


def latest_day(now):
    """The latest calendar day any customer can be on at ``now`` (UTC+14): no renewal day after it
    has come anywhere."""
    return (now.astimezone(UTC) + timedelta(days=1)).date()


def is_due(auto, now) -> bool:
    """The customer's working day has reached the renewal day."""
    customer = auto.order.customer
    return working_day(now, customer.tzinfo, customer.partner.reminder_send_hour) >= auto.renew_on


def due_auto_renewals(now) -> list:
    """The scheduled auto-renewals whose day has come at ``now``, the earliest first."""
    return [auto for auto in scheduled_until(latest_day(now)) if is_due(auto, now)]


def tell_renewed(outcome: AutoRenewOutcome, now) -> int:
    """Record the "renewed" notice of the old order and queue it; the emails created or extended."""
    from .sweep import queue_emails  # the sweep runs this step: imported when it runs, not in a cycle

    old = outcome.auto.order
    reminder, created = Reminder.objects.get_or_create(
        order=old, ends_on=outcome.renewal.term_end, threshold_days=0, defaults={"kind": AUTO_RENEWED}
    )
    if not created:
        return 0
    return queue_emails([reminder], {old.customer_id: old.customer}, now)


def run_due_auto_renewals(now, result) -> None:
    """Run every auto-renewal due at ``now``; count in ``result`` (a ``sweep.SweepResult``). An
    unexpected error (not a refusal, which marks the row failed) leaves that row scheduled for the
    next sweep and lets the others, and the reminders, go on."""
    for auto in due_auto_renewals(now):
        try:
            with transaction.atomic():
                outcome = run_auto_renewal(auto, now)
                if outcome.renewal is not None:
                    result.queued += tell_renewed(outcome, now)
        except Exception:  # noqa: BLE001 - one order's error must not stop the sweep
            logger.exception("auto-renewal of order %s failed unexpectedly; retried at the next sweep", auto.order_id)
            continue
        if outcome.renewal is not None:
            result.auto_renewed += 1
        elif outcome.ran and outcome.status == AutoRenewalStatus.FAILED:
            result.auto_renew_failed += 1


def planned_auto_renewals(now) -> list:
    """What a sweep at ``now`` would renew (dry run): the order numbers, changing nothing."""
    return [auto.order.order_number for auto in due_auto_renewals(now)]
