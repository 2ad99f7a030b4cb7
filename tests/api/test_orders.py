"""Orders through the API: the dashboard's rows, filters and windows, cursor pages, and the quote."""

import zoneinfo
from datetime import date, timedelta

import pytest
from django.utils import timezone

from renewals.models import OrderStatus
from tests.api.conftest import api_client
from tests.factories import CertificateFactory, CustomerFactory, OrderFactory, ProductFactory

pytestmark = pytest.mark.django_db


def order_in(partner, days, **fields):
    customer = fields.pop("customer", None) or CustomerFactory(partner=partner)
    return OrderFactory(customer=customer, term_end=date.today() + timedelta(days=days), **fields)


def seoul_today():
    return timezone.localdate(timezone=zoneinfo.ZoneInfo("Asia/Seoul"))


def numbers(response):
    assert response.status_code == 200, response.content
    return [row["order_number"] for row in response.json()["results"]]


@pytest.mark.smoke
def test_an_order_says_its_expiry_window_and_action(partner_a, tokens_a):
    order = order_in(partner_a, 20)
    row = api_client(tokens_a.read).get(f"/api/v1/orders/{order.pk}/").json()
    # The partner's today: Seoul's calendar, as the dashboard counts.
    assert row["expires_on"] == order.term_end.isoformat()
    assert row["window"] == "30"
    assert row["action"] == "renew"
    assert row["days_left"] == (order.term_end - seoul_today()).days


def test_an_order_whose_certificate_ends_inside_the_term_needs_a_reissue(partner_a, tokens_a):
    order = order_in(partner_a, 300)
    CertificateFactory(order=order)  # 199 days from 10 days ago
    row = api_client(tokens_a.read).get(f"/api/v1/orders/{order.pk}/").json()
    assert row["action"] == "reissue"
    assert len(row["certificates"]) == 1


def test_the_detail_carries_the_renewal_quote_of_the_renew_page(partner_a, tokens_a):
    order = order_in(partner_a, 20)
    quote = api_client(tokens_a.read).get(f"/api/v1/orders/{order.pk}/").json()["quote"]
    assert quote["is_open"] is True
    assert quote["new_term_end"] == order.term_end.replace(year=order.term_end.year + 1).isoformat()
    assert quote["carried_days"] == (order.term_end - seoul_today()).days
    assert quote["price"]["price"] == "590000.00"
    assert quote["price"]["currency"] == "KRW"


def test_a_renewed_order_has_no_quote_and_names_its_renewal(partner_a, tokens_a):
    order = order_in(partner_a, 20)
    renewal = order_in(partner_a, 385, customer=order.customer, renewed_from=order)
    row = api_client(tokens_a.read).get(f"/api/v1/orders/{order.pk}/").json()
    assert row["quote"] is None
    assert row["action"] == "renewed"
    assert row["renewal"] == renewal.pk


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"window": "7"}, ["soon"]),
        ({"window": "30"}, ["month"]),
        ({"window": "later"}, ["far"]),
        ({"q": "MONTH"}, ["month"]),
        ({"notices": "off"}, ["far"]),
        ({"sort": "-expires"}, ["far", "month", "soon"]),
        ({}, ["soon", "month", "far"]),
    ],
)
def test_the_dashboards_query_parameters_filter_the_same_rows(partner_a, tokens_a, params, expected):
    order_in(partner_a, 3, order_number="soon")
    order_in(partner_a, 25, order_number="month")
    order_in(partner_a, 200, order_number="far", renewal_notices=False)
    order_in(partner_a, 5, order_number="cancelled", status=OrderStatus.CANCELLED)
    assert numbers(api_client(tokens_a.read).get("/api/v1/orders/", params)) == expected


def test_the_product_filter_reads_the_product_id(partner_a, tokens_a):
    product = ProductFactory()
    order_in(partner_a, 3, order_number="other")
    order_in(partner_a, 4, order_number="mine", product=product)
    assert numbers(api_client(tokens_a.read).get("/api/v1/orders/", {"product": product.pk})) == ["mine"]


@pytest.mark.parametrize("params", [{"window": "11"}, {"sort": "name"}, {"notices": "maybe"}, {"product": "x"}])
def test_a_filter_value_not_understood_is_a_400_naming_the_parameter(partner_a, tokens_a, params):
    response = api_client(tokens_a.read).get("/api/v1/orders/", params)
    assert response.status_code == 400
    assert list(response.json()) == list(params)


def test_cursor_pages_walk_every_row_once_when_many_expire_on_one_day(partner_a, tokens_a):
    """Keyset pages by (expires_on, id): rows sharing a day are neither repeated nor skipped."""
    customer = CustomerFactory(partner=partner_a)
    expected = [order_in(partner_a, 10 + (n % 2), customer=customer).order_number for n in range(13)]
    client = api_client(tokens_a.read)
    seen, url = [], "/api/v1/orders/?page_size=4"
    while url:
        body = client.get(url).json()
        seen += [row["order_number"] for row in body["results"]]
        url = body["next"]
        assert len(seen) <= len(expected)
    assert sorted(seen) == sorted(expected)
    assert len(seen) == len(set(seen))


def test_descending_cursor_pages_walk_every_row_once(partner_a, tokens_a):
    customer = CustomerFactory(partner=partner_a)
    expected = [order_in(partner_a, 10 + (n % 3), customer=customer).pk for n in range(7)]
    client = api_client(tokens_a.read)
    seen, url = [], "/api/v1/orders/?page_size=2&sort=-expires"
    while url:
        body = client.get(url).json()
        seen += [(row["expires_on"], row["id"]) for row in body["results"]]
        url = body["next"]
    assert sorted(pk for _day, pk in seen) == sorted(expected)
    assert seen == sorted(seen, reverse=True)


@pytest.mark.parametrize("cursor", ["garbage", "WyJ4Il0", "WyIyMDIxLTAxLTAxIiwgIngiXQ", "bnVsbA", "W10"])
def test_a_forged_cursor_is_a_404_not_an_error(partner_a, tokens_a, cursor):
    order_in(partner_a, 3)
    assert api_client(tokens_a.read).get("/api/v1/orders/", {"cursor": cursor}).status_code == 404
