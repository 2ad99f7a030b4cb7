"""Auto-renew (issue 15): an order the customer asked to renew without being asked again.

The customer (on the signed renewal page) or the partner's sales staff and admins (in Quick View)
turn it on with a plan length. On ``renew_on``, the term's end less the partner's ``auto_renew_days``,
the reminder sweep renews the order through ``services.renew_order``, the same idempotent service as
Renew Now, at the price in force that day (the customer's offer applies), and marks the row renewed
or failed. A failed one (the product is no longer sold, or has no price) leaves the order to its
ordinary reminders, which never stopped, and shows the reason to support.

"Once" rests on the database, as for reminders: the sweep locks the order's row (``SKIP LOCKED``,
so two sweeps at once split the work), then re-reads the auto-renewal's status under the lock, so a
second sweep, a retried task or a racing "turn off" finds it renewed, failed or cancelled and does
nothing; ``renew_order``'s own lock and the unique ``renewed_from`` stay the last word. Turning it on
or off locks the order's row first too, so the two never wait for each other in a circle.

Which instant of the customer's day counts as "the renewal day has come" is the reminders' working
day (``notifications.policy.working_day``): ``notifications`` runs this step in its sweep, as
``renewals`` knows nothing of reminders.
"""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import OperationalError, connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partners.actors import CUSTOMER, acting_user, is_customer, require_staff_of
from partners.models import RENEWING_ROLES, StaffMembership

from .models import MAX_PLAN_YEARS, AutoRenewal, AutoRenewalStatus, Order, OrderStatus
from .pricing import Price, partner_price
from .selectors import renewal_preview
from .services import RenewalError, renew_order
from .upsell import price_of
from .validity import local_day

FAILURE_REASON_LENGTH = AutoRenewal._meta.get_field("failure_reason").max_length


class AutoRenewError(Exception):
    """Auto-renew cannot be turned on or off as asked; the message is for the person who asked."""


class AutoRenewNotAllowed(AutoRenewError):
    pass


class AutoRenewBusy(AutoRenewError):
    """SQLite's write lock stayed taken past its timeout (settings: ``transaction_mode`` IMMEDIATE):
    nothing changed, and the person may simply try again."""


# Rules


def renew_on_for(order, partner, *, today: date | None = None) -> date:
    """The customer's day on which ``order`` renews: ``auto_renew_days`` before its term's last day,
    never before ``today`` (turned on later than that, it renews at the next sweep)."""
    day = order.term_end - timedelta(days=partner.auto_renew_days)
    return max(day, today) if today is not None else day


def renews_at(auto: AutoRenewal, order, partner) -> datetime:
    """The instant the renewal is priced at: the partner's send hour of the renewal day, in the
    customer's time zone (when the sweep's working day reaches ``renew_on``)."""
    return datetime.combine(auto.renew_on, time(partner.reminder_send_hour), tzinfo=order.customer.tzinfo)


@dataclass(frozen=True)
class RenewalDay:
    """How a person reads a renewal day at an instant. ``today``: it is the customer's today (or
    past: the next sweep renews it), so a page says "today", not a date. ``from_time``: today, the
    customer's clock time from which the sweep renews it (the partner's send hour), while that time
    is still to come; None once it has come: the next hourly sweep renews it. Until the sweep runs it,
    auto-renew can still be turned off."""

    today: bool = False
    from_time: time | None = None


def renewal_day(renew_on: date, *, order, partner, at: datetime) -> RenewalDay:
    """``renew_on`` of ``order`` as read at ``at``."""
    if renew_on > local_day(at, order.customer.tzinfo):
        return RenewalDay()
    send_hour = time(partner.reminder_send_hour)
    has_come = at >= datetime.combine(renew_on, send_hour, tzinfo=order.customer.tzinfo)
    return RenewalDay(today=True, from_time=None if has_come else send_hour)


def may_turn_on(order, *, today: date) -> bool:
    """Auto-renew can be turned on for ``order`` on the customer's ``today``: not renewed (``renewal``
    loaded, or a query), not cancelled, its term not ended (``check_may_turn_on`` says why not)."""
    return getattr(order, "renewal", None) is None and order.status != OrderStatus.CANCELLED and today <= order.term_end


def offers_auto_renew(order, *, today: date, prices: dict) -> bool:
    """Turning auto-renew on for ``order`` would succeed on some plan (``check_may_turn_on``): an email
    may suggest it. Read without a query from the partner's price list (``pricing.price_list``)."""
    return (
        may_turn_on(order, today=today)
        and order.product.is_active
        and any((order.product_id, years) in prices for years in range(1, MAX_PLAN_YEARS + 1))
    )


def check_may_switch(by, order):
    """The customer (on the signed page) or the partner's sales staff and admins: auto-renew is a
    sale made in advance, which support staff may not make."""
    if is_customer(by):
        return
    require_staff_of(
        by,
        order.partner_id,
        AutoRenewNotAllowed(_("Only sales staff and partner admins may turn auto-renew on or off.")),
        roles=RENEWING_ROLES,
    )


def check_may_turn_on(order, *, renewed: bool, plan_years, by, today: date):
    """Every reason auto-renew cannot be turned on for ``order``, with a message for the person."""
    if renewed:
        raise AutoRenewError(
            _("Order %(number)s is renewed already: there is nothing to renew automatically.")
            % {"number": order.order_number}
        )
    if order.status == OrderStatus.CANCELLED:
        raise AutoRenewError(_("A cancelled order cannot be renewed automatically."))
    if today > order.term_end:
        raise AutoRenewError(_("The term of this order has ended: renew it now instead."))
    if not isinstance(plan_years, int) or not 1 <= plan_years <= MAX_PLAN_YEARS:
        raise AutoRenewError(
            ngettext("Choose a plan of 1 to %(most)s year.", "Choose a plan of 1 to %(most)s years.", MAX_PLAN_YEARS)
            % {"most": MAX_PLAN_YEARS}
        )
    if not order.product.is_active:
        raise AutoRenewError(
            _("%(product)s is no longer on sale, so it cannot be renewed automatically.") % {"product": order.product}
        )
    if partner_price(partner=order.partner, product=order.product, plan_years=plan_years) is None:
        if is_customer(by):
            raise AutoRenewError(
                _("This plan cannot be renewed automatically online. Please contact %(partner)s.")
                % {"partner": order.partner.sender_name or order.partner.name}
            )
        raise AutoRenewError(
            ngettext(
                "%(product)s has no price for a %(years)s-year plan on your price list, so it cannot be "
                "renewed automatically on that plan.",
                "%(product)s has no price for a %(years)s-year plan on your price list, so it cannot be "
                "renewed automatically on that plan.",
                plan_years,
            )
            % {"product": order.product, "years": plan_years}
        )


# Writes


def lock_order(order):
    """The order's row, locked for the transaction, with what the rules read."""
    return (
        Order.objects.select_for_update(of=("self",))
        .select_related("customer__partner", "product", "partner")
        .get(pk=order.pk)
    )


@contextmanager
def busy_means_try_again():
    """SQLite's "database is locked" (another writer kept the lock past the timeout) as a message to
    try again rather than a 500. PostgreSQL waits for row locks; its statement timeout stays an error."""
    try:
        yield
    except OperationalError as error:
        if connection.vendor != "sqlite" or "locked" not in str(error):
            raise
        raise AutoRenewBusy(
            _("The portal is busy saving another change: auto-renew was not changed. Please try again in a moment.")
        ) from error


def turn_on(*, order, by, plan_years, now: datetime) -> AutoRenewal:
    """Turn auto-renew on for ``order`` with ``plan_years`` (again, after it was turned off or failed:
    the one row is scheduled anew). Turning it on when it is on changes the plan and nothing else."""
    check_may_switch(by, order)
    with busy_means_try_again(), transaction.atomic():
        locked = lock_order(order)
        partner = locked.partner
        today = local_day(now, locked.customer.tzinfo)
        # ``renewed_at`` is the database's own mark of a renewal (set in the renewal's transaction,
        # which locks this row too): read with the locked row, no query of the renewals.
        check_may_turn_on(locked, renewed=locked.renewed_at is not None, plan_years=plan_years, by=by, today=today)
        auto = AutoRenewal.objects.select_for_update().filter(order=locked).first()
        if auto is not None and auto.status == AutoRenewalStatus.SCHEDULED:
            if auto.plan_years != plan_years:
                auto.plan_years = plan_years
                auto.save(update_fields=["plan_years", "updated_at"])
            return auto
        auto = auto or AutoRenewal(partner=partner, order=locked)
        auto.plan_years = plan_years
        auto.status = AutoRenewalStatus.SCHEDULED
        auto.renew_on = renew_on_for(locked, partner, today=today)
        auto.enabled_at, auto.enabled_by = now, acting_user(by)
        auto.cancelled_at = auto.cancelled_by = auto.attempted_at = auto.renewal = None
        auto.failure_reason = ""
        auto.save()
    return auto


def turn_off(*, order, by, now: datetime) -> AutoRenewal | None:
    """Turn auto-renew off before its day: the sweep will not renew the order. Turning off what is
    not on changes nothing; a renewal already made stays (refused with the reason)."""
    check_may_switch(by, order)
    with busy_means_try_again(), transaction.atomic():
        locked = lock_order(order)
        auto = AutoRenewal.objects.select_for_update().filter(order=locked).first()
        if auto is None or auto.status == AutoRenewalStatus.CANCELLED:
            return auto
        if auto.status == AutoRenewalStatus.RENEWED:
            raise AutoRenewError(
                _("Order %(number)s was renewed automatically already.") % {"number": locked.order_number}
            )
        auto.status = AutoRenewalStatus.CANCELLED
        auto.cancelled_at, auto.cancelled_by = now, acting_user(by)
        auto.save(update_fields=["status", "cancelled_at", "cancelled_by", "updated_at"])
    return auto


def reschedule_auto_renewals(partner, *, now: datetime) -> int:
    """After the partner changed ``auto_renew_days``: every scheduled auto-renewal gets its renewal
    day again (never before the customer's today). Returns the rows moved."""
    moved = []
    rows = (
        AutoRenewal.objects.for_partner(partner)
        .filter(status=AutoRenewalStatus.SCHEDULED)
        .select_related("order__customer")
    )
    for auto in rows.iterator(chunk_size=1000):
        renew_on = renew_on_for(auto.order, partner, today=local_day(now, auto.order.customer.tzinfo))
        if renew_on != auto.renew_on:
            auto.renew_on = renew_on
            moved.append(auto)
    AutoRenewal.objects.bulk_update(moved, ["renew_on"], batch_size=1000)
    return len(moved)


# The sweep's step


def scheduled_until(day: date):
    """Scheduled auto-renewals whose renewal day is ``day`` or earlier (the index on status and
    ``renew_on``), with what running them reads. The sweep asks for the latest day any customer
    can be on and checks each customer's own day."""
    return (
        AutoRenewal.objects.filter(status=AutoRenewalStatus.SCHEDULED, renew_on__lte=day)
        .select_related("order__customer__partner", "order__product", "partner")
        .order_by("renew_on", "pk")
    )


def renewing_actor(auto: AutoRenewal):
    """Who renews: the staff member who turned it on while they still sell for the partner, else the
    customer, on whose standing instruction the renewal is made."""
    if auto.enabled_by_id is not None:
        membership = (
            StaffMembership.objects.filter(
                user_id=auto.enabled_by_id, partner_id=auto.partner_id, role__in=RENEWING_ROLES, user__is_active=True
            )
            .select_related("user")
            .first()
        )
        if membership is not None:
            return membership
    return CUSTOMER


@dataclass(frozen=True)
class AutoRenewOutcome:
    """What one run did: ``renewal`` is the order this run made (None when it made none)."""

    auto: AutoRenewal
    status: str  # the row's status after the run
    renewal: Order | None = None
    ran: bool = True  # False: left alone (another sweep holds it, or it is no longer scheduled)


def lock_due(auto):
    """The auto-renewal, still scheduled, with its order's row locked; None when another sweep holds
    the order (it is doing this very work) or the row is no longer scheduled."""
    orders = Order.objects.filter(pk=auto.order_id)
    if connection.features.has_select_for_update_skip_locked:
        orders = orders.select_for_update(skip_locked=True, of=("self",))
    else:
        orders = orders.select_for_update()
    if not list(orders.values_list("pk", flat=True)):
        return None
    return (
        AutoRenewal.objects.select_for_update(of=("self",))
        .select_related("order__customer__partner", "order__product", "partner")
        .filter(pk=auto.pk, status=AutoRenewalStatus.SCHEDULED)
        .first()
    )


def run_auto_renewal(auto: AutoRenewal, now: datetime) -> AutoRenewOutcome:
    """Renew ``auto``'s order now on its plan, in one transaction (the caller's, when it has one, so
    what it records of the renewal commits with it). Renewed: the row says so, with the renewal.
    Refused (``RenewalError``: no longer on sale, no price, cancelled): failed, with the reason in the
    partner's language. Renewed by someone else meanwhile: the instruction is spent (cancelled)."""
    with transaction.atomic():
        locked = lock_due(auto)
        if locked is None:
            return AutoRenewOutcome(auto=auto, status=auto.status, ran=False)
        locked.attempted_at = now
        with translation.override(locked.partner.language):  # the reason is read by the partner's staff
            try:
                result = renew_order(
                    order=locked.order, by=renewing_actor(locked), at=now, plan_years=locked.plan_years
                )
            except RenewalError as error:
                return fail(locked, error.staff_reason)
        if not result.created:
            locked.status, locked.cancelled_at = AutoRenewalStatus.CANCELLED, now
            locked.save(update_fields=["status", "cancelled_at", "attempted_at", "updated_at"])
            return AutoRenewOutcome(auto=locked, status=locked.status)
        locked.status, locked.renewal, locked.failure_reason = AutoRenewalStatus.RENEWED, result.order, ""
        locked.save(update_fields=["status", "renewal", "failure_reason", "attempted_at", "updated_at"])
        return AutoRenewOutcome(auto=locked, status=locked.status, renewal=result.order)


def fail(auto, reason: str):
    """Record why the renewal was refused."""
    auto.status, auto.failure_reason = AutoRenewalStatus.FAILED, reason[:FAILURE_REASON_LENGTH]
    auto.save(update_fields=["status", "failure_reason", "attempted_at", "updated_at"])
    return AutoRenewOutcome(auto=auto, status=auto.status)


# Reads for the pages and emails


def auto_renewal_of(order) -> AutoRenewal | None:
    """The order's auto-renewal row, or None (from ``select_related("auto_renewal")`` when given)."""
    try:
        return order.auto_renewal
    except AutoRenewal.DoesNotExist:
        return None


def renewed_automatically(order) -> bool:
    """``order``'s renewal was made by its auto-renewal."""
    auto = auto_renewal_of(order)
    return auto is not None and auto.status == AutoRenewalStatus.RENEWED


@dataclass(frozen=True)
class AutoRenewState:
    """Where an order's auto-renew stands, as its pages show it."""

    auto: AutoRenewal | None
    can_turn_on: bool  # live, its term not ended
    renews_on: date | None = None  # scheduled: its day; otherwise the day it would renew if turned on now
    price: Price | None = None  # scheduled: what renewing on its day costs at today's prices
    day: RenewalDay = RenewalDay()  # ``renews_on`` as the page reads it: today, from what time

    @property
    def status(self):
        return self.auto.status if self.auto else None

    @property
    def is_scheduled(self):
        return self.status == AutoRenewalStatus.SCHEDULED

    @property
    def is_failed(self):
        return self.status == AutoRenewalStatus.FAILED

    @property
    def is_renewed(self):
        return self.status == AutoRenewalStatus.RENEWED

    @property
    def plan_years(self):
        return self.auto.plan_years if self.auto else None


def auto_renew_state(order, *, at: datetime) -> AutoRenewState:
    """The state of ``order``'s auto-renew at ``at``, priced when scheduled (``renewal_preview``, what
    ``renew_order`` would charge at that instant, the customer's offer included)."""
    auto = auto_renewal_of(order)
    today = local_day(at, order.customer.tzinfo)
    can_turn_on = may_turn_on(order, today=today)
    if auto is not None and auto.status == AutoRenewalStatus.SCHEDULED:
        price = renewal_preview(order=order, at=renews_at(auto, order, order.partner), plan_years=auto.plan_years).price
        day = renewal_day(auto.renew_on, order=order, partner=order.partner, at=at)
        return AutoRenewState(auto=auto, can_turn_on=can_turn_on, renews_on=auto.renew_on, price=price, day=day)
    if not can_turn_on:
        return AutoRenewState(auto=auto, can_turn_on=False)
    renews_on = renew_on_for(order, order.partner, today=today)
    day = renewal_day(renews_on, order=order, partner=order.partner, at=at)
    return AutoRenewState(auto=auto, can_turn_on=True, renews_on=renews_on, day=day)


@dataclass(frozen=True)
class AutoRenewNotice:
    """A reminder's advance notice: the order renews by itself on ``renews_on``."""

    renews_on: date
    plan_years: int
    price: Price | None  # None: the partner prices it no more (it will fail and reminders go on)
    day: RenewalDay = RenewalDay()  # ``renews_on`` as the email reads it when sent: today or a date


def auto_renew_notice(order, *, partner, prices: dict, offers, now: datetime) -> AutoRenewNotice | None:
    """The advance notice of a reminder sent at ``now`` for ``order`` when its auto-renewal is
    scheduled, priced without a query from the partner's price list and active offers
    (``upsell.price_of``), at the renewal day. Needs ``auto_renewal``, ``customer`` and ``renewal``
    loaded with the order."""
    auto = auto_renewal_of(order)
    if auto is None or auto.status != AutoRenewalStatus.SCHEDULED:
        return None
    order.partner = partner  # the same row: pricing reads its currency, no query
    at = renews_at(auto, order, partner)
    price = price_of(order, order.product, auto.plan_years, at=at, prices=prices, offers=offers)
    day = renewal_day(auto.renew_on, order=order, partner=partner, at=now)
    return AutoRenewNotice(renews_on=auto.renew_on, plan_years=auto.plan_years, price=price, day=day)
