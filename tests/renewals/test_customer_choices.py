"""The customer renewal page's choice of product and plan: a list fixed on the server (the current
product, its upgrade path, what the wizard can recommend), preselected from the query, priced and
accepted as chosen; the wizard's recommendation with its reason and one click to renew with it."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone, translation

from renewals.forms import price_key
from renewals.links import customer_renewal_path
from renewals.models import Order, PartnerPrice
from renewals.money import format_money
from renewals.selectors import renewal_preview
from tests.factories import CertificateFactory, CustomerFactory, OrderFactory, ProductFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

NOW = "2026-12-01T03:00:00Z"


def set_prices(partner, product, **by_years):
    for key, amount in by_years.items():
        PartnerPrice.objects.update_or_create(
            partner=partner, product=product, plan_years=int(key[1:]), defaults={"price": Decimal(amount)}
        )
    return product


@pytest.fixture
def catalogue(partner_a):
    """Secure Site OV (the order's) → Secure Site Pro OV; an EV and a wildcard the wizard can
    recommend; a dearer OV it never does; an EV the partner does not price."""
    pro = set_prices(
        partner_a,
        ProductFactory(code="secure-site-pro-ov", name="Secure Site Pro OV", priority_support=True),
        y1="1090000",
        y2="2000000",
    )
    current = set_prices(
        partner_a,
        ProductFactory(code="secure-site-ov", name="Secure Site OV", upgrade_to=pro),
        y1="590000",
        y2="1120000",
        y3="1590000",
    )
    ev = set_prices(
        partner_a, ProductFactory(code="secure-site-ev", name="Secure Site EV", validation_level="EV"), y1="890000"
    )
    wildcard = set_prices(
        partner_a,
        ProductFactory(code="secure-site-ov-wildcard", name="Secure Site OV Wildcard", is_wildcard=True),
        y1="1790000",
    )
    pricey = set_prices(partner_a, ProductFactory(code="pricey-ov", name="Pricey OV"), y1="5000000")
    ProductFactory(code="unpriced-ev", name="Unpriced EV", validation_level="EV")
    return {"current": current, "pro": pro, "ev": ev, "wildcard": wildcard, "pricey": pricey}


@pytest.fixture
def order(partner_a, catalogue):
    order = OrderFactory(
        customer=CustomerFactory(partner=partner_a, company_name="Blue River Foods"),
        product=catalogue["current"],
        term_end=date(2027, 1, 1),
        order_number="5001",
        priced=False,
    )
    CertificateFactory(
        order=order, not_before=datetime(2026, 6, 1, tzinfo=UTC), not_after=datetime(2026, 12, 17, tzinfo=UTC)
    )
    return order


def won(amount):
    return format_money(Decimal(amount), "KRW", "en")


def price_of(order, product, plan_years=1):
    return renewal_preview(order=order, at=timezone.now(), plan_years=plan_years, product=product).price


def accepting(order, product, plan_years=1):
    return {
        "plan_years": plan_years,
        "product": product.code,
        "accept_price": "on",
        "accepted_price": price_key(price_of(order, product, plan_years)),
    }


@time_machine.travel(NOW, tick=False)
def test_the_page_lists_the_current_product_and_its_upgrade_then_what_the_wizard_recommends(client, order):
    page = client.get(customer_renewal_path(order)).content.decode()
    assert page.count('data-testid="product-choice"') == 2
    for name in ("Secure Site OV", "Secure Site Pro OV"):
        assert f'<span class="fw-semibold">{name}</span>' in page
    assert "Secure Site EV" not in page and "Secure Site OV Wildcard" not in page
    assert "Pricey OV" not in page and "Unpriced EV" not in page
    answered = client.get(customer_renewal_path(order), {"personal": "yes", "payment": "yes", "domains": "one"})
    page = answered.content.decode()
    assert page.count('data-testid="product-choice"') == 3
    assert '<span class="fw-semibold">Secure Site EV</span>' in page
    chosen = client.get(customer_renewal_path(order), {"product": "secure-site-ov-wildcard"}).content.decode()
    assert chosen.count('data-testid="product-choice"') == 3  # a product it may pick, preselected by a link
    assert 'id="product-secure-site-ov-wildcard" value="secure-site-ov-wildcard" checked' in chosen
    assert f"({won(500000)} more)" in page
    assert "Priority support around the clock." in page
    assert 'name="product" id="product-secure-site-ov" value="secure-site-ov" checked' in page


@time_machine.travel(NOW, tick=False)
def test_the_choice_is_a_plain_get_form_that_works_without_javascript(client, order):
    page = client.get(customer_renewal_path(order)).content.decode()
    assert '<form method="get" action="#renewal-choice" id="renewal-choice"' in page
    # The plan and the button sit beside the confirmation but belong to the choice's GET form.
    assert '<select name="plan_years" class="form-select" form="renewal-choice"' in page
    assert 'form="renewal-choice" data-testid="show-price"' in page
    # The confirmation posts the choice shown, with the price shown.
    assert '<input type="hidden" name="product" value="secure-site-ov">' in page


@time_machine.travel(NOW, tick=False)
def test_the_query_preselects_the_product_and_plan_and_the_price_to_accept(client, order, catalogue):
    pro = catalogue["pro"]
    page = client.get(customer_renewal_path(order), {"product": pro.code, "plan_years": 2}).content.decode()
    assert f'data-testid="price">{won(2000000)}<' in page
    assert "Secure Site Pro OV for 2 years" in page
    assert f'value="{price_key(price_of(order, pro, 2))}"' in page
    assert '<input type="hidden" name="product" value="secure-site-pro-ov">' in page
    assert 'value="secure-site-pro-ov" checked' in page


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    "query",
    [{"product": "pricey-ov", "plan_years": 9}, {"product": "no-such-product", "plan_years": "x"}, {"product": ""}],
)
def test_invalid_query_values_fall_back_silently_to_the_order(client, order, query):
    response = client.get(customer_renewal_path(order), query)
    page = response.content.decode()
    assert response.status_code == 200
    assert f'data-testid="price">{won(590000)}<' in page
    assert "Secure Site OV for 1 year" in page
    assert 'data-testid="form-error"' not in page


@time_machine.travel(NOW, tick=False)
def test_the_customer_renews_with_the_upgrade_at_the_price_shown(client, order, catalogue):
    pro = catalogue["pro"]
    response = client.post(customer_renewal_path(order), accepting(order, pro, plan_years=2))
    renewal = Order.objects.get(renewed_from=order)
    assert response.status_code == 200
    assert (renewal.product, renewal.plan_years, renewal.price) == (pro, 2, Decimal("2000000"))


@time_machine.travel(NOW, tick=False)
def test_without_a_product_the_order_renews_its_own(client, order):
    data = accepting(order, order.product)
    del data["product"]
    client.post(customer_renewal_path(order), data)
    assert Order.objects.get(renewed_from=order).product == order.product


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("code", ["pricey-ov", "unpriced-ev", "no-such-product", "1", "../admin"])
def test_a_product_outside_the_choices_is_refused_with_a_form_error(client, order, catalogue, code):
    data = accepting(order, order.product) | {"product": code}
    response = client.post(customer_renewal_path(order), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="form-error"' in page
    assert "Select a valid choice." in page
    assert not Order.objects.filter(renewed_from=order).exists()


@time_machine.travel(NOW, tick=False)
def test_accepting_one_products_price_does_not_renew_another(client, order, catalogue):
    data = accepting(order, order.product) | {"product": catalogue["pro"].code}
    response = client.post(customer_renewal_path(order), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "The price has changed since the page was opened." in page
    # It comes back with the product chosen and its price to accept.
    assert f'data-testid="price">{won(1090000)}<' in page
    assert not Order.objects.filter(renewed_from=order).exists()


@time_machine.travel(NOW, tick=False)
def test_the_multi_year_suggestion_links_to_its_preselection(client, order):
    page = client.get(customer_renewal_path(order)).content.decode()
    assert 'href="?product=secure-site-ov&amp;plan_years=3#renewal-choice"' in page
    assert f"You save {won(60000)} a year." in page
    chosen = client.get(customer_renewal_path(order), {"product": "secure-site-ov", "plan_years": 3}).content.decode()
    assert f'data-testid="price">{won(1590000)}<' in chosen
    assert 'data-testid="suggestion-multi_year"' not in chosen  # what is shown is not suggested again


# The wizard


@time_machine.travel(NOW, tick=False)
def test_the_wizard_is_a_closed_get_form_until_answered(client, order):
    page = client.get(customer_renewal_path(order)).content.decode()
    assert '<details class="border rounded p-3 mb-3" id="wizard" data-testid="wizard">' in page
    assert "Do you (or will you) collect payment information?" in page
    assert "This field is required." not in page
    assert 'data-testid="recommendation"' not in page


@time_machine.travel(NOW, tick=False)
def test_the_wizard_recommends_a_product_with_its_reason_and_one_click_preselects_it(client, order, catalogue):
    path = customer_renewal_path(order)
    page = client.get(path, {"personal": "yes", "payment": "yes", "domains": "one"}).content.decode()
    assert "Our recommendation: Secure Site EV" in page
    assert "You collect payment information: extended validation (EV) shows buyers your verified company." in page
    assert 'href="?product=secure-site-ev&amp;plan_years=1#renewal-choice"' in page
    chosen = client.get(path, {"product": "secure-site-ev", "plan_years": 1}).content.decode()
    assert f'data-testid="price">{won(890000)}<' in chosen
    client.post(path, accepting(order, catalogue["ev"]))
    assert Order.objects.get(renewed_from=order).product == catalogue["ev"]


@time_machine.travel(NOW, tick=False)
def test_the_wizard_recommends_a_wildcard_for_many_subdomains(client, order):
    page = client.get(customer_renewal_path(order), {"personal": "no", "payment": "no", "domains": "subdomains"})
    text = page.content.decode()
    assert "Our recommendation: Secure Site OV Wildcard" in text
    assert "A wildcard certificate covers every subdomain of your domain." in text


@time_machine.travel(NOW, tick=False)
def test_when_nothing_fits_the_wizard_keeps_the_current_product_and_says_why(client, order):
    page = client.get(customer_renewal_path(order), {"personal": "no", "payment": "no", "domains": "several"})
    text = page.content.decode()
    assert "Our recommendation: Secure Site OV" in text
    assert "No product on offer meets all of these needs" in text
    assert 'href="?product=secure-site-ov&amp;plan_years=1#renewal-choice"' in text


@time_machine.travel(NOW, tick=False)
def test_half_answered_wizard_asks_for_the_rest_and_recommends_nothing(client, order):
    page = client.get(customer_renewal_path(order), {"personal": "yes"}).content.decode()
    assert "This field is required." in page
    assert 'data-testid="recommendation"' not in page


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("language", "words"), [("en", ["Price", "Plan", "Product"]), ("ko", ["가격", "플랜", "상품"])]
)
def test_the_page_renders_in_korean_and_english(client, order, language, words):
    order.customer.language = language
    order.customer.save()
    response = client.get(customer_renewal_path(order), {"personal": "yes", "payment": "no", "domains": "few"})
    page = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{language}">' in page
    for word in words:
        assert word in page
    with translation.override(language):
        assert format_money(Decimal("1090000"), "KRW") in page
    assert 'data-testid="recommendation"' in page
    assert page.count('data-testid="product-choice"') == 2


@time_machine.travel(NOW, tick=False)
def test_a_confirmation_without_the_tick_opens_at_the_form_with_the_reason_on_top(client, order):
    data = accepting(order, order.product)
    del data["accept_price"]
    response = client.post(customer_renewal_path(order), data)
    page = response.content.decode()
    assert response.status_code == 400
    # The answer scrolls to the form (its action's fragment), whose alert says what is missing.
    assert 'action="#confirm" id="confirm"' in page
    alert = page[page.index('data-testid="form-error"') :]
    assert alert.index("Please tick the box to accept the price before renewing.") < alert.index("</div>")
    assert not Order.objects.filter(renewed_from=order).exists()
