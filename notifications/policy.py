"""When reminders are due: the reminder rules of DOMAIN.md as pure functions.

A *track* counts down to one end date with a list of thresholds (days before it; 0 is the day itself,
negative days are after it): the renewal track to the end of the term, the reissue track to the end of
a certificate that ends inside a paid term. Reminders go out in the customer's working day: a day
"begins" at the partner's send hour in the customer's time zone. Nothing here reads the clock.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

THRESHOLD_MIN, THRESHOLD_MAX = -30, 365
# The last threshold (the smallest) stays current this many days, so a short outage around it does
# not lose it; after that the order has lapsed and reminding is over.
LAST_THRESHOLD_GRACE_DAYS = 7

RENEWAL, REISSUE = "renewal", "reissue"
# A renewal awaiting the CA's certificate: support is reminded, never the customer.
ISSUANCE = "issuance"
# An order renewed by auto-renew: the customer is told once, on the old order; the reminder counts
# down to the *new* term's end, a date no renewal or reissue reminder of the old order uses.
AUTO_RENEWED = "autorenewed"
# Support is reminded every N days (the partner's choice) for this long at most, then the track ends.
ISSUANCE_HORIZON_DAYS = 120

# Reminder emails leave in the customer's working hours: from the partner's send hour for this many
# hours (09:00–18:00 by default), never later than midnight.
WORKING_HOURS = 9


def working_day(now: datetime, zone: tzinfo, send_hour: int) -> date:
    """The customer's day as far as reminders go: before the send hour it is still yesterday."""
    return (now.astimezone(zone) - timedelta(hours=send_hour)).date()


def due_at(ends_on: date, threshold: int, zone: tzinfo, send_hour: int) -> datetime:
    """The instant the reminder ``threshold`` days before ``ends_on`` becomes due."""
    return datetime.combine(ends_on - timedelta(days=threshold), time(send_hour), tzinfo=zone)


def working_hours(day: date, zone: tzinfo, send_hour: int) -> tuple[datetime, datetime]:
    """The instants between which reminder emails may leave on the customer's ``day``."""
    start = datetime.combine(day, time(send_hour), tzinfo=zone)
    midnight = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start, min(start + timedelta(hours=WORKING_HOURS), midnight)


def send_time(now: datetime, zone: tzinfo, send_hour: int) -> datetime:
    """When an email due at ``now`` may leave: ``now`` inside the customer's working hours, else the
    next send hour. Late reminders (after downtime, an order added at night, notices switched back on
    at dawn) wait for the working day like the rest."""
    local = now.astimezone(zone)
    start, end = working_hours(local.date(), zone, send_hour)
    if local < start:
        return start
    if local < end:
        return now
    return working_hours(local.date() + timedelta(days=1), zone, send_hour)[0]


def current_threshold(ends_on: date, thresholds, day: date) -> int | None:
    """The most urgent threshold due on ``day``; earlier ones are stale and never sent (catch-up)."""
    if not thresholds:
        return None
    days_left = (ends_on - day).days
    due = [threshold for threshold in thresholds if threshold >= days_left]
    if not due or days_left <= min(thresholds) - LAST_THRESHOLD_GRACE_DAYS:
        return None
    return min(due)


@dataclass(frozen=True)
class Track:
    kind: str
    ends_on: date
    thresholds: tuple


@dataclass(frozen=True)
class Evaluation:
    threshold: int | None  # the reminder due now, if any
    next_check: datetime | None  # when the next one becomes due, if ever


def evaluate(track: Track, *, now: datetime, zone: tzinfo, send_hour: int) -> Evaluation:
    thresholds = sorted(set(track.thresholds))
    if not thresholds:
        return Evaluation(None, None)
    day = working_day(now, zone, send_hour)
    threshold = current_threshold(track.ends_on, thresholds, day)
    if threshold is None:
        if (track.ends_on - day).days > thresholds[-1]:
            return Evaluation(None, due_at(track.ends_on, thresholds[-1], zone, send_hour))
        return Evaluation(None, None)
    smaller = [t for t in thresholds if t < threshold]
    next_check = due_at(track.ends_on, smaller[-1], zone, send_hour) if smaller else None
    return Evaluation(threshold, next_check)


def issuance_thresholds(every_days: int) -> tuple:
    """An order awaiting its certificate counts days after it began waiting: support is reminded
    ``every_days`` days after, then again every ``every_days`` days (negative thresholds: after)."""
    if every_days <= 0:
        return ()
    return tuple(-days for days in range(every_days, ISSUANCE_HORIZON_DAYS + 1, every_days))


def parse_thresholds(text: str) -> list[int]:
    """``"90, 60, 30, 7"`` → ``[90, 60, 30, 7]``; ValueError names what is wrong (for the form)."""
    values = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            value = int(part)
        except ValueError:
            raise ValueError(f"not-a-number:{part}") from None
        if not THRESHOLD_MIN <= value <= THRESHOLD_MAX:
            raise ValueError(f"out-of-range:{value}")
        if value in values:
            raise ValueError(f"duplicate:{value}")
        values.append(value)
    if not values:
        raise ValueError("empty:")
    return sorted(values, reverse=True)
