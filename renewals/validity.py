"""The validity rules of DOMAIN.md as pure functions: windows, carried days and certificate caps.

Nothing here reads the clock or the database: ``today``, ``renew_on`` and ``issued_at`` are arguments.
Days are calendar days; terms are end-exclusive (a term ending 2021-01-01 covers 2020-12-31).
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
    old_term_end: date
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
        old_term_end=term_end,
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


def first_certificate_ends_on(*, issued_on: date, term_end: date) -> date:
    """The (end-exclusive) day a certificate issued on ``issued_on`` ends: the cap or the term."""
    return min(issued_on + timedelta(days=max_certificate_days(issued_on)), term_end)


def start_of_day(day: date, zone: tzinfo) -> datetime:
    """The instant a calendar day begins in ``zone``."""
    return datetime.combine(day, time.min, tzinfo=zone)


def local_day(instant: datetime, zone: tzinfo) -> date:
    return instant.astimezone(zone).date()


@dataclass(frozen=True)
class CertificateValidity:
    not_before: datetime
    not_after: datetime  # as in the X.509: the last second the certificate is valid
    cap_days: int
    capped: bool  # True when the cap, not the term, decided the end

    @property
    def ends_at(self) -> datetime:
        """The end-exclusive instant, the one the portal shows and compares with terms."""
        return self.not_after + ONE_SECOND


def certificate_validity(
    *, issued_at: datetime, term_end: date, zone: tzinfo, max_days: int | None = None
) -> CertificateValidity:
    """The certificate an issuance at ``issued_at`` gets inside a term ending ``term_end``: it ends at
    the earlier of the term's end and the cap. ``max_days`` (a partner setting) may shorten the cap,
    never lengthen it."""
    cap_days = max_certificate_days(issued_at.astimezone(UTC).date())
    if max_days is not None:
        cap_days = min(cap_days, max_days)
    capped_end = issued_at + timedelta(days=cap_days)
    term_end_at = start_of_day(term_end, zone)
    ends_at = min(capped_end, term_end_at)
    if ends_at <= issued_at:
        raise ValueError("the term has already ended at the issue instant")
    return CertificateValidity(
        not_before=issued_at,
        not_after=ends_at - ONE_SECOND,
        cap_days=cap_days,
        capped=capped_end < term_end_at,
    )
