"""Each customer sees one variant of an offer, always the same one, and the variants share customers by weight."""

import subprocess
import sys
from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from offers.assignment import assignment_point, variant_for
from offers.models import Offer, OfferVariant

pytestmark = pytest.mark.smoke

CUSTOMERS = range(1, 20_001)


def offer_with(*weights, offer_id=41):
    """An unsaved offer and its variants (ids 1.., positions in order), for pure tests."""
    offer = Offer(pk=offer_id)
    variants = [
        OfferVariant(
            pk=index + 1,
            offer=offer,
            label=f"v{index}",
            discount_percent=Decimal(5 * index),
            weight=weight,
            position=index,
        )
        for index, weight in enumerate(weights)
    ]
    return offer, variants


@given(customer_id=st.integers(min_value=1, max_value=2**62))
def test_the_same_customer_always_gets_the_same_variant(customer_id):
    offer, variants = offer_with(1, 1, 1, 1)
    first = variant_for(offer, customer_id, variants)
    assert all(variant_for(offer, customer_id, variants) is first for _ in range(3))


@given(customer_id=st.integers(min_value=1, max_value=2**62))
def test_the_order_the_variants_are_given_in_does_not_matter(customer_id):
    offer, variants = offer_with(1, 2, 3)
    assert variant_for(offer, customer_id, variants) is variant_for(offer, customer_id, list(reversed(variants)))


def test_assignment_is_the_same_in_another_process():
    """Python's hash() is salted per process; the assignment must not be."""
    script = (
        "from offers.assignment import assignment_point;"
        "print(','.join(str(assignment_point(41, c, 4)) for c in range(1, 201)))"
    )
    other = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env={"PYTHONHASHSEED": "12345"}
    )
    assert other.stdout.strip() == ",".join(str(assignment_point(41, c, 4)) for c in range(1, 201))


def test_equal_weights_split_customers_evenly():
    offer, variants = offer_with(1, 1, 1, 1)
    counts = Counter(variant_for(offer, customer, variants).label for customer in CUSTOMERS)
    assert set(counts) == {"v0", "v1", "v2", "v3"}
    for count in counts.values():
        # 5,000 expected each; the binomial's standard deviation is about 61, so ±4 % is over 3 sigma.
        assert abs(count - 5_000) < 200


def test_weights_share_customers_in_proportion():
    offer, variants = offer_with(1, 3)
    counts = Counter(variant_for(offer, customer, variants).label for customer in CUSTOMERS)
    assert abs(counts["v1"] / len(CUSTOMERS) - 0.75) < 0.015


def test_different_offers_assign_a_customer_independently():
    """The offer's id is in the hash: otherwise the same customers would get the low amount in every experiment."""
    first, first_variants = offer_with(1, 1, offer_id=1)
    second, second_variants = offer_with(1, 1, offer_id=2)
    same = sum(
        variant_for(first, customer, first_variants).label == variant_for(second, customer, second_variants).label
        for customer in CUSTOMERS
    )
    assert abs(same / len(CUSTOMERS) - 0.5) < 0.02


def test_a_known_assignment_never_changes():
    """Pinned values: a change to the hash would move every customer of every running experiment."""
    assert [assignment_point(41, customer, 100) for customer in (1, 2, 3)] == PINNED


def test_an_offer_without_variants_assigns_nothing():
    offer, _ = offer_with()
    assert variant_for(offer, 1, []) is None


@pytest.mark.django_db
def test_variants_are_read_from_the_offer_when_not_given(partner_a):
    from tests.offers.factories import OfferFactory

    offer = OfferFactory(partner=partner_a, amounts=["10", "15", "0"])
    variants = list(offer.variants.all())
    assert all(variant_for(offer, customer) == variant_for(offer, customer, variants) for customer in range(1, 50))


PINNED = [59, 92, 16]
