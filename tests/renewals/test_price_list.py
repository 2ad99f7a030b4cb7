"""The price list page (/settings/prices/): partner admins set their own prices; nobody else, and never another partner's."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from partners.models import Role
from renewals.models import PartnerPrice, Product
from renewals.pricing import PriceListNotAllowed, price_list, set_price_list
from tests.factories import MembershipFactory, PartnerFactory, PartnerPriceFactory, ProductFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

URL = "/settings/prices/"


@pytest.fixture
def dv(db):
    return ProductFactory(code="standard-dv", name="Standard DV", validation_level="DV", list_price=Decimal("99000"))


@pytest.fixture
def ov(db):
    return ProductFactory(code="basic-ov", name="Basic OV", list_price=Decimal("290000"))


def cell(product, years):
    return f"price_{product.pk}_{years}"


def every_cell(**values):
    """A POST of the whole grid: every active product and plan blank unless given."""
    data = {cell(product, years): "" for product in Product.objects.filter(is_active=True) for years in (1, 2, 3)}
    data.update(values)
    return data


def prices_of(partner):
    return {(product_id, years): price for (product_id, years), price in price_list(partner).items()}


def test_the_url_is_named_price_list():
    assert reverse("price-list") == URL


def test_a_partner_admin_sees_the_grid_with_prices_in_the_partners_currency(client, admin_a, partner_a, dv, ov):
    PartnerPriceFactory(partner=partner_a, product=dv, plan_years=1, price=Decimal("99000"))
    client.force_login(admin_a)
    response = client.get(URL)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Currency: Korean won (KRW)." in page
    assert f'name="{cell(dv, 1)}" id="id_{cell(dv, 1)}" value="99,000"' in page
    assert f'name="{cell(dv, 2)}" id="id_{cell(dv, 2)}" value=""' in page
    assert page.count('data-testid="price-row"') == 2


def test_a_dollar_partner_sees_cents(client, dv):
    harbor = PartnerFactory(currency="USD")
    PartnerPriceFactory(partner=harbor, product=dv, plan_years=1, price=Decimal("49"))
    client.force_login(MembershipFactory(partner=harbor, role=Role.ADMIN).user)
    page = client.get(URL).content.decode()
    assert "Currency: US dollar (USD)." in page
    assert 'value="49.00"' in page


@pytest.mark.parametrize("role_user", ["sales_a", "support_a"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_sales_and_support_get_403_and_change_nothing(client, request, role_user, method, partner_a, dv):
    PartnerPriceFactory(partner=partner_a, product=dv, plan_years=1, price=Decimal("99000"))
    client.force_login(request.getfixturevalue(role_user))
    response = getattr(client, method)(URL, every_cell(**{cell(dv, 1): "1"}))
    assert response.status_code == 403
    assert prices_of(partner_a) == {(dv.pk, 1): Decimal("99000")}


def test_a_visitor_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_saving_sets_changes_and_removes_prices(client, admin_a, partner_a, dv, ov):
    PartnerPriceFactory(partner=partner_a, product=dv, plan_years=1, price=Decimal("99000"))
    PartnerPriceFactory(partner=partner_a, product=dv, plan_years=3, price=Decimal("267300"))
    client.force_login(admin_a)
    response = client.post(
        URL, every_cell(**{cell(dv, 1): "95,000", cell(dv, 2): "₩188100", cell(ov, 1): " 290000 "}), follow=True
    )
    assert response.redirect_chain == [(URL, 302)]
    assert "The price list is saved." in response.content.decode()
    # dv on three years was left blank: no longer sold on that plan.
    assert prices_of(partner_a) == {
        (dv.pk, 1): Decimal("95000"),
        (dv.pk, 2): Decimal("188100"),
        (ov.pk, 1): Decimal("290000"),
    }


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("49000.5", "Prices in won are whole numbers: the won has no smaller unit."),
        ("-1", "A price cannot be negative."),
        ("abc", "Enter an amount, such as ₩49,000."),
        ("NaN", "Enter an amount, such as ₩49,000."),
        ("10000000000", "That price is too large."),
        ("1,2,3", "Enter an amount, such as ₩49,000."),
        ("1e3", "Enter an amount, such as ₩49,000."),
        ("٣٣٣", "Enter an amount, such as ₩49,000."),
        ("１２３", "Enter an amount, such as ₩49,000."),
        ("$100", "This price list is in KRW: enter the amount without the sign of another currency."),
        ("0", "A price must be more than zero; leave the cell blank if the product is not sold."),
    ],
)
def test_a_bad_won_price_is_refused_in_its_cell_and_nothing_is_saved(client, admin_a, partner_a, dv, ov, typed, error):
    client.force_login(admin_a)
    response = client.post(URL, every_cell(**{cell(dv, 1): "99000", cell(ov, 1): typed}))
    page = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="price-errors"' in page
    assert f'data-testid="price-error">{error}</div>' in page
    assert f'value="{typed}"' in page  # kept as typed, to correct
    assert prices_of(partner_a) == {}


def test_dollar_prices_take_cents_but_not_fractions_of_a_cent(client, dv):
    harbor = PartnerFactory(currency="USD")
    client.force_login(MembershipFactory(partner=harbor, role=Role.ADMIN).user)
    refused = client.post(URL, every_cell(**{cell(dv, 1): "49.999"}))
    assert refused.status_code == 400
    assert "Prices in dollars have at most two decimals (cents)." in refused.content.decode()
    assert client.post(URL, every_cell(**{cell(dv, 1): "$49.99", cell(dv, 2): "1,093.10"})).status_code == 302
    assert prices_of(harbor) == {(dv.pk, 1): Decimal("49.99"), (dv.pk, 2): Decimal("1093.10")}


@pytest.mark.parametrize("typed", ["₩100", "490,000원"])
def test_a_won_amount_is_refused_on_a_dollar_price_list(client, dv, typed):
    """ "₩100" was saved as $100.00."""
    harbor = PartnerFactory(currency="USD")
    client.force_login(MembershipFactory(partner=harbor, role=Role.ADMIN).user)
    refused = client.post(URL, every_cell(**{cell(dv, 1): typed}))
    assert refused.status_code == 400
    assert "This price list is in USD" in refused.content.decode()
    assert prices_of(harbor) == {}


def test_another_partners_prices_are_never_shown_or_changed(client, admin_a, partner_a, partner_b, dv):
    PartnerPriceFactory(partner=partner_b, product=dv, plan_years=1, price=Decimal("123457"))
    client.force_login(admin_a)
    assert "123,457" not in client.get(URL).content.decode()
    client.post(URL, every_cell(**{cell(dv, 1): "99000"}))
    client.post(URL, every_cell())  # blanks remove partner A's prices only
    assert prices_of(partner_b) == {(dv.pk, 1): Decimal("123457")}
    assert prices_of(partner_a) == {}


def test_the_page_acts_for_the_partner_chosen_and_the_role_held_there(client, partner_a, partner_b, dv):
    """Admin at A, sales at B: switching to B makes the page a 403, and A's list stays A's."""
    user = UserFactory(username="both")
    MembershipFactory(user=user, partner=partner_a, role=Role.ADMIN)
    MembershipFactory(user=user, partner=partner_b, role=Role.SALES)
    client.force_login(user)
    client.post(reverse("switch-partner"), {"partner": partner_b.pk, "next": "/"})
    assert client.post(URL, every_cell(**{cell(dv, 1): "1"})).status_code == 403
    client.post(reverse("switch-partner"), {"partner": partner_a.pk, "next": "/"})
    assert client.post(URL, every_cell(**{cell(dv, 1): "1"})).status_code == 302
    assert prices_of(partner_a) == {(dv.pk, 1): Decimal("1")}
    assert prices_of(partner_b) == {}


def test_the_page_speaks_korean(client, admin_a, partner_a, dv):
    PartnerPriceFactory(partner=partner_a, product=dv, plan_years=1, price=Decimal("99000"))
    client.force_login(admin_a)
    client.cookies["django_language"] = "ko"
    page = client.get(URL).content.decode()
    assert '<html lang="ko">' in page
    assert "1년" in page and "3년" in page


def test_only_partner_admins_of_that_partner_may_set_prices(partner_a, partner_b, dv):
    for membership in (
        MembershipFactory(partner=partner_a, role=Role.SALES),
        MembershipFactory(partner=partner_a, role=Role.SUPPORT),
        MembershipFactory(partner=partner_b, role=Role.ADMIN),
    ):
        with pytest.raises(PriceListNotAllowed):
            set_price_list(partner=partner_a, by=membership, prices={(dv.pk, 1): Decimal("1")})
    assert prices_of(partner_a) == {}


def test_the_database_refuses_a_negative_price_and_a_second_price_for_a_plan(partner_a, dv):
    with pytest.raises(IntegrityError), transaction.atomic():
        PartnerPrice.objects.create(partner=partner_a, product=dv, plan_years=1, price=Decimal("-1"))
    PartnerPrice.objects.create(partner=partner_a, product=dv, plan_years=1, price=Decimal("1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        PartnerPrice.objects.create(partner=partner_a, product=dv, plan_years=1, price=Decimal("2"))


def test_a_won_price_with_cents_is_not_a_valid_model(partner_a, dv):
    with pytest.raises(ValidationError) as invalid:
        PartnerPrice(partner=partner_a, product=dv, plan_years=1, price=Decimal("0.50")).full_clean()
    assert "price" in invalid.value.message_dict
