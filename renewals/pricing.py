"""Prices of renewals: each partner's own price list, in its currency, with a discount as a
percentage off that price, rounded to the currency's unit (won, cents)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from partners.actors import require_staff_of
from partners.models import Role

from .models import PartnerPrice
from .money import CURRENCY_QUANTUM, Currency, format_money, round_to_unit  # noqa: F401 (re-exported)


class NotPriced(LookupError):
    """The partner has no price for this product on this plan length, so it cannot sell it."""

    def __init__(self, *, product, plan_years):
        self.product = product
        self.plan_years = plan_years
        super().__init__(
            _(
                "%(product)s has no price for a %(years)s-year plan on your price list, so it cannot be renewed "
                "on that plan. Choose another plan or product, or ask a partner admin to add the price."
            )
            % {"product": product, "years": plan_years}
        )


@dataclass(frozen=True)
class Price:
    list_price: Decimal
    price: Decimal
    currency: str
    discount_percent: Decimal

    @property
    def saving(self) -> Decimal:
        return self.list_price - self.price


def discounted(*, list_price: Decimal, currency: str, discount_percent: Decimal = Decimal("0")) -> Price:
    """The price after ``discount_percent`` off ``list_price``, both rounded to the currency's unit."""
    if not Decimal("0") <= discount_percent <= Decimal("100"):
        raise ValueError("a discount is a percentage from 0 to 100")
    list_price = round_to_unit(list_price, currency)
    price = round_to_unit(list_price * (Decimal("100") - discount_percent) / Decimal("100"), currency)
    return Price(list_price=list_price, price=price, currency=currency, discount_percent=discount_percent)


def partner_price(*, partner, product, plan_years: int) -> Decimal | None:
    """The partner's own price for ``product`` on a plan of ``plan_years``, or None if it has none."""
    return (
        PartnerPrice.objects.for_partner(partner)
        .filter(product=product, plan_years=plan_years)
        .values_list("price", flat=True)
        .first()
    )


def renewal_price(*, partner, product, plan_years: int, discount_percent: Decimal = Decimal("0")) -> Price:
    """What ``partner`` charges for ``product`` on ``plan_years``, in its currency, after the discount.
    Raises ``NotPriced`` when the partner's price list has no such entry."""
    list_price = partner_price(partner=partner, product=product, plan_years=plan_years)
    if list_price is None:
        raise NotPriced(product=product, plan_years=plan_years)
    return discounted(list_price=list_price, currency=partner.currency, discount_percent=discount_percent)


class PriceListNotAllowed(PermissionError):
    """Only partner admins set prices (support staff may not change prices, sales may not set them)."""


def price_list(partner) -> dict:
    """The partner's price list as ``{(product id, plan years): price}``."""
    rows = PartnerPrice.objects.for_partner(partner).values_list("product_id", "plan_years", "price")
    return {(product_id, years): price for product_id, years, price in rows}


def set_price_list(*, partner, by, prices: dict) -> None:
    """Store ``prices`` (``{(product id, plan years): price or None}``) as the partner's price list:
    a price is set or changed, None takes the product off sale on that plan. Entries not named are
    left alone. Orders already sold keep the price they were sold at."""
    require_staff_of(
        by, partner.pk, PriceListNotAllowed(_("Only partner admins may change the price list.")), roles=(Role.ADMIN,)
    )
    removed = [key for key, price in prices.items() if price is None]
    kept = [
        PartnerPrice(
            partner=partner, product_id=product_id, plan_years=years, price=round_to_unit(price, partner.currency)
        )
        for (product_id, years), price in prices.items()
        if price is not None
    ]
    with transaction.atomic():
        if removed:
            gone = Q()
            for product_id, years in removed:
                gone |= Q(product_id=product_id, plan_years=years)
            PartnerPrice.objects.for_partner(partner).filter(gone).delete()
        PartnerPrice.objects.bulk_create(
            kept,
            update_conflicts=True,
            unique_fields=["partner", "product", "plan_years"],
            update_fields=["price", "updated_at"],
        )
