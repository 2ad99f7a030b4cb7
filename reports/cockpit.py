"""The home page's figures for one partner on its calendar ``today``: what is at stake, what is
slipping, what is working. Each figure is one aggregate query (conditional counts and sums), so the
page costs the same for 100 orders or 100,000.

``owner`` (a sales user who owns customers) adds "my customers" beside each partner figure, in the
same query: a condition on ``customer.sales_owner``, never a second scan.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Case, Count, F, Q, Value, When

from followups.models import CallTask
from followups.selectors import open_condition
from notifications.models import EmailStatus, OutboxEmail
from offers.models import Offer
from partners.models import Customer, Role
from renewals.expiring import ACTION_CONDITIONS, SILENT_WITHIN_DAYS, count_silent, listed_orders, silent_condition
from renewals.kept_sums import kept
from renewals.pricing import price_list

from .stake import MONEY, renewed_in_time, renewed_on, stake_of, stake_rows, stake_sums, with_renewal_value

STAKE_DAYS = (30, 90)
RATE_DAYS = 90
PARTNER, MINE = "partner", "mine"


@dataclass(frozen=True)
class Stake:
    """Terms to renew ending within some days: how many, their renewal value, and how many of them
    have no price in the partner's currency (left out of ``amount``)."""

    orders: int
    amount: Decimal
    unpriced: int


@dataclass(frozen=True)
class Rate:
    """Of the terms that ended in a span (``due``), those renewed by their last day."""

    due: int
    renewed: int

    @property
    def percent(self) -> Decimal | None:
        """Renewed per 100 due, one decimal; None when nothing was due (no rate, not 0 %)."""
        if not self.due:
            return None
        return (Decimal(self.renewed) * 100 / self.due).quantize(Decimal("0.1"))


def trend(current: Rate, previous: Rate) -> Decimal | None:
    """Percentage points from the previous span to the current one; None unless both have a rate."""
    if current.percent is None or previous.percent is None:
        return None
    return current.percent - previous.percent


def sales_owner_of(membership):
    """The user whose own customers the page shows first: a salesperson who owns some customers."""
    if membership.role != Role.SALES:
        return None
    owns = Customer.objects.for_partner(membership.partner).filter(sales_owner=membership.user).exists()
    return membership.user if owns else None


def _scopes(owner):
    scopes = {PARTNER: Q()}
    if owner is not None:
        scopes[MINE] = Q(customer__sales_owner=owner)
    return scopes


def stake_and_silent(*, partner, today: date, owner=None) -> tuple[dict, dict]:
    """``({days: {scope: Stake}}, {scope: silent count})``. A term is at stake within N days when it
    expires from today through today + N; "silent" is the dashboard's ``silent=on`` (notices off,
    not renewed, expiring within 30 days), whatever the action. The partner's figures are sums of
    the tables the database keeps where it keeps them (two small reads); "mine" (and the partner's
    elsewhere) is one scan of the orders."""
    figures, prices = {}, price_list(partner)
    if kept():
        figures[PARTNER] = (kept_stakes(partner, today, prices), count_silent(partner, today))
    owners = {PARTNER: None, MINE: owner}
    for scope in _scopes(owner):
        if scope not in figures:
            figures[scope] = scanned_stakes_and_silent(partner, today, prices, owners[scope])
    stake = {days: {scope: stakes[days] for scope, (stakes, _silent) in figures.items()} for days in STAKE_DAYS}
    return stake, {scope: silent for scope, (_stakes, silent) in figures.items()}


def _stake_aggregates(today):
    """Per span of STAKE_DAYS (``stake.stake_sums``): the terms to renew, their value, the unpriced."""
    aggregates = {}
    for days in STAKE_DAYS:
        aggregates.update(stake_sums(f"d{days}", Q(expires_on__lte=today + timedelta(days=days))))
    return aggregates


def _stakes(values) -> dict:
    return {days: Stake(*stake_of(values, f"d{days}")) for days in STAKE_DAYS}


def kept_stakes(partner, today, prices) -> dict:
    """``{days: Stake}`` of the partner, from the terms-to-renew sums (``stake_rows``)."""
    rows = stake_rows(partner, today, today + timedelta(days=max(STAKE_DAYS)), prices)
    return _stakes(rows.aggregate(**_stake_aggregates(today)))


def scanned_stakes_and_silent(partner, today, prices, owner=None) -> tuple[dict, int]:
    """``({days: Stake}, silent count)`` in one scan of the partner's orders (``owner``'s customers'
    only, when given)."""
    orders = listed_orders(partner).filter(
        expires_on__range=(today, today + timedelta(days=max(*STAKE_DAYS, SILENT_WITHIN_DAYS)))
    )
    if owner is not None:
        orders = orders.filter(customer__sales_owner=owner)
    to_renew = with_renewal_value(orders, partner, prices).annotate(
        terms=Case(When(ACTION_CONDITIONS["renew"], then=Value(1)), default=Value(0)),
        value=Case(When(ACTION_CONDITIONS["renew"], then=F("renewal_value")), default=None, output_field=MONEY),
    )
    values = to_renew.aggregate(
        **_stake_aggregates(today),
        silent=Count("pk", filter=silent_condition(today)),
    )
    return _stakes(values), values["silent"]


def renewal_rates(*, partner, today: date, owner=None) -> dict:
    """``{scope: (current Rate, previous Rate)}``: terms that ended in the last 90 days (yesterday
    back) and in the 90 days before, renewed by their last day. One query."""
    current = (today - timedelta(days=RATE_DAYS), today - timedelta(days=1))
    previous = (today - timedelta(days=2 * RATE_DAYS), today - timedelta(days=RATE_DAYS + 1))
    scopes = _scopes(owner)
    aggregates = {}
    for span, (first, last) in (("current", current), ("previous", previous)):
        ended = Q(term_end__range=(first, last))
        for scope, condition in scopes.items():
            aggregates[f"due_{span}_{scope}"] = Count("pk", filter=ended & condition)
            aggregates[f"renewed_{span}_{scope}"] = Count("pk", filter=ended & condition & renewed_in_time())
    values = (
        listed_orders(partner)
        .filter(term_end__range=(previous[0], current[1]))
        .annotate(renewed_on=renewed_on(partner))
        .aggregate(**aggregates)
    )
    return {
        scope: tuple(
            Rate(values[f"due_{span}_{scope}"], values[f"renewed_{span}_{scope}"]) for span in ("current", "previous")
        )
        for scope in scopes
    }


def failed_emails(*, partner) -> int:
    """Emails that failed for good: the outbox's ``status=failed`` list."""
    return OutboxEmail.objects.for_partner(partner).filter(status=EmailStatus.FAILED).count()


def calls_due(*, partner, today: date, owner=None) -> dict:
    """Open follow-up calls (the call list's definition: not done, the order neither cancelled nor
    renewed) due today or earlier: ``{scope: count}``, "mine" being those assigned to ``owner``."""
    aggregates = {PARTNER: Count("pk")}
    if owner is not None:
        aggregates[MINE] = Count("pk", filter=Q(assigned_to=owner))
    return CallTask.objects.for_partner(partner).filter(open_condition(), due_on__lte=today).aggregate(**aggregates)


def running_offers(*, partner, today: date) -> list:
    """Active offers valid today, ending soonest first, with their number of variants."""
    return list(
        Offer.objects.for_partner(partner)
        .filter(is_active=True, starts_on__lte=today, ends_on__gte=today)
        .annotate(variant_count=Count("variants"))
        .order_by("ends_on", "pk")
    )


@dataclass(frozen=True)
class Cockpit:
    today: date
    currency: str
    owner: object
    stake: dict
    silent: dict
    rates: dict
    failed_emails: int
    calls_due: dict
    offers: list

    @property
    def scopes(self):
        """ "mine" first for a salesperson with customers, then the partner's."""
        return (MINE, PARTNER) if self.owner is not None else (PARTNER,)

    @property
    def sections(self) -> list:
        """The figures of each scope, in the order the page shows them."""
        return [
            ScopeFigures(
                scope=scope,
                stakes=[(days, by_scope[scope]) for days, by_scope in self.stake.items()],
                current=self.rates[scope][0],
                previous=self.rates[scope][1],
                silent=self.silent[scope],
            )
            for scope in self.scopes
        ]


@dataclass(frozen=True)
class ScopeFigures:
    scope: str
    stakes: list
    current: Rate
    previous: Rate
    silent: int

    @property
    def trend(self):
        return trend(self.current, self.previous)

    @property
    def falling(self):
        return self.trend is not None and self.trend < 0

    @property
    def trend_points(self):
        return abs(self.trend) if self.trend is not None else None


def cockpit(*, membership, today: date) -> Cockpit:
    partner = membership.partner
    owner = sales_owner_of(membership)
    stake, silent = stake_and_silent(partner=partner, today=today, owner=owner)
    return Cockpit(
        today=today,
        currency=partner.currency,
        owner=owner,
        stake=stake,
        silent=silent,
        rates=renewal_rates(partner=partner, today=today, owner=owner),
        failed_emails=failed_emails(partner=partner),
        calls_due=calls_due(partner=partner, today=today, owner=owner),
        offers=running_offers(partner=partner, today=today),
    )
