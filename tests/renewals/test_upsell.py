"""Upsell suggestions: the brand's next step up and the longest plan, priced as renewing charges them
(offers included), with the difference, the yearly saving and the benefits gained; and the Renew Now
page showing them as links that fill its form."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from notifications import emails
from offers.selection import active_offers
from partners.actors import CUSTOMER
from renewals.models import Order, PartnerPrice, Product
from renewals.pricing import price_list
from renewals.services import renew_order
from renewals.templatetags.portal_format import money
from renewals.upsell import SuggestionKind, benefits_gained, benefits_of, suggestions
from renewals.validity import local_day
from tests.factories import CertificateFactory, CustomerFactory, OrderFactory, ProductFactory
from tests.offers.factories import OfferFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

NOW = "2026-12-01T03:00:00Z"
AT = datetime(2026, 12, 1, 3, tzinfo=UTC)


def set_prices(partner, product, **by_years):
    for key, amount in by_years.items():
        PartnerPrice.objects.update_or_create(
            partner=partner, product=product, plan_years=int(key[1:]), defaults={"price": Decimal(amount)}
        )


@pytest.fixture
def pro(partner_a):
    pro = ProductFactory(
        code="secure-site-pro-ov",
        name="Secure Site Pro OV",
        warranty_amount=1_750_000,
        priority_support=True,
        ct_log_monitoring=True,
    )
    set_prices(partner_a, pro, y1="1090000")
    return pro


@pytest.fixture
def current(partner_a, pro):
    current = ProductFactory(code="secure-site-ov", name="Secure Site OV", warranty_amount=1_500_000, upgrade_to=pro)
    set_prices(partner_a, current, y1="590000", y2="1120000", y3="1590000")
    return current


def new_order(partner, product, number):
    order = OrderFactory(
        customer=CustomerFactory(partner=partner),
        product=product,
        plan_years=1,
        term_end=date(2027, 1, 1),
        order_number=number,
        priced=False,
    )
    CertificateFactory(
        order=order, not_before=datetime(2026, 6, 1, tzinfo=UTC), not_after=datetime(2026, 12, 17, tzinfo=UTC)
    )
    return order


@pytest.fixture
def order(partner_a, current):
    return new_order(partner_a, current, "7001")


def by_kind(found):
    return {suggestion.kind: suggestion for suggestion in found}


def test_the_upgrade_is_the_brands_next_step_on_the_orders_plan(order, pro):
    upgrade = by_kind(suggestions(order, at=AT))[SuggestionKind.UPGRADE]
    assert (upgrade.product, upgrade.plan_years) == (pro, 1)
    assert (upgrade.price.price, upgrade.price.currency) == (Decimal("1090000"), "KRW")
    assert upgrade.difference == Decimal("500000")
    assert upgrade.yearly_saving is None
    assert upgrade.benefits == (
        "Warranty of USD 1,750,000.",
        "Certificate Transparency log monitoring: you hear of any certificate issued for your domain.",
        "Priority support around the clock.",
    )


def test_the_multi_year_plan_is_the_longest_priced_with_its_yearly_saving(order, current):
    longer = by_kind(suggestions(order, at=AT))[SuggestionKind.MULTI_YEAR]
    assert (longer.product, longer.plan_years, longer.price.price) == (current, 3, Decimal("1590000"))
    assert longer.difference == Decimal("1000000")
    assert longer.yearly_saving == Decimal("60000")  # 590,000 a year against 530,000
    assert longer.benefits == ()


def test_without_a_three_year_price_the_two_year_plan_is_suggested(order, current, partner_a):
    PartnerPrice.objects.filter(partner=partner_a, product=current, plan_years=3).delete()
    longer = by_kind(suggestions(order, at=AT))[SuggestionKind.MULTI_YEAR]
    assert (longer.plan_years, longer.yearly_saving) == (2, Decimal("30000"))


def test_nothing_priced_suggests_nothing(order, partner_a):
    PartnerPrice.objects.filter(partner=partner_a).delete()
    assert suggestions(order, at=AT) == []


def test_an_order_on_the_longest_plan_gets_no_multi_year_suggestion(partner_a, current, pro):
    set_prices(partner_a, pro, y3="3000000")
    order = new_order(partner_a, current, "7002")
    Order.objects.filter(pk=order.pk).update(plan_years=3)
    order.refresh_from_db()
    assert [s.kind for s in suggestions(order, at=AT)] == [SuggestionKind.UPGRADE]


def test_an_upgrade_off_sale_or_not_priced_is_not_suggested(order, pro, partner_a):
    Product.objects.filter(pk=pro.pk).update(is_active=False)
    order.product.refresh_from_db()
    assert SuggestionKind.UPGRADE not in by_kind(suggestions(order, at=AT))
    Product.objects.filter(pk=pro.pk).update(is_active=True)
    PartnerPrice.objects.filter(partner=partner_a, product=pro).delete()
    order.product.refresh_from_db()
    assert SuggestionKind.UPGRADE not in by_kind(suggestions(order, at=AT))


def test_another_partners_price_list_suggests_nothing_here(order, partner_b, current, pro):
    other = new_order(partner_b, current, "7003")
    PartnerPrice.objects.filter(partner=partner_b).delete()
    assert suggestions(other, at=AT) == []


def test_each_suggestion_carries_the_query_that_preselects_it(order, pro):
    found = by_kind(suggestions(order, at=AT))
    assert found[SuggestionKind.UPGRADE].query == {"product": "secure-site-pro-ov", "plan_years": 1}
    assert found[SuggestionKind.MULTI_YEAR].querystring == "product=secure-site-ov&plan_years=3"


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("kind", [SuggestionKind.UPGRADE, SuggestionKind.MULTI_YEAR])
def test_a_suggestions_price_is_what_renewing_with_it_charges_offer_included(partner_a, current, pro, kind):
    OfferFactory(partner=partner_a, amounts=["15"])
    order = new_order(partner_a, current, "7004")
    suggestion = by_kind(suggestions(order, at=timezone.now()))[kind]
    assert suggestion.price.discount_percent == Decimal("15")
    renewal = renew_order(
        order=order, by=CUSTOMER, at=timezone.now(), plan_years=suggestion.plan_years, product=suggestion.product
    ).order
    assert (renewal.price, renewal.list_price, renewal.currency) == (
        suggestion.price.price,
        suggestion.price.list_price,
        suggestion.price.currency,
    )


def test_with_the_price_list_and_offers_given_suggestions_need_no_query(
    partner_a, current, pro, django_assert_num_queries
):
    OfferFactory(partner=partner_a, amounts=["10"])
    order = new_order(partner_a, current, "7005")
    order = Order.objects.select_related("partner", "customer__partner", "product__upgrade_to", "renewal").get(
        pk=order.pk
    )
    prices = price_list(partner_a)
    offers = active_offers(partner_a, local_day(AT, order.customer.tzinfo))
    with django_assert_num_queries(0):
        found = suggestions(order, at=AT, prices=prices, offers=offers)
    assert found == suggestions(order, at=AT)
    assert all(suggestion.price.discount_percent == Decimal("10") for suggestion in found)


# Benefits


def test_benefits_gained_are_what_turns_on_or_increases():
    current = Product(validation_level="OV", site_seal=True, warranty_amount=1_500_000, malware_scan=True)
    better = Product(validation_level="EV", is_wildcard=True, site_seal=True, warranty_amount=1_750_000)
    assert benefits_gained(current, better) == (
        "Extended validation (EV): the most thorough check of your company.",
        "Wildcard: covers every subdomain of your domain.",
        "Warranty of USD 1,750,000.",
    )
    assert benefits_gained(better, current) == ("Daily malware scan of your website.",)


def test_the_benefits_are_the_ones_the_reminder_emails_list(current, pro):
    for product in (current, pro):
        assert benefits_of(product) == emails.benefits_of(product)


# The Renew Now page


def renew_url(order):
    return reverse("order-renew", args=[order.order_number])


@time_machine.travel(NOW, tick=False)
def test_renew_now_shows_the_suggestions_with_prices_and_links_that_fill_the_form(client, sales_a, order, pro, current):
    client.force_login(sales_a)
    page = client.get(renew_url(order)).content.decode()
    assert 'data-testid="suggestion-upgrade"' in page
    assert "Upgrade to Secure Site Pro OV" in page
    assert f"{money(Decimal('1090000'), 'KRW')} for 1 year" in page
    assert f"{money(Decimal('500000'), 'KRW')} more than renewing as it is" in page
    assert "Priority support around the clock." in page
    assert f'href="?plan_years=1&amp;product={pro.pk}"' in page
    assert f"You save {money(Decimal('60000'), 'KRW')} a year." in page
    assert f'href="?plan_years=3&amp;product={current.pk}"' in page
    filled = client.get(renew_url(order), {"plan_years": 1, "product": pro.pk}).content.decode()
    assert f'<option value="{pro.pk}" selected>' in filled
    assert f"<strong>{money(Decimal('1090000'), 'KRW')}</strong>" in filled


@time_machine.travel(NOW, tick=False)
def test_renew_now_leaves_out_an_upgrade_its_product_list_does_not_offer(client, sales_a, partner_a, current):
    wildcard = ProductFactory(code="secure-site-ov-wildcard", name="Secure Site OV Wildcard", is_wildcard=True)
    set_prices(partner_a, wildcard, y1="1790000")
    Product.objects.filter(pk=current.pk).update(upgrade_to=wildcard)
    order = new_order(partner_a, Product.objects.get(pk=current.pk), "7006")
    assert SuggestionKind.UPGRADE in by_kind(suggestions(order, at=AT))
    client.force_login(sales_a)
    page = client.get(renew_url(order)).content.decode()
    assert 'data-testid="suggestion-upgrade"' not in page
    assert 'data-testid="suggestion-multi_year"' in page


@time_machine.travel(NOW, tick=False)
def test_renew_now_for_another_partners_order_is_a_404(client, sales_a, order_b):
    client.force_login(sales_a)
    assert client.get(renew_url(order_b)).status_code == 404
