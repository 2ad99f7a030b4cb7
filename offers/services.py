"""Writes on offers: creating and editing an offer with its variants.

Sales staff and partner admins may; support staff may only read. Once an offer has been shown to a
customer or sold, its variants are fixed: changing an amount, a weight or the list of variants would
move customers to another variant (``offers/assignment.py``) and mix the experiment's groups.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from partners.actors import require_staff_of
from partners.models import RENEWING_ROLES

from .assignment import ordered_variants
from .models import Offer, OfferExposure, OfferVariant


class OfferError(Exception):
    """An offer change that cannot be made; the message is for the person who asked."""


class OfferNotAllowed(OfferError, PermissionError):
    pass


class VariantsLocked(OfferError):
    pass


@dataclass(frozen=True)
class VariantData:
    label: str
    discount_percent: Decimal
    weight: int = 1


def require_offer_editor(by, partner_id):
    return require_staff_of(
        by,
        partner_id,
        OfferNotAllowed(_("Only sales staff and partner admins may create or change offers.")),
        roles=RENEWING_ROLES,
    )


def variants_locked(offer: Offer) -> bool:
    """Whether customers have seen or bought the offer, so its variants may no longer change."""
    return offer.pk is not None and (OfferExposure.objects.filter(offer=offer).exists() or offer.renewals.exists())


def locked_message() -> str:
    return _(
        "Customers have already seen or bought this offer, so its variants cannot change: that would move "
        "customers to another amount and mix the experiment's groups. You can still change the name, the "
        "headline, the end date and whether it is active. To test other amounts, create a new offer."
    )


def save_offer(*, partner, by, offer: Offer, products, variants: list[VariantData] | None) -> Offer:
    """Save ``offer`` (new or changed, its fields set by the caller) for ``partner`` with its product
    scope and, when ``variants`` is given, its variants in that order. Raises ``VariantsLocked`` when
    the variants would change on an offer customers have seen."""
    staff = require_offer_editor(by, partner.pk)
    if offer.pk is not None and offer.partner_id != partner.pk:
        raise OfferNotAllowed(_("This offer belongs to another partner."))
    is_new = offer.pk is None
    with transaction.atomic():
        if not is_new:
            Offer.objects.select_for_update().filter(pk=offer.pk).first()  # one edit of the variants at a time
        changes_variants = variants is not None and (is_new or _differ(offer, variants))
        if changes_variants and not is_new and variants_locked(offer):
            raise VariantsLocked(locked_message())
        offer.partner = partner
        if is_new:
            offer.created_by = staff.user
        offer.save()
        offer.products.set(products)
        if changes_variants:
            # Nobody has seen these variants (checked above under the offer's lock): replace them.
            OfferVariant.objects.filter(offer=offer).delete()
            OfferVariant.objects.bulk_create(
                OfferVariant(
                    offer=offer,
                    label=variant.label,
                    discount_percent=variant.discount_percent,
                    weight=variant.weight,
                    position=position,
                )
                for position, variant in enumerate(variants)
            )
    return offer


def _differ(offer: Offer, variants: list[VariantData]) -> bool:
    current = [
        VariantData(label=variant.label, discount_percent=variant.discount_percent, weight=variant.weight)
        for variant in ordered_variants(offer)
    ]
    return current != list(variants)
