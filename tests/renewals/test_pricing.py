"""Each partner sells from its own price list in its own currency; an order keeps the price it was sold at."""

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.contrib import admin
from django.core.management import call_command
from django.forms.models import model_to_dict
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from demo import seeding
from partners.actors import CUSTOMER
from partners.models import Partner, Role
from renewals.models import Order, PartnerPrice, Product
from renewals.money import format_money, plain_amount
from renewals.pricing import NotPriced, discounted, renewal_price
from renewals.services import ProductNotPriced, RenewalError, renew_order, upgrade_choices
from tests.factories import (
    CustomerFactory,
    MembershipFactory,
    OrderFactory,
    PartnerFactory,
    PartnerPriceFactory,
    ProductFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

# 2020-12-01 12:00 in Seoul: the guide's renewal day, 31 days before a term that ends 2021-01-01.
GUIDE_RENEWAL_AT = datetime(2020, 12, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
def dollar_partner(db):
    return PartnerFactory(name="Harbor", slug="harbor", time_zone="America/New_York", currency="USD")


@pytest.fixture
def dv(db):
    return ProductFactory(code="standard-dv", name="Standard DV", validation_level="DV", list_price=Decimal("99000"))


# Formatting: one function, every surface


@pytest.mark.parametrize(
    ("amount", "currency", "language", "shown"),
    [
        (Decimal("490000.00"), "KRW", "en", "₩490,000"),
        (Decimal("490000.00"), "KRW", "ko", "490,000원"),
        (Decimal("49"), "USD", "en", "$49.00"),
        (Decimal("1234.5"), "USD", "ko", "$1,234.50"),
        (Decimal("0"), "KRW", "en", "₩0"),
        (Decimal("-1500"), "KRW", "en", "-₩1,500"),
    ],
)
def test_money_reads_in_the_currencys_unit_for_the_language(amount, currency, language, shown):
    assert format_money(amount, currency, language) == shown


def test_money_follows_the_active_language():
    with translation.override("ko"):
        assert format_money(Decimal("590000"), "KRW") == "590,000원"
    with translation.override("en"):
        assert format_money(Decimal("590000"), "KRW") == "₩590,000"


# The partner's own price, in its currency


def test_each_partner_quotes_its_own_price_in_its_own_currency(partner_a, dollar_partner, dv):
    PartnerPriceFactory(partner=partner_a, product=dv, plan_years=1, price=Decimal("99000"))
    PartnerPriceFactory(partner=dollar_partner, product=dv, plan_years=1, price=Decimal("49.00"))
    won = renewal_price(partner=partner_a, product=dv, plan_years=1)
    dollars = renewal_price(partner=dollar_partner, product=dv, plan_years=1)
    assert (won.price, won.currency) == (Decimal("99000"), "KRW")
    assert (dollars.price, dollars.currency) == (Decimal("49.00"), "USD")


def test_a_longer_plan_costs_what_the_price_list_says_not_the_yearly_price_times_years(dollar_partner, dv):
    PartnerPriceFactory(partner=dollar_partner, product=dv, plan_years=1, price=Decimal("49.00"))
    PartnerPriceFactory(partner=dollar_partner, product=dv, plan_years=3, price=Decimal("132.30"))
    assert renewal_price(partner=dollar_partner, product=dv, plan_years=3).price == Decimal("132.30")


def test_a_discount_rounds_to_the_won(partner_a, dv):
    PartnerPriceFactory(partner=partner_a, product=dv, plan_years=1, price=Decimal("99999"))
    price = renewal_price(partner=partner_a, product=dv, plan_years=1, discount_percent=Decimal("15"))
    # 99,999 × 0.85 = 84,999.15
    assert (price.list_price, price.price, price.saving) == (Decimal("99999"), Decimal("84999"), Decimal("15000"))
    assert price.price.as_tuple().exponent == 0


def test_a_discount_rounds_half_up_to_the_cent(dollar_partner, dv):
    PartnerPriceFactory(partner=dollar_partner, product=dv, plan_years=1, price=Decimal("49.00"))
    price = renewal_price(partner=dollar_partner, product=dv, plan_years=1, discount_percent=Decimal("12.5"))
    # 49.00 × 0.875 = 42.875
    assert (price.list_price, price.price, price.saving) == (Decimal("49.00"), Decimal("42.88"), Decimal("6.12"))


def test_a_discount_is_a_percentage_from_0_to_100():
    with pytest.raises(ValueError):
        discounted(list_price=Decimal("100"), currency="USD", discount_percent=Decimal("101"))
    assert discounted(list_price=Decimal("100"), currency="USD", discount_percent=Decimal("100")).price == 0


def test_a_plan_missing_from_the_price_list_has_no_price(partner_a, dv):
    PartnerPriceFactory(partner=partner_a, product=dv, plan_years=1, price=Decimal("99000"))
    with pytest.raises(NotPriced):
        renewal_price(partner=partner_a, product=dv, plan_years=2)


def test_another_partners_price_is_never_used(partner_a, partner_b, dv):
    PartnerPriceFactory(partner=partner_b, product=dv, plan_years=1, price=Decimal("1000"))
    with pytest.raises(NotPriced):
        renewal_price(partner=partner_a, product=dv, plan_years=1)


# Renewing sells at the partner's price and keeps it on the order


def guide_order(partner, product, **kwargs):
    """The guide's example (a one-year term ending 2021-01-01), with the price list left to the test."""
    return OrderFactory(
        customer=CustomerFactory(partner=partner),
        product=product,
        term_end=date(2021, 1, 1),
        plan_years=1,
        priced=False,
        **kwargs,
    )


def test_renewal_is_sold_at_the_partners_dollar_price_and_keeps_it(dollar_partner, dv):
    PartnerPriceFactory(partner=dollar_partner, product=dv, plan_years=2, price=Decimal("93.10"))
    order = guide_order(dollar_partner, dv, list_price=Decimal("49.00"), price=Decimal("49.00"))
    sales = MembershipFactory(partner=dollar_partner, role=Role.SALES)
    renewal = renew_order(order=order, by=sales, at=GUIDE_RENEWAL_AT, plan_years=2).order
    assert (renewal.list_price, renewal.price, renewal.currency) == (Decimal("93.10"), Decimal("93.10"), "USD")
    # A later price list does not change what was sold.
    PartnerPrice.objects.filter(partner=dollar_partner).update(price=Decimal("120.00"))
    renewal.refresh_from_db()
    assert (renewal.price, renewal.currency) == (Decimal("93.10"), "USD")


def test_renewing_an_unpriced_plan_is_refused_with_the_reason_and_creates_nothing(partner_a, dv):
    PartnerPriceFactory(partner=partner_a, product=dv, plan_years=1, price=Decimal("99000"))
    order = guide_order(partner_a, dv)
    sales = MembershipFactory(partner=partner_a, role=Role.SALES)
    with translation.override("en"), pytest.raises(ProductNotPriced) as refused:
        renew_order(order=order, by=sales, at=GUIDE_RENEWAL_AT, plan_years=3)
    assert isinstance(refused.value, RenewalError)
    assert "Standard DV has no price for a 3-year plan on your price list" in str(refused.value)
    assert not Order.objects.filter(renewed_from=order).exists()


def test_a_customer_renewing_an_unpriced_plan_is_told_to_contact_the_partner(partner_a, dv):
    order = guide_order(partner_a, dv)
    with translation.override("en"), pytest.raises(ProductNotPriced) as refused:
        renew_order(order=order, by=CUSTOMER, at=GUIDE_RENEWAL_AT)
    assert str(refused.value) == "This plan cannot be renewed online. Please contact Partner A to renew."


# Upgrades offer only what the partner prices


def test_upgrades_are_the_partners_priced_products_of_the_same_kind_at_its_price_or_above(partner_a, partner_b):
    ov = ProductFactory(code="ov", name="OV")
    cheaper = ProductFactory(code="cheap", name="Cheap OV")
    dearer = ProductFactory(code="dear", name="Dear OV")
    unpriced = ProductFactory(code="unpriced", name="Unpriced OV")
    wildcard = ProductFactory(code="wild", name="Wildcard OV", is_wildcard=True)
    for product, yearly in ((ov, 500), (cheaper, 400), (dearer, 900), (wildcard, 1000)):
        PartnerPriceFactory(partner=partner_a, product=product, plan_years=1, price=Decimal(yearly))
    # Another partner's price list changes nothing for partner A.
    PartnerPriceFactory(partner=partner_b, product=unpriced, plan_years=1, price=Decimal("800"))
    assert list(upgrade_choices(ov, partner=partner_a)) == [ov, dearer]


def test_a_product_the_partner_does_not_price_offers_only_priced_ones(partner_a):
    unpriced = ProductFactory(code="unpriced", name="Unpriced OV")
    priced = ProductFactory(code="priced", name="Priced OV")
    PartnerPriceFactory(partner=partner_a, product=priced, plan_years=2, price=Decimal("900000"))
    assert list(upgrade_choices(unpriced, partner=partner_a)) == [priced]


# The renew page


NOW = "2026-12-01T03:00:00Z"  # noon in Seoul


@pytest.fixture
def order_2027(partner_a, dv):
    PartnerPriceFactory(partner=partner_a, product=dv, plan_years=1, price=Decimal("99000"))
    return OrderFactory(
        customer=CustomerFactory(partner=partner_a), product=dv, term_end=date(2027, 1, 1), priced=False
    )


@time_machine.travel(NOW, tick=False)
def test_renew_page_shows_the_partners_price_formatted_for_the_language(client, sales_a, order_2027):
    client.force_login(sales_a)
    url = reverse("order-renew", args=[order_2027.order_number])
    assert "<strong>₩99,000</strong>" in client.get(url).content.decode()
    client.cookies["django_language"] = "ko"
    assert "<strong>99,000원</strong>" in client.get(url).content.decode()


@time_machine.travel(NOW, tick=False)
def test_renew_page_says_plainly_when_a_plan_has_no_price_and_offers_no_confirm(client, sales_a, order_2027):
    client.force_login(sales_a)
    url = reverse("order-renew", args=[order_2027.order_number])
    page = client.get(url, {"plan_years": 2, "product": order_2027.product_id}).content.decode()
    assert 'data-testid="not-priced"' in page
    assert "has no price for a 2-year plan on your price list" in page
    assert 'data-testid="confirm-form"' not in page


@time_machine.travel(NOW, tick=False)
def test_posting_an_unpriced_plan_is_a_409_with_the_reason_not_a_500(client, sales_a, order_2027):
    client.force_login(sales_a)
    url = reverse("order-renew", args=[order_2027.order_number])
    response = client.post(url, {"plan_years": 3, "product": order_2027.product_id})
    assert response.status_code == 409
    assert "has no price for a 3-year plan on your price list" in response.content.decode()
    assert not Order.objects.filter(renewed_from=order_2027).exists()


@time_machine.travel(NOW, tick=False)
def test_renew_page_offers_only_products_on_the_price_list(client, sales_a, order_2027):
    ProductFactory(code="not-sold", name="Not Sold Here DV", validation_level="DV", list_price=Decimal("200000"))
    client.force_login(sales_a)
    page = client.get(reverse("order-renew", args=[order_2027.order_number])).content.decode()
    assert "Standard DV" in page
    assert "Not Sold Here DV" not in page


@time_machine.travel(NOW, tick=False)
def test_confirming_stores_the_partners_price_on_the_new_order(client, sales_a, order_2027):
    client.force_login(sales_a)
    client.post(
        reverse("order-renew", args=[order_2027.order_number]), {"plan_years": 1, "product": order_2027.product_id}
    )
    renewal = Order.objects.get(renewed_from=order_2027)
    assert (renewal.price, renewal.list_price, renewal.currency) == (Decimal("99000"), Decimal("99000"), "KRW")


# CSV and admin


def test_csv_export_has_the_price_sold_and_its_currency(client, dollar_partner, dv):
    admin = MembershipFactory(partner=dollar_partner, role=Role.ADMIN).user
    OrderFactory(
        customer=CustomerFactory(partner=dollar_partner),
        product=dv,
        order_number="777",
        list_price=Decimal("49.00"),
        price=Decimal("41.65"),
    )
    client.force_login(admin)
    body = b"".join(client.get(reverse("expiring"), {"format": "csv"}).streaming_content).decode()
    header, row = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))[:2]
    assert ("Price", "Currency") == (header[header.index("Price")], header[header.index("Price") + 1])
    assert row[header.index("Order #")] == "777"
    assert (row[header.index("Price")], row[header.index("Currency")]) == ("41.65", "USD")


def test_csv_amounts_have_the_currencys_decimals_and_no_grouping():
    assert plain_amount(Decimal("490000.00"), "KRW") == "490000"
    assert plain_amount(Decimal("49"), "USD") == "49.00"


@pytest.fixture
def operator_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    client.cookies["django_language"] = "en"
    return client


def test_admin_lists_show_money_formatted_never_raw_decimals(operator_client, partner_a, dollar_partner, dv):
    OrderFactory(customer=CustomerFactory(partner=dollar_partner), product=dv, price=Decimal("49.00"), priced=False)
    OrderFactory(customer=CustomerFactory(partner=partner_a), product=dv, price=Decimal("490000.00"), priced=False)
    PartnerPriceFactory(partner=dollar_partner, product=dv, plan_years=2, price=Decimal("93.10"))
    orders = operator_client.get("/admin/renewals/order/").content.decode()
    assert "$49.00" in orders and "₩490,000" in orders
    assert "490000.00" not in orders
    prices = operator_client.get("/admin/renewals/partnerprice/").content.decode()
    assert "$93.10" in prices
    products = operator_client.get("/admin/renewals/product/").content.decode()
    assert "₩99,000" in products and "99000.00" not in products


def partner_admin_form(partner, **changes):
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    form_class = admin.site._registry[Partner].get_form(request, partner)
    return form_class(data={**model_to_dict(partner), **changes}, instance=partner)


def test_admin_will_not_change_the_currency_of_a_partner_with_a_price_list(partner_a, dv):
    PartnerPriceFactory(partner=partner_a, product=dv)
    with translation.override("en"):
        form = partner_admin_form(partner_a, currency="USD")
        assert not form.is_valid()
        assert "Delete this partner's price list before changing its currency" in form.errors["currency"][0]


def test_admin_sets_the_currency_of_a_partner_without_prices(partner_a):
    form = partner_admin_form(partner_a, currency="USD")
    assert form.is_valid(), form.errors
    form.save()
    assert Partner.objects.get(pk=partner_a.pk).currency == "USD"


# Demo data


def test_seed_demo_prices_harbor_in_dollars_and_the_korean_partners_in_won():
    small = [replace(spec, customers=5, orders=30, history=30) for spec in seeding.DEMO_PARTNERS]
    seeding.seed(partners=small, today=date(2026, 12, 1), log=lambda *args: None)
    harbor = Partner.objects.get(slug="harbor")
    assert harbor.currency == "USD"
    assert {Partner.objects.get(slug=slug).currency for slug in ("acme", "hanbit")} == {"KRW"}
    dv = Product.objects.get(code="standard-dv")
    harbor_dv = dict(PartnerPrice.objects.for_partner(harbor).filter(product=dv).values_list("plan_years", "price"))
    assert harbor_dv == {1: Decimal("49.00"), 2: Decimal("93.10"), 3: Decimal("132.30")}
    every_plan = Product.objects.count() * 3
    for partner in Partner.objects.all():
        assert PartnerPrice.objects.for_partner(partner).count() == every_plan
    # Harbor's orders were sold in dollars at its prices; the others' in won.
    assert set(Order.objects.for_partner(harbor).values_list("currency", flat=True)) == {"USD"}
    sold = Order.objects.for_partner(harbor).filter(renewed_from__isnull=True).select_related("product")
    prices = {(p.product_id, p.plan_years): p.price for p in PartnerPrice.objects.for_partner(harbor)}
    assert all(order.price == prices[order.product_id, order.plan_years] for order in sold)
    assert set(Order.objects.exclude(partner=harbor).values_list("currency", flat=True)) == {"KRW"}


def test_benchmark_seeding_prices_every_partner():
    call_command("seed_demo", scale=40, partners=5, today=date(2026, 12, 1), no_progress=True, verbosity=0)
    every_plan = Product.objects.count() * 3
    counts = [PartnerPrice.objects.for_partner(partner).count() for partner in Partner.objects.all()]
    assert counts == [every_plan] * 5
