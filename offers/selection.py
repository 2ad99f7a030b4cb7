"""Which offer applies to an order at an instant, and with what discount for its customer.

``offer_for`` is pure when given ``offers`` (from ``active_offers``): the emails can pick the offer of
every order of a digest without a query per order. The rules, in one place:

- the offer is active, and the customer's calendar day (in the customer's time zone) is between its
  ``starts_on`` and ``ends_on``, both included;
- the order is live (neither cancelled nor renewed) and its term ends within ``shown_from_days`` of
  that day (a term that has already ended is still renewable, so the offer still applies);
- the renewal's product (the order's own unless an upgrade is chosen) is in the offer's scope: its
  products, brands and validation levels, each empty meaning all;
- of several, the one giving this customer the largest discount wins; on a tie, the one ending first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import translation

from renewals.validity import local_day

from .assignment import variant_for

if TYPE_CHECKING:
    from .models import Offer, OfferVariant

# At one instant, calendar days differ by up to two between the earliest and the latest time zones
# (UTC+14 and UTC-12): ``active_offers`` reads that much around the day asked for, and ``offer_for``
# checks each customer's own day.
ZONE_SPREAD = timedelta(days=2)


@dataclass(frozen=True)
class AppliedOffer:
    """The offer a customer is shown, with the variant it is assigned to (0 % for the control group,
    who see no offer but count in the experiment)."""

    offer: Offer
    variant: OfferVariant
    discount_percent: Decimal
    ends_on: date

    @property
    def headline(self) -> str:
        """The headline in the language being rendered (the customer's page or email), or none."""
        return self.offer.headline_in(translation.get_language())

    @property
    def staff_headline(self):
        """The headline staff read (``Offer.headline_for_staff``): the other language's when theirs has none."""
        return self.offer.headline_for_staff(translation.get_language())

    @property
    def is_control(self) -> bool:
        return self.discount_percent == 0

    @property
    def shows_discount(self) -> bool:
        return self.discount_percent > 0


def active_offers(partner, day: date) -> list[Offer]:
    """The partner's active offers that may apply on ``day`` somewhere (see ``ZONE_SPREAD``), with their
    variants and products prefetched: one query for the offers, one each for the prefetches."""
    # Imported here: renewals' selectors import this module while ``renewals.models`` is still loading.
    from .models import Offer

    return list(
        Offer.objects.for_partner(partner)
        .filter(is_active=True, starts_on__lte=day + ZONE_SPREAD, ends_on__gte=day - ZONE_SPREAD)
        .prefetch_related("variants", "products")
        .order_by("ends_on", "pk")
    )


def in_scope(offer: Offer, product) -> bool:
    """Whether ``product`` is among the offer's products, brands and validation levels (empty: all)."""
    product_ids = {scoped.pk for scoped in offer.products.all()}
    return (
        (not product_ids or product.pk in product_ids)
        and (not offer.brands or product.brand in offer.brands)
        and (not offer.validation_levels or product.validation_level in offer.validation_levels)
    )


def applies_on(offer: Offer, *, term_end: date, today: date) -> bool:
    """The offer's dates and threshold, for an order whose term ends on ``term_end``, on ``today``."""
    return (
        offer.is_active
        and offer.starts_on <= today <= offer.ends_on
        and (term_end - today).days <= offer.shown_from_days
    )


def offer_for(order, *, at: datetime, product=None, offers=None) -> AppliedOffer | None:
    """The offer ``order``'s customer is shown at ``at`` for renewing with ``product`` (default: the
    order's), or None. Without ``offers`` it reads the partner's active offers (three queries).
    Select ``renewal`` and ``customer`` with lists of orders, so ``order.is_live`` queries nothing."""
    product = product or order.product
    today = local_day(at, order.customer.tzinfo)
    if offers is None:
        offers = active_offers(order.partner, today)
    if not order.is_live:
        return None
    best = None
    for offer in offers:
        if not (applies_on(offer, term_end=order.term_end, today=today) and in_scope(offer, product)):
            continue
        variant = variant_for(offer, order.customer_id)
        if variant is None:
            continue
        candidate = AppliedOffer(
            offer=offer,
            variant=variant,
            discount_percent=variant.discount_percent,
            ends_on=offer.ends_on,
        )
        if best is None or _better(candidate, best):
            best = candidate
    return best


def _better(candidate: AppliedOffer, best: AppliedOffer) -> bool:
    return (-candidate.discount_percent, candidate.ends_on, candidate.offer.pk) < (
        -best.discount_percent,
        best.ends_on,
        best.offer.pk,
    )


def best_offer_for(orders, at: datetime, offers) -> AppliedOffer | None:
    """Of the offers ``orders`` get at ``at``, the one with the largest discount (on a tie, the one
    ending first), or None when none applies with a discount. No query when the orders carry their
    customer, product and renewal (see ``offer_for``)."""
    best = None
    for order in orders:
        applied = offer_for(order, at=at, offers=offers)
        if applied is not None and applied.shows_discount and (best is None or _better(applied, best)):
            best = applied
    return best


def best_discount_for(orders, at: datetime, offers) -> Decimal | None:
    """The largest discount among ``orders`` (the emails' "Save up to N%"), or None."""
    best = best_offer_for(orders, at, offers)
    return best.discount_percent if best else None


def offer_and_discount(*, order, at: datetime, product=None, discount_percent=None):
    """``(applied offer or None, discount percent)`` of a renewal: a discount given explicitly wins and
    records no offer; otherwise the customer's offer, if any (0 % for its control group)."""
    if discount_percent is not None:
        return None, discount_percent
    applied = offer_for(order, at=at, product=product)
    return applied, applied.discount_percent if applied else Decimal("0")
