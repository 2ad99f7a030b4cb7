"""When a follow-up call is due: pure date rules, ``today`` always an argument.

A call task appears on the customer's calendar day that is ``threshold_days`` before the order's
``term_end`` (that day is its ``due_on``), and keeps appearing for an order found late (imported, or
the threshold changed), due the day it appears: a task is never due before it existed. That lasts
until ``LAPSED_DAYS`` after the end: past that the certificate has long stopped working and a call about
renewing it is no longer a follow-up (the dashboard's "expired" window is 7 days too).
"""

from datetime import date, timedelta

LAPSED_DAYS = 7


def call_due_on(term_end: date, threshold_days: int, today: date | None = None) -> date:
    """The day the threshold is reached, ``threshold_days`` before the end of the term; for a task
    made later than that, the customer's ``today``."""
    due = term_end - timedelta(days=threshold_days)
    return due if today is None else max(due, today)


def call_is_due(*, term_end: date, threshold_days: int, today: date) -> bool:
    """Whether an order ending on ``term_end`` needs its call task on the customer's ``today``."""
    return call_due_on(term_end, threshold_days) <= today <= term_end + timedelta(days=LAPSED_DAYS)


def candidate_term_ends(*, threshold_days: int, utc_today: date) -> tuple[date, date]:
    """The range of ``term_end`` that may be due somewhere on the UTC day ``utc_today``: local days
    differ from UTC's by at most one, so one day more on each side covers every time zone."""
    return utc_today - timedelta(days=LAPSED_DAYS + 1), utc_today + timedelta(days=threshold_days + 1)
