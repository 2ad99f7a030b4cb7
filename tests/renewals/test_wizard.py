"""The selection wizard: every combination of answers against a small catalogue, and its rules one
by one (EV for payment, OV for personal information, wildcard and multi-domain cover, never below the
current product, the cheapest that fits, the current product kept when nothing does)."""

from decimal import Decimal

import pytest
from django.utils import translation

from renewals.models import Product
from renewals.wizard import ALL_ANSWERS, Answers, Domains, possible_recommendations, recommend

pytestmark = pytest.mark.smoke


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def product(pk, code, level, *, wildcard=False, multi=False, active=True):
    return Product(
        pk=pk,
        code=code,
        name=code.upper(),
        validation_level=level,
        is_wildcard=wildcard,
        is_multi_domain=multi,
        is_active=active,
        list_price=Decimal("0"),
    )


DV = product(1, "dv", "DV")
OV = product(2, "ov", "OV")
EV = product(3, "ev", "EV")
OV_WILDCARD = product(4, "ov-wildcard", "OV", wildcard=True)
# No multi-domain product is sold: "several different domains" finds nothing.
CATALOGUE = {DV: Decimal("100"), OV: Decimal("300"), EV: Decimal("600"), OV_WILDCARD: Decimal("800")}

ONE, FEW, SUBDOMAINS, SEVERAL = Domains.ONE, Domains.FEW, Domains.SUBDOMAINS, Domains.SEVERAL
# (personal, payment, domains) → (product recommended, does it fit, words of the reason)
EXPECTED = {
    (False, False, ONE): (DV, True, ["domain validation (DV) is enough", "already meets"]),
    (False, False, FEW): (DV, True, ["domain validation (DV) is enough", "already meets"]),
    (False, False, SUBDOMAINS): (OV_WILDCARD, True, ["wildcard certificate covers", "most affordable"]),
    (False, False, SEVERAL): (DV, False, ["multi-domain certificate covers", "No product on offer"]),
    (True, False, ONE): (OV, True, ["personal information", "Organization validation (OV)", "most affordable"]),
    (True, False, FEW): (OV, True, ["personal information", "Organization validation (OV)", "most affordable"]),
    (True, False, SUBDOMAINS): (OV_WILDCARD, True, ["personal information", "wildcard", "most affordable"]),
    (True, False, SEVERAL): (DV, False, ["personal information", "No product on offer"]),
    (False, True, ONE): (EV, True, ["payment information", "extended validation (EV)", "most affordable"]),
    (False, True, FEW): (EV, True, ["payment information", "extended validation (EV)", "most affordable"]),
    # No EV wildcard exists: OV is the highest level offered for a wildcard.
    (False, True, SUBDOMAINS): (OV_WILDCARD, True, ["Organization validation (OV) is the highest", "wildcard"]),
    (False, True, SEVERAL): (DV, False, ["payment information", "No product on offer"]),
    (True, True, ONE): (EV, True, ["payment information", "extended validation (EV)"]),
    (True, True, FEW): (EV, True, ["payment information", "extended validation (EV)"]),
    (True, True, SUBDOMAINS): (OV_WILDCARD, True, ["Organization validation (OV) is the highest", "wildcard"]),
    (True, True, SEVERAL): (DV, False, ["payment information", "No product on offer", "renewing DV as it is"]),
}


def test_the_table_covers_every_combination_of_answers():
    assert {(a.personal, a.payment, a.domains) for a in ALL_ANSWERS} == set(EXPECTED)
    assert len(ALL_ANSWERS) == 16


@pytest.mark.parametrize(("personal", "payment", "domains"), list(EXPECTED))
def test_each_combination_of_answers_recommends_the_product_of_the_rules(personal, payment, domains):
    expected, fits, words = EXPECTED[personal, payment, domains]
    answers = Answers(personal=personal, payment=payment, domains=domains)
    recommendation = recommend(answers, current=DV, candidates=CATALOGUE)
    assert recommendation.product == expected
    assert recommendation.fits is fits
    for word in words:
        assert word in recommendation.reason


def test_never_below_the_current_level_even_when_a_lower_one_would_do():
    answers = Answers(personal=False, payment=False, domains=ONE)
    recommendation = recommend(answers, current=EV, candidates=CATALOGUE)
    assert recommendation.product == EV
    assert "keeps its Extended validation (EV)" in recommendation.reason


def test_a_wildcard_stays_a_wildcard_for_a_single_name():
    answers = Answers(personal=True, payment=False, domains=ONE)
    assert recommend(answers, current=OV_WILDCARD, candidates=CATALOGUE).product == OV_WILDCARD


def test_the_cheapest_fitting_product_wins():
    cheap_ov = product(5, "cheap-ov", "OV")
    candidates = {**CATALOGUE, cheap_ov: Decimal("250")}
    answers = Answers(personal=True, payment=False, domains=FEW)
    assert recommend(answers, current=DV, candidates=candidates).product == cheap_ov


def test_a_current_product_off_sale_gives_way_to_one_on_sale():
    retired = product(6, "retired-dv", "DV", active=False)
    answers = Answers(personal=False, payment=False, domains=ONE)
    assert recommend(answers, current=retired, candidates={**CATALOGUE, retired: Decimal("50")}).product == DV


def test_products_not_priced_by_the_partner_are_never_recommended():
    answers = Answers(personal=False, payment=True, domains=ONE)
    recommendation = recommend(answers, current=DV, candidates={DV: Decimal("100"), OV: Decimal("300")})
    # OV is the highest level this partner sells for a single name.
    assert recommendation.product == OV
    assert "Organization validation (OV) is the highest" in recommendation.reason


def test_payment_information_never_settles_for_domain_validation():
    dv_wildcard = product(7, "dv-wildcard", "DV", wildcard=True)
    answers = Answers(personal=False, payment=True, domains=SUBDOMAINS)
    recommendation = recommend(answers, current=DV, candidates={DV: Decimal("100"), dv_wildcard: Decimal("200")})
    assert (recommendation.product, recommendation.fits) == (DV, False)


def test_the_possible_recommendations_start_with_the_current_product():
    products = possible_recommendations(current=DV, candidates=CATALOGUE)
    assert products[0] == DV
    assert sorted(products, key=lambda p: p.pk) == [DV, OV, EV, OV_WILDCARD]


def test_a_recommendation_never_takes_away_a_benefit_of_the_current_product():
    """A Secure Site OV customer (seal, malware scan, larger warranty) who takes payments is offered
    the EV product that keeps them, not a cheaper EV without them."""
    secure_ov = product(10, "secure-ov", "OV")
    basic_ev = product(11, "basic-ev", "EV")
    secure_ev = product(12, "secure-ev", "EV")
    for kept in (secure_ov, secure_ev):
        kept.site_seal = kept.malware_scan = True
        kept.warranty_amount = Decimal("1500000")
    basic_ev.warranty_amount = Decimal("1750000")  # more warranty, but no seal and no malware scan
    candidates = {secure_ov: Decimal("400"), basic_ev: Decimal("350"), secure_ev: Decimal("600")}
    answers = Answers(personal=True, payment=True, domains=Domains.ONE)
    assert recommend(answers, current=secure_ov, candidates=candidates).product == secure_ev
    secure_ev.warranty_amount = Decimal("1000000")  # a lower warranty is a benefit taken away too
    recommendation = recommend(answers, current=secure_ov, candidates=candidates)
    assert recommendation.product == secure_ov and not recommendation.fits
