"""A renewal with an offer: the price shown is the price charged, and the renewal records the offer,
its variant and the price before and after, for staff and for the customer."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import formats, timezone, translation

from offers.exposure import record_exposure
from offers.models import OfferExposure
from offers.selection import offer_for
from partners.actors import CUSTOMER
from partners.models import StaffMembership
from renewals.forms import price_key
from renewals.links import customer_renewal_path
from renewals.models import Order, PartnerPrice
from renewals.selectors import renewal_preview
from renewals.services import renew_order
from tests.factories import CustomerFactory, OrderFactory, ProductFactory, price_product
from tests.offers.factories import OfferFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

NOW = "2026-12-01T03:00:00Z"  # noon in Seoul; the order's term ends 31 days later


@pytest.fixture
def order(partner_a):
    order = OrderFactory(
        customer=CustomerFactory(partner=partner_a),
        product=ProductFactory(code="secure-site-ov", name="Secure Site OV", validation_level="OV"),
        term_end=date(2027, 1, 1),
    )
    PartnerPrice.objects.filter(partner=partner_a, product=order.product, plan_years=1).update(price=Decimal("590000"))
    return order


@pytest.fixture
def offer(partner_a):
    return OfferFactory(partner=partner_a, amounts=["15"], ends_on=date(2026, 12, 31))


def day(value):
    with translation.override("en"):
        return formats.date_format(value, "DATE_FORMAT")


def renew_page(order):
    return reverse("order-renew", args=[order.order_number])


def accepting(order, plan_years=1):
    shown = renewal_preview(order=order, at=timezone.now(), plan_years=plan_years).price
    return {"plan_years": plan_years, "accept_price": "on", "accepted_price": price_key(shown)}


# Staff


@time_machine.travel(NOW, tick=False)
def test_renew_now_shows_the_saving_and_the_offers_end(client, sales_a, order, offer):
    client.force_login(sales_a)
    page = client.get(renew_page(order)).content.decode()
    assert 'data-testid="offer-notice"' in page
    assert "Save 15%: ₩590,000 → ₩501,500" in page
    assert f"this offer ends on {day(date(2026, 12, 31))}" in page


@time_machine.travel(NOW, tick=False)
def test_opening_renew_now_counts_the_customer_as_reached(client, sales_a, order, offer):
    client.force_login(sales_a)
    client.get(renew_page(order))
    exposure = OfferExposure.objects.get()
    assert (exposure.offer, exposure.customer_id, exposure.channel) == (offer, order.customer_id, "staff")
    assert exposure.variant == offer.variants.get()
    assert exposure.first_at == timezone.now()


@time_machine.travel(NOW, tick=False)
def test_staff_renewal_records_the_offer_the_variant_and_both_prices(client, sales_a, order, offer):
    client.force_login(sales_a)
    client.post(renew_page(order), {"plan_years": 1, "product": order.product_id})
    renewal = Order.objects.get(renewed_from=order)
    assert renewal.offer == offer
    assert renewal.offer_variant == offer.variants.get()
    assert (renewal.list_price, renewal.price, renewal.discount_percent, renewal.currency) == (
        Decimal("590000"),
        Decimal("501500"),
        Decimal("15"),
        "KRW",
    )


@time_machine.travel(NOW, tick=False)
def test_an_upgrade_gets_the_offer_of_the_product_upgraded_to(client, sales_a, partner_a, order):
    ev = ProductFactory(
        code="secure-site-ev", name="Secure Site EV", validation_level="EV", list_price=Decimal("890000")
    )
    price_product(partner_a, ev)
    ev_offer = OfferFactory(partner=partner_a, amounts=["20"], validation_levels=["EV"])
    client.force_login(sales_a)
    client.post(renew_page(order), {"plan_years": 1, "product": ev.pk})
    renewal = Order.objects.get(renewed_from=order)
    assert (renewal.offer, renewal.list_price, renewal.price) == (ev_offer, Decimal("890000"), Decimal("712000"))


# Customer


@time_machine.travel(NOW, tick=False)
def test_the_customer_page_shows_the_offer_and_counts_the_customer(client, order, offer):
    page = client.get(customer_renewal_path(order)).content.decode()
    assert "Save 15%: ₩590,000 → ₩501,500" in page
    assert f"Don’t let your SSL expire before this offer does: this offer ends on {day(date(2026, 12, 31))}." in page
    assert 'name="accepted_price" value="KRW 501500"' in page
    assert OfferExposure.objects.get().channel == "page"


@time_machine.travel(NOW, tick=False)
def test_the_customer_is_charged_the_price_shown(client, order, offer):
    page = client.get(customer_renewal_path(order)).content.decode()
    assert 'data-testid="price">₩501,500<' in page
    client.post(customer_renewal_path(order), accepting(order))
    renewal = Order.objects.get(renewed_from=order)
    assert (renewal.price, renewal.list_price, renewal.discount_percent) == (
        Decimal("501500"),
        Decimal("590000"),
        Decimal("15"),
    )
    assert (renewal.offer, renewal.offer_variant) == (offer, offer.variants.get())


@time_machine.travel(NOW, tick=False)
def test_an_offer_switched_off_after_the_page_opened_is_a_price_change(client, order, offer):
    accepted = accepting(order)  # the discounted price the page showed
    offer.is_active = False
    offer.save()
    response = client.post(customer_renewal_path(order), accepted)
    assert response.status_code == 400
    assert "The price has changed" in response.content.decode()
    assert not Order.objects.filter(renewed_from=order).exists()


@time_machine.travel(NOW, tick=False)
def test_the_control_group_sees_no_offer_but_is_counted_and_recorded(client, partner_a, order):
    offer = OfferFactory(partner=partner_a, amounts=["0"])
    page = client.get(customer_renewal_path(order)).content.decode()
    assert 'data-testid="offer-notice"' not in page
    assert "Save " not in page
    assert OfferExposure.objects.get().variant.is_control
    client.post(customer_renewal_path(order), accepting(order))
    renewal = Order.objects.get(renewed_from=order)
    assert (renewal.offer, renewal.offer_variant.is_control, renewal.price) == (offer, True, Decimal("590000"))


@time_machine.travel(NOW, tick=False)
def test_a_second_visit_keeps_the_first_exposure(client, sales_a, order, offer):
    client.get(customer_renewal_path(order))
    client.force_login(sales_a)
    client.get(renew_page(order))
    exposure = OfferExposure.objects.get()
    assert exposure.channel == "page"


@time_machine.travel("2026-06-01T03:00:00Z", tick=False)
def test_before_renewal_opens_the_page_shows_no_offer_and_counts_nobody(client, partner_a, order):
    OfferFactory(partner=partner_a, starts_on=date(2026, 5, 1), shown_from_days=365)
    page = client.get(customer_renewal_path(order)).content.decode()
    assert 'data-testid="opens-on"' in page
    assert 'data-testid="offer-notice"' not in page
    assert not OfferExposure.objects.exists()


# The service


@time_machine.travel(NOW, tick=False)
def test_a_renewal_counts_its_customer_as_reached(order, offer):
    renew_order(order=order, by=CUSTOMER, at=timezone.now())
    assert OfferExposure.objects.get().channel == "page"


@time_machine.travel(NOW, tick=False)
def test_an_explicit_discount_wins_and_records_no_offer(sales_a, order, offer):
    membership = StaffMembership.objects.get(user=sales_a)
    renewal = renew_order(order=order, by=membership, at=timezone.now(), discount_percent=Decimal("5")).order
    assert (renewal.offer, renewal.discount_percent, renewal.price) == (None, Decimal("5"), Decimal("560500"))


@time_machine.travel(NOW, tick=False)
def test_the_preview_and_the_renewal_use_the_same_offer(order, offer):
    preview = renewal_preview(order=order, at=timezone.now())
    renewal = renew_order(order=order, by=CUSTOMER, at=timezone.now()).order
    assert preview.offer.variant == renewal.offer_variant
    assert preview.price.price == renewal.price


@time_machine.travel(NOW, tick=False)
def test_recording_twice_keeps_one_exposure(order, offer):
    applied = offer_for(order, at=timezone.now())
    record_exposure(applied, order.customer_id, "email", timezone.now())
    record_exposure(applied, order.customer_id, "page", timezone.now())
    record_exposure(None, order.customer_id, "page", timezone.now())
    assert list(OfferExposure.objects.values_list("channel", flat=True)) == ["email"]


@time_machine.travel(NOW, tick=False)
def test_staff_are_told_a_customer_is_in_the_control_group_and_the_customer_sees_nothing(client, order, sales_a):
    control = OfferFactory(partner=order.partner, name="Winter test", amounts=["0"], ends_on=date(2026, 12, 31))
    client.force_login(sales_a)
    staff_page = client.get(renew_page(order)).content.decode()
    assert 'data-testid="offer-control"' in staff_page and "control group of “Winter test”" in staff_page
    assert 'data-testid="offer-notice"' not in staff_page
    customer_page = client.get(customer_renewal_path(order)).content.decode()
    assert "offer-control" not in customer_page and "offer-notice" not in customer_page
    assert OfferExposure.objects.filter(offer=control, customer=order.customer).exists()  # counted all the same
