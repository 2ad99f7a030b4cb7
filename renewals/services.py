"""Writes on orders: renewing (a new sale) and reissuing (a new certificate inside a paid term).

Both are idempotent and race-safe: the old order's row is locked for the transaction, and the unique
``renewed_from`` link is the last word if two processes still meet.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, FloatField, Min, OuterRef, Subquery
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from offers.exposure import channel_for, record_exposure
from offers.selection import offer_and_discount
from partners.actors import acting_user, is_customer, require_staff_of
from partners.models import RENEWING_ROLES, Partner

from .issuance import issuance_backend
from .models import NoticeChange, Order, OrderNote, OrderStatus, PartnerPrice, Product, order_number_for
from .pricing import NotPriced, renewal_price
from .signals import order_replaced
from .validity import local_day, quote_renewal_at, reissue_is_due


class RenewalError(Exception):
    """A renewal or reissue that cannot be made; the message is for the person who asked, and
    ``staff_reason`` the same in the words the partner's staff read (what a failed auto-renewal
    records when the customer was the one renewing)."""

    def __init__(self, message="", *, staff_reason=None):
        super().__init__(message)
        self.staff_reason = message if staff_reason is None else staff_reason


class RenewalNotAllowed(RenewalError):
    pass


class ProductNotPriced(RenewalError):
    """The partner's price list has no price for the product on the plan asked for."""


class RenewalNotOpen(RenewalError):
    def __init__(self, opens_on):
        self.opens_on = opens_on
        super().__init__(_("Renewal opens on %(date)s.") % {"date": date_format(opens_on)})


@dataclass(frozen=True)
class RenewalResult:
    order: Order
    created: bool


def check_may_renew(by, order):
    """The customer (on the signed page) or the partner's sales staff and admins: renewing is a sale."""
    if is_customer(by):
        return
    require_staff_of(
        by,
        order.partner_id,
        RenewalNotAllowed(_("Only sales staff and partner admins may renew orders.")),
        roles=RENEWING_ROLES,
    )


def allocate_order_number(partner_id) -> str:
    """The partner's next order number. The UPDATE holds the partner's row until commit, so two
    transactions never get the same number."""
    Partner.objects.filter(pk=partner_id).update(order_sequence=F("order_sequence") + 1)
    return order_number_for(Partner.objects.values_list("order_sequence", flat=True).get(pk=partner_id))


def build_renewal(*, old, quote, product, price, order_number, created_by=None, offer=None) -> Order:
    """The (unsaved) order that renews ``old``: same customer and names, the quoted term, the price
    (and the ``AppliedOffer`` it was sold with, if any).
    The one place that says what a renewal carries over; the demo seeder builds its renewals here too."""
    return Order(
        partner_id=old.partner_id,
        customer_id=old.customer_id,
        product=product,
        order_number=order_number,
        common_name=old.common_name,
        sans=old.sans,
        plan_years=quote.plan_years,
        term_start=quote.new_term_start,
        term_end=quote.new_term_end,
        carried_days=quote.carried_days,
        status=OrderStatus.AWAITING_ISSUANCE,
        renewal_notices=old.renewal_notices,
        renewed_from=old,
        list_price=price.list_price,
        price=price.price,
        currency=price.currency,
        discount_percent=price.discount_percent,
        offer=offer.offer if offer else None,
        offer_variant=offer.variant if offer else None,
        created_by=created_by,
    )


def renew_order(
    *, order, by, at: datetime, plan_years=None, product=None, discount_percent: Decimal | None = None
) -> RenewalResult:
    """Renew ``order`` at the instant ``at``; a second call returns the renewal made by the first.
    ``discount_percent`` None: the customer's offer applies, if any, and the renewal records it."""
    check_may_renew(by, order)
    try:
        with transaction.atomic():
            return _renew_locked(order, by, at, plan_years, product, discount_percent)
    except IntegrityError:
        # Another process renewed the same order between our check and our insert.
        existing = Order.objects.filter(renewed_from=order.pk).first()
        if existing is None:
            raise
        return RenewalResult(existing, created=False)


def _renew_locked(order, by, at, plan_years, product, discount_percent):
    old = Order.objects.select_for_update().select_related("customer__partner", "product").get(pk=order.pk)
    existing = Order.objects.filter(renewed_from=old).first()
    if existing is not None:
        return RenewalResult(existing, created=False)
    if old.status == OrderStatus.CANCELLED:
        raise RenewalError(_("A cancelled order cannot be renewed."))
    plan_years = plan_years or old.plan_years
    product = product or old.product
    if not product.is_active:
        raise RenewalError(_("%(product)s is no longer on sale.") % {"product": product})
    quote = quote_renewal_at(term_end=old.term_end, at=at, zone=old.customer.tzinfo, plan_years=plan_years)
    if not quote.is_open:
        raise RenewalNotOpen(quote.opens_on)
    offer, discount_percent = offer_and_discount(order=old, at=at, product=product, discount_percent=discount_percent)
    try:
        price = renewal_price(
            partner=old.partner, product=product, plan_years=plan_years, discount_percent=discount_percent
        )
    except NotPriced as missing:
        if is_customer(by):
            raise ProductNotPriced(
                _("This plan cannot be renewed online. Please contact %(partner)s to renew.")
                % {"partner": old.partner.sender_name or old.partner.name},
                staff_reason=str(missing),
            ) from missing
        raise ProductNotPriced(str(missing)) from missing
    renewal = build_renewal(
        old=old,
        quote=quote,
        product=product,
        price=price,
        order_number=allocate_order_number(old.partner_id),
        created_by=acting_user(by),
        offer=offer,
    )
    renewal.save()
    record_exposure(offer, old.customer_id, channel_for(by), at)  # a sale shows the offer, so it counts as reached
    order_replaced.send(sender=Order, order=old, replacement=renewal, reason="renewal")
    issuance_backend().request_issuance(renewal, at=at)
    return RenewalResult(renewal, created=True)


def upgrade_choices(product: Product, *, partner):
    """Products a renewal of ``product`` may switch to: those the partner prices, of the same kind
    (wildcard, multi-domain), at the partner's yearly price of ``product`` or above (the product
    itself included when priced). A product's yearly price is its cheapest per year on any plan."""
    yearly = (
        PartnerPrice.objects.for_partner(partner)
        .values("product")
        .annotate(
            # Float is fine for ranking (SQLite would divide integers), never for an amount charged.
            yearly=Min(Cast("price", FloatField()) / F("plan_years"))
        )
        .order_by()
    )
    floor = next(iter(yearly.filter(product=product).values_list("yearly", flat=True)), None)
    priced = yearly.filter(yearly__gte=floor) if floor is not None else yearly
    return (
        Product.objects.filter(
            is_active=True,
            is_wildcard=product.is_wildcard,
            is_multi_domain=product.is_multi_domain,
            pk__in=priced.values("product"),
        )
        .annotate(yearly_price=Subquery(yearly.filter(product=OuterRef("pk")).values("yearly")[:1]))
        .order_by("yearly_price", "name")
    )


def reissue_due(order: Order, *, at: datetime) -> bool:
    """A reissue is due now by the partner's reissue thresholds (``validity.reissue_is_due``), so the
    button offers exactly what the reminders announce, and a new certificate is never issued twice
    for the same need. Uses ``order.latest_certificate`` (prefetch ``certificates`` for lists)."""
    if order.status != OrderStatus.ACTIVE:
        return False
    certificate = order.latest_certificate
    if certificate is None:
        return False
    zone = order.customer.tzinfo
    return reissue_is_due(
        expires_on=certificate.expires_on(zone),
        term_end=order.term_end,
        today=local_day(at, zone),
        thresholds=order.customer.partner.reissue_thresholds,
        certificate_days=certificate.lifetime_days,
    )


def reissue_certificate(*, order, by, at: datetime) -> bool:
    """Request the next certificate inside the same paid term; True when one was requested. Twice
    in a row requests once: after the first, the order is awaiting or holds a certificate not due."""
    require_staff_of(by, order.partner_id, RenewalNotAllowed(_("Only the partner's staff may reissue certificates.")))
    with transaction.atomic():
        order = Order.objects.select_for_update().select_related("customer__partner").get(pk=order.pk)
        if not reissue_due(order, at=at):
            return False
        order_replaced.send(sender=Order, order=order, replacement=order, reason="reissue")
        issuance_backend().request_issuance(order, at=at)
    return True


def set_renewal_notices(*, order, by, enabled: bool) -> bool:
    """Switch an order's renewal notices; every real change is recorded (who, when, old → new).
    Returns the value now stored. Setting the value it already has records nothing."""
    staff = require_staff_of(
        by, order.partner_id, RenewalNotAllowed(_("Only the partner's staff may change renewal notices."))
    )
    with transaction.atomic():
        current = Order.objects.select_for_update().values_list("renewal_notices", flat=True).get(pk=order.pk)
        if Order.objects.filter(renewed_from=order.pk).exists():
            raise RenewalError(_("Order %(number)s is renewed: its notices have stopped.") % {"number": order})
        if current != enabled:
            # Turned on: the next sweep looks at the order again (and sends only what is due now).
            changes = {"renewal_notices": enabled, **({"next_reminder_at": timezone.now()} if enabled else {})}
            Order.objects.filter(pk=order.pk).update(**changes)
            NoticeChange.objects.create(order_id=order.pk, changed_by=staff.user, old_value=current, new_value=enabled)
    order.renewal_notices = enabled
    return enabled


def add_note(*, order, by, body: str) -> OrderNote:
    body = body.strip()
    if not body:
        raise RenewalError(_("A note cannot be empty."))
    staff = require_staff_of(by, order.partner_id, RenewalNotAllowed(_("Only the partner's staff may add notes.")))
    return OrderNote.objects.create(order=order, author=staff.user, body=body)
