"""Which products a renewal may switch to: same kind, on sale, priced by the partner at the current
product's yearly price or above (its cheapest per year on any plan), cheapest first, then by name."""

from decimal import Decimal

import pytest

from renewals.models import PartnerPrice
from renewals.services import upgrade_choices
from tests.factories import ProductFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


def price(partner, product, **by_years):
    """``price(partner, product, y1=100, y3=240)``: the partner's price for each plan given."""
    for key, amount in by_years.items():
        PartnerPrice.objects.create(partner=partner, product=product, plan_years=int(key[1:]), price=Decimal(amount))
    return product


def test_upgrades_are_same_kind_on_sale_and_at_least_the_current_yearly_price(partner_a):
    current = price(partner_a, ProductFactory(name="Current"), y1=100, y2=180)  # 90 a year
    dearer = price(partner_a, ProductFactory(name="Dearer"), y1=95)
    same_price_b = price(partner_a, ProductFactory(name="Same B"), y1=90)
    same_price_a = price(partner_a, ProductFactory(name="Same A"), y1=90)
    price(partner_a, ProductFactory(name="Cheaper over three years"), y1=120, y3=240)  # 80 a year
    price(partner_a, ProductFactory(name="Off sale", is_active=False), y1=200)
    price(partner_a, ProductFactory(name="Multi-domain", is_multi_domain=True), y1=200)
    price(partner_a, ProductFactory(name="Wildcard", is_wildcard=True), y1=200)
    ProductFactory(name="Not priced by this partner")
    choices = list(upgrade_choices(current, partner=partner_a))
    assert choices == [current, same_price_a, same_price_b, dearer]
    assert [choice.yearly_price for choice in choices] == [90, 90, 90, 95]
