"""The customer's signed renewal page: opening it renews nothing, its POST renews, bad links reveal nothing."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core import signing
from django.test import override_settings

from renewals.links import SALT, customer_renewal_path
from renewals.models import Order
from tests.factories import CertificateFactory, CustomerFactory, OrderFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

NOW = "2026-12-01T03:00:00Z"
INVALID = "This link is not valid"


@pytest.fixture
def order(partner_a):
    order = OrderFactory(
        customer=CustomerFactory(partner=partner_a, company_name="Blue River Foods"),
        term_end=date(2027, 1, 1),
        order_number="5001",
        common_name="www.blueriver.example",
    )
    CertificateFactory(
        order=order, not_before=datetime(2026, 6, 1, tzinfo=UTC), not_after=datetime(2026, 12, 17, tzinfo=UTC)
    )
    return order


@time_machine.travel(NOW, tick=False)
def test_opening_the_link_shows_the_key_facts_and_renews_nothing(client, order):
    response = client.get(customer_renewal_path(order))
    page = response.content.decode()
    assert response.status_code == 200
    for fact in ("5001", "www.blueriver.example", order.product.name, "Blue River Foods", "1 year"):
        assert fact in page
    assert "the 31 days left on your current term are added" in page
    assert not Order.objects.filter(renewed_from=order).exists()


@time_machine.travel(NOW, tick=False)
def test_confirming_renews_once(client, order):
    path = customer_renewal_path(order)
    first = client.post(path, {"plan_years": 1})
    second = client.post(path, {"plan_years": 1})
    renewal = Order.objects.get(renewed_from=order)
    assert renewal.carried_days == 31
    assert renewal.created_by is None
    assert renewal.order_number in first.content.decode()
    assert "renewed already" in second.content.decode()


@time_machine.travel(NOW, tick=False)
def test_page_speaks_the_customers_language(client, order):
    order.customer.language = "ko"
    order.customer.save()
    page = client.get(customer_renewal_path(order)).content.decode()
    assert '<html lang="ko">' in page


@time_machine.travel(NOW, tick=False)
def test_a_tampered_link_gets_a_plain_error(client, order):
    path = customer_renewal_path(order)
    response = client.get(path[:-3] + "abc/")
    assert response.status_code == 404
    page = response.content.decode()
    assert INVALID in page
    assert "5001" not in page and "blueriver" not in page


def test_an_expired_link_gets_the_same_plain_error(client, order):
    with time_machine.travel("2026-08-01T00:00:00Z", tick=False):
        path = customer_renewal_path(order)
    with time_machine.travel(NOW, tick=False), override_settings(CUSTOMER_LINK_MAX_AGE_DAYS=30):
        response = client.post(path, {"plan_years": 1})
    assert response.status_code == 404
    assert INVALID in response.content.decode()
    assert not Order.objects.filter(renewed_from=order).exists()


@time_machine.travel(NOW, tick=False)
def test_a_link_for_one_order_cannot_act_on_another(client, order, order_b):
    # A validly signed token that pairs this order with another partner is still refused.
    forged = signing.dumps({"order": order.pk, "partner": order_b.partner_id}, salt=SALT, compress=True)
    assert client.post(f"/r/{forged}/", {"plan_years": 1}).status_code == 404
    client.post(customer_renewal_path(order), {"plan_years": 1})
    assert not Order.objects.filter(renewed_from=order_b).exists()
    assert Order.objects.filter(renewed_from=order).exists()


@time_machine.travel(NOW, tick=False)
def test_a_token_signed_for_another_purpose_is_refused(client, order):
    other = signing.dumps({"order": order.pk, "partner": order.partner_id}, compress=True)
    assert client.get(f"/r/{other}/").status_code == 404


@time_machine.travel("2026-09-01T03:00:00Z", tick=False)
def test_before_the_window_the_page_says_when_renewal_opens(client, order):
    page = client.get(customer_renewal_path(order)).content.decode()
    assert "Renewal opens on" in page
    assert 'data-testid="confirm-renewal"' not in page
    assert client.post(customer_renewal_path(order), {"plan_years": 1}).status_code == 409
    assert not Order.objects.filter(renewed_from=order).exists()


@time_machine.travel(NOW, tick=False)
def test_choosing_another_plan_updates_the_preview_without_renewing(client, order):
    page = client.get(customer_renewal_path(order), {"plan_years": 2}).content.decode()
    assert "762 days from today" in page
    assert not Order.objects.filter(renewed_from=order).exists()
