"""The validity rules of DOMAIN.md as pure functions: windows, carried days and certificate caps.

Nothing here reads the clock or the database: ``today``, ``renew_on`` and ``issued_at`` are arguments.
Days are calendar days in the customer's time zone. A date a person reads as "expires" is the last day
that still works (as CAs show it): a term's ``term_end`` is its last paid day, and a certificate
expires on the calendar day of its ``notAfter``. On that day it still works; the next day it has expired.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from dateutil.relativedelta import relativedelta

RENEWAL_WINDOW_DAYS = 90

# CA/Browser Forum ballot SC-081: the longest lifetime allowed for a certificate issued on or after
# each date (UTC). A future ballot is one more row.
CERTIFICATE_LIFETIME_CAPS = (
    (date.min, 398),
    (date(2026, 3, 15), 200),
    (date(2027, 3, 15), 100),
    (date(2029, 3, 15), 47),
)

ONE_SECOND = timedelta(seconds=1)


def renewal_opens_on(term_end: date) -> date:
    """Renewal is offered from 90 days before the end of the term."""
    return term_end - timedelta(days=RENEWAL_WINDOW_DAYS)


def is_renewal_open(*, term_end: date, today: date) -> bool:
    return today >= renewal_opens_on(term_end)


@dataclass(frozen=True)
class RenewalQuote:
    """What renewing a term on ``renew_on`` for ``plan_years`` gives."""

    renew_on: date
    plan_years: int
    opens_on: date
    is_open: bool
    new_term_start: date
    new_term_end: date
    carried_days: int
    total_days: int


def quote_renewal(*, term_end: date, renew_on: date, plan_years: int) -> RenewalQuote:
    """Inside the window the remaining days carry over (new end = old end + plan, in calendar years);
    after the end of the term the new term starts on the renewal date and nothing is carried."""
    if plan_years < 1:
        raise ValueError("plan_years must be at least 1")
    if renew_on < term_end:
        new_term_end = term_end + relativedelta(years=plan_years)
        carried_days = (term_end - renew_on).days
    else:
        new_term_end = renew_on + relativedelta(years=plan_years)
        carried_days = 0
    return RenewalQuote(
        renew_on=renew_on,
        plan_years=plan_years,
        opens_on=renewal_opens_on(term_end),
        is_open=is_renewal_open(term_end=term_end, today=renew_on),
        new_term_start=renew_on,
        new_term_end=new_term_end,
        carried_days=carried_days,
        total_days=(new_term_end - renew_on).days,
    )


def quote_renewal_at(*, term_end: date, at: datetime, zone: tzinfo, plan_years: int) -> RenewalQuote:
    """``quote_renewal`` for an instant: the renewal date is the calendar day at ``at`` in ``zone``
    (the customer's time zone)."""
    return quote_renewal(term_end=term_end, renew_on=local_day(at, zone), plan_years=plan_years)


def max_certificate_days(issued_on: date) -> int:
    """The maximum lifetime in days in force for a certificate issued on ``issued_on`` (UTC date)."""
    allowed = CERTIFICATE_LIFETIME_CAPS[0][1]
    for effective_on, days in CERTIFICATE_LIFETIME_CAPS:
        if issued_on >= effective_on:
            allowed = days
    return allowed


def start_of_day(day: date, zone: tzinfo) -> datetime:
    """The instant a calendar day begins in ``zone``."""
    return datetime.combine(day, time.min, tzinfo=zone)


def end_of_day(day: date, zone: tzinfo) -> datetime:
    """The last second of a calendar day in ``zone`` (23:59:59 local): a term's last paid instant."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=zone)


def local_day(instant: datetime, zone: tzinfo) -> date:
    return instant.astimezone(zone).date()


def expiry_day(not_after: datetime, zone: tzinfo) -> date:
    """The date a person reads as "expires": the calendar day of ``notAfter`` in ``zone``."""
    return local_day(not_after, zone)


def days_left(expires_on: date, today: date) -> int:
    """0 on the expiry day itself (it still works), negative once it has passed."""
    return (expires_on - today).days


def has_expired(expires_on: date, today: date) -> bool:
    return today > expires_on


def lifetime(*, not_before: datetime, not_after: datetime) -> timedelta:
    """The Baseline Requirements count both ends: ``notAfter - notBefore + 1 second``."""
    return not_after + ONE_SECOND - not_before


def lifetime_allowed(*, not_before: datetime, not_after: datetime) -> bool:
    """A lifetime may not exceed the cap in force on the issue date."""
    cap = max_certificate_days(not_before.astimezone(UTC).date())
    return lifetime(not_before=not_before, not_after=not_after) <= timedelta(days=cap)


def within_term(*, not_after: datetime, term_end: date, zone: tzinfo) -> bool:
    """A certificate may serve until the last second of the term's last paid day, not after."""
    return not_after <= end_of_day(term_end, zone)


@dataclass(frozen=True)
class CertificateValidity:
    not_before: datetime
    not_after: datetime  # as in the X.509: the last second the certificate is valid
    cap_days: int
    capped: bool  # True when the cap, not the term, decided the end

    def expires_on(self, zone: tzinfo) -> date:
        return expiry_day(self.not_after, zone)

    @property
    def lifetime_days(self) -> int:
        return lifetime(not_before=self.not_before, not_after=self.not_after).days


def certificate_validity(
    *, issued_at: datetime, term_end: date, zone: tzinfo, max_days: int | None = None
) -> CertificateValidity:
    """The certificate an issuance at ``issued_at`` gets inside a term whose last paid day is
    ``term_end``: it ends at the earlier of the cap (``notBefore`` + cap − 1 second) and the term's last
    second (23:59:59 local). ``max_days`` (a partner setting) may shorten the cap, never lengthen it."""
    cap_days = max_certificate_days(issued_at.astimezone(UTC).date())
    if max_days is not None:
        cap_days = min(cap_days, max_days)
    capped_not_after = issued_at + timedelta(days=cap_days) - ONE_SECOND
    term_not_after = end_of_day(term_end, zone)
    not_after = min(capped_not_after, term_not_after)
    if not_after < issued_at:
        raise ValueError("the term has already ended at the issue instant")
    return CertificateValidity(
        not_before=issued_at,
        not_after=not_after,
        cap_days=cap_days,
        capped=capped_not_after < term_not_after,
    )


def reissue_thresholds_for(thresholds, certificate_days: int) -> tuple:
    """Short certificates must not flood inboxes: only reissue thresholds shorter than the
    certificate's lifetime apply."""
    return tuple(threshold for threshold in thresholds if 0 <= threshold < certificate_days)


def reissue_is_due(*, expires_on: date, term_end: date, today: date, thresholds, certificate_days: int) -> bool:
    """A free reissue is due when the serving certificate expires inside a paid term that has not
    ended, from the first of the partner's reissue reminders that applies to it (the largest
    threshold shorter than its lifetime) on. The reminders and the staff button ask this one rule."""
    if expires_on >= term_end or has_expired(term_end, today):
        return False
    window = max(reissue_thresholds_for(thresholds, certificate_days), default=0)
    return days_left(expires_on, today) <= window
