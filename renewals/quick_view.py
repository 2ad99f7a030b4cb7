"""What the Quick View says about an order: whether it can be renewed now, and its certificates' dates.

Decided here, once, so the page never offers what the engine would refuse: no renewal facts beside a
disabled button before the window opens, no customer renewal link for an order that cannot be renewed,
no "notices on" for an order whose notices have stopped.
"""

from dataclasses import dataclass
from datetime import date, datetime

from .models import Order, OrderStatus
from .validity import expiry_day, is_renewal_open, local_day, renewal_opens_on

RENEWED = "renewed"
CANCELLED = "cancelled"
NOT_OPEN = "not_open"
OPEN = "open"


@dataclass(frozen=True)
class RenewalStatus:
    """Where an order stands for renewal on the customer's calendar day ``today``."""

    state: str
    today: date
    opens_on: date
    renewal: Order | None = None
    term_end: date | None = None

    @property
    def can_renew(self) -> bool:
        """Renew Now and the customer's renewal link are offered only now."""
        return self.state == OPEN

    @property
    def days_until_open(self) -> int:
        return (self.opens_on - self.today).days

    @property
    def lapsed(self) -> bool:
        """Open for renewal after the term's last day: the customer's term has run out unrenewed
        (the order stays *active*: it can still be renewed, as a new term from the renewal day)."""
        return self.state == OPEN and self.term_end is not None and self.today > self.term_end

    @property
    def notices_apply(self) -> bool:
        """A renewed or cancelled order gets no more renewal notices, whatever its switch says."""
        return self.state in (OPEN, NOT_OPEN)


def renewal_status(order: Order, *, at: datetime) -> RenewalStatus:
    """The order's renewal state at the instant ``at``; the window is counted in the customer's days.
    Select ``renewal`` with the order to avoid a query."""
    today = local_day(at, order.customer.tzinfo)
    opens_on = renewal_opens_on(order.term_end)
    renewal = getattr(order, "renewal", None)
    if renewal is not None:
        state = RENEWED
    elif order.status == OrderStatus.CANCELLED:
        state = CANCELLED
    elif not is_renewal_open(term_end=order.term_end, today=today):
        state = NOT_OPEN
    else:
        state = OPEN
    return RenewalStatus(state=state, today=today, opens_on=opens_on, renewal=renewal, term_end=order.term_end)


@dataclass(frozen=True)
class CertificateDates:
    certificate: object
    issued_on: date
    expires_on: date


def certificate_dates(order: Order) -> list[CertificateDates]:
    """Each certificate with the calendar days a person reads, in the customer's time zone (the
    day of ``notBefore`` and of ``notAfter``), newest first. Uses the ``certificates`` prefetch."""
    zone = order.customer.tzinfo
    certificates = sorted(order.certificates.all(), key=lambda c: c.not_after, reverse=True)
    return [CertificateDates(c, local_day(c.not_before, zone), expiry_day(c.not_after, zone)) for c in certificates]
