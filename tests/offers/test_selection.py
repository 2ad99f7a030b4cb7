"""Which offer applies to an order: dates in the customer's zone, the threshold, the scope, the best of several."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.utils import translation

from offers.selection import active_offers, best_discount_for, offer_for
from renewals.models import Order, OrderStatus
from tests.factories import CustomerFactory, OrderFactory, PartnerFactory, ProductFactory
from tests.offers.factories import OfferFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

# 2026-12-01 12:00 in Seoul; the order's term ends 31 days later.
AT = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
def ov(db):
    return ProductFactory(code="secure-site-ov", brand="Secure Site", name="Secure Site OV", validation_level="OV")


@pytest.fixture
def ev(db):
    return ProductFactory(code="secure-site-ev", brand="Secure Site", name="Secure Site EV", validation_level="EV")


@pytest.fixture
def order(partner_a, ov):
    return OrderFactory(customer=CustomerFactory(partner=partner_a), product=ov, term_end=date(2027, 1, 1))


def test_an_offer_applies_inside_its_dates_and_threshold(partner_a, order):
    offer = OfferFactory(partner=partner_a, amounts=["15"])
    applied = offer_for(order, at=AT)
    assert applied.offer == offer
    assert applied.discount_percent == Decimal("15")
    assert applied.ends_on == date(2026, 12, 31)
    with translation.override("en"):
        assert applied.headline == offer.headline_en


def test_no_offer_no_discount(order):
    assert offer_for(order, at=AT) is None


@pytest.mark.parametrize(("shown_from_days", "applies"), [(31, True), (30, False)])
def test_the_threshold_counts_days_to_the_end_of_the_term(partner_a, order, shown_from_days, applies):
    OfferFactory(partner=partner_a, shown_from_days=shown_from_days)
    assert (offer_for(order, at=AT) is not None) is applies


def test_a_term_that_has_ended_still_gets_the_offer(partner_a, ov):
    lapsed = OrderFactory(customer=CustomerFactory(partner=partner_a), product=ov, term_end=date(2026, 11, 20))
    OfferFactory(partner=partner_a)
    assert offer_for(lapsed, at=AT) is not None


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "applies"),
    [
        (date(2026, 12, 1), date(2026, 12, 1), True),  # both days included
        (date(2026, 12, 2), date(2026, 12, 31), False),  # not started
        (date(2026, 11, 1), date(2026, 11, 30), False),  # ended yesterday
    ],
)
def test_the_offers_days_are_included(partner_a, order, starts_on, ends_on, applies):
    OfferFactory(partner=partner_a, starts_on=starts_on, ends_on=ends_on)
    assert (offer_for(order, at=AT) is not None) is applies


def test_the_last_day_is_the_customers_day(partner_a, ov):
    """At 2026-12-01 00:30 in Seoul it is still 2026-11-30 in New York: the offer ending on the 30th
    is over for the Seoul customer and still on for the New York one."""
    OfferFactory(partner=partner_a, ends_on=date(2026, 11, 30))
    at = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)
    seoul = OrderFactory(customer=CustomerFactory(partner=partner_a), product=ov, term_end=date(2027, 1, 1))
    new_york = OrderFactory(
        customer=CustomerFactory(partner=partner_a, time_zone="America/New_York"), product=ov, term_end=date(2027, 1, 1)
    )
    assert offer_for(seoul, at=at) is None
    assert offer_for(new_york, at=at) is not None


def test_the_first_day_is_the_customers_day(partner_a, ov):
    OfferFactory(partner=partner_a, starts_on=date(2026, 12, 1))
    at = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)  # Seoul: Dec 1; New York: Nov 30
    seoul = OrderFactory(customer=CustomerFactory(partner=partner_a), product=ov, term_end=date(2027, 1, 1))
    new_york = OrderFactory(
        customer=CustomerFactory(partner=partner_a, time_zone="America/New_York"), product=ov, term_end=date(2027, 1, 1)
    )
    assert offer_for(seoul, at=at) is not None
    assert offer_for(new_york, at=at) is None


def test_a_paused_offer_does_not_apply(partner_a, order):
    OfferFactory(partner=partner_a, is_active=False)
    assert offer_for(order, at=AT) is None


def test_another_partners_offer_does_not_apply(partner_b, order):
    OfferFactory(partner=partner_b)
    assert offer_for(order, at=AT) is None


def test_a_cancelled_order_gets_no_offer(partner_a, order):
    OfferFactory(partner=partner_a)
    order.status = OrderStatus.CANCELLED
    assert offer_for(order, at=AT) is None


def test_a_renewed_order_gets_no_offer(partner_a, order):
    OfferFactory(partner=partner_a)
    OrderFactory(customer=order.customer, product=order.product, renewed_from=order, term_end=date(2028, 1, 1))
    assert offer_for(Order.objects.get(pk=order.pk), at=AT) is None


# Scope


def test_a_product_scope_applies_to_its_products_only(partner_a, order, ov, ev):
    offer = OfferFactory(partner=partner_a)
    offer.products.set([ev])
    assert offer_for(order, at=AT) is None
    offer.products.set([ov, ev])
    assert offer_for(order, at=AT) is not None


def test_a_brand_scope_applies_to_its_brands_only(partner_a, order):
    OfferFactory(partner=partner_a, brands=["GeoTrust"])
    assert offer_for(order, at=AT) is None
    OfferFactory(partner=partner_a, brands=["GeoTrust", "Secure Site"])
    assert offer_for(order, at=AT) is not None


def test_a_level_scope_applies_to_its_levels_only(partner_a, order):
    OfferFactory(partner=partner_a, validation_levels=["EV"])
    assert offer_for(order, at=AT) is None
    OfferFactory(partner=partner_a, validation_levels=["OV"])
    assert offer_for(order, at=AT) is not None


def test_the_scope_reads_the_product_renewed_to(partner_a, order, ev):
    """An upgrade to EV gets the EV offer, whatever the order's own product."""
    OfferFactory(partner=partner_a, validation_levels=["EV"])
    assert offer_for(order, at=AT) is None
    assert offer_for(order, at=AT, product=ev) is not None


def test_all_scopes_must_match(partner_a, order, ov):
    offer = OfferFactory(partner=partner_a, brands=["Secure Site"], validation_levels=["EV"])
    offer.products.set([ov])
    assert offer_for(order, at=AT) is None


# Several offers


def test_the_largest_discount_wins(partner_a, order):
    OfferFactory(partner=partner_a, name="small", amounts=["10"])
    OfferFactory(partner=partner_a, name="large", amounts=["20"], ends_on=date(2027, 6, 30))
    assert offer_for(order, at=AT).offer.name == "large"


def test_on_a_tie_the_offer_ending_first_wins(partner_a, order):
    OfferFactory(partner=partner_a, name="later", amounts=["10"], ends_on=date(2027, 1, 31))
    OfferFactory(partner=partner_a, name="sooner", amounts=["10"], ends_on=date(2026, 12, 15))
    assert offer_for(order, at=AT).offer.name == "sooner"


def test_a_discount_beats_a_control_group(partner_a, order):
    OfferFactory(partner=partner_a, name="control only", amounts=["0"], ends_on=date(2026, 12, 10))
    OfferFactory(partner=partner_a, name="ten", amounts=["10"])
    assert offer_for(order, at=AT).offer.name == "ten"


def test_a_control_customer_gets_the_offer_with_no_discount(partner_a, order):
    """The control group is in the experiment: the offer applies, with 0 % and nothing to show."""
    OfferFactory(partner=partner_a, amounts=["0"])
    applied = offer_for(order, at=AT)
    assert applied.is_control and not applied.shows_discount


def test_the_variant_is_the_customers_own(partner_a, order):
    offer = OfferFactory(partner=partner_a, amounts=["10", "15", "20", "0"])
    seen = {offer_for(order, at=AT).variant for _ in range(5)}
    assert len(seen) == 1 and seen.pop().offer == offer


# Reads


def test_active_offers_reads_once_with_variants_and_products(partner_a, django_assert_num_queries):
    OfferFactory(partner=partner_a, amounts=["10", "0"])
    OfferFactory(partner=partner_a, is_active=False)
    OfferFactory(partner=PartnerFactory())
    with django_assert_num_queries(3):  # the offers, their variants, their products
        offers = active_offers(partner_a, date(2026, 12, 1))
        assert len(offers) == 1
        assert len(offers[0].variants.all()) == 2 and list(offers[0].products.all()) == []


def test_active_offers_leaves_out_offers_days_away(partner_a):
    OfferFactory(partner=partner_a, starts_on=date(2027, 1, 1), ends_on=date(2027, 1, 31))
    assert active_offers(partner_a, date(2026, 12, 1)) == []


def test_with_the_offers_given_choosing_queries_nothing(partner_a, order, django_assert_num_queries):
    OfferFactory(partner=partner_a, amounts=["10", "20"])
    offers = active_offers(partner_a, date(2026, 12, 1))
    loaded = Order.objects.select_related("customer__partner", "product", "renewal").get(pk=order.pk)
    with django_assert_num_queries(0):
        assert offer_for(loaded, at=AT, offers=offers) is not None


def test_best_discount_is_the_largest_among_the_orders(partner_a, ov, ev):
    customer = CustomerFactory(partner=partner_a)
    first = OrderFactory(customer=customer, product=ov, term_end=date(2027, 1, 1))
    second = OrderFactory(customer=customer, product=ev, term_end=date(2027, 1, 1))
    far = OrderFactory(customer=customer, product=ev, term_end=date(2027, 6, 1))
    OfferFactory(partner=partner_a, amounts=["10"])
    OfferFactory(partner=partner_a, amounts=["25"], validation_levels=["EV"], shown_from_days=31)
    offers = active_offers(partner_a, date(2026, 12, 1))
    assert best_discount_for([first, second, far], AT, offers) == Decimal("25")
    assert best_discount_for([first], AT, offers) == Decimal("10")
    assert best_discount_for([far], AT, offers) is None
