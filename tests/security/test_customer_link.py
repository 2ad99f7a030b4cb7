"""The customer's signed renewal page under attack: tampered tokens, products and plans the page did
not offer, a price other than the one shown, garbage wizard answers, huge query strings. Never a 500,
never a renewal at a price the page did not show. (Security review, regression coverage.)"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from renewals.forms import price_key
from renewals.links import customer_renewal_path, customer_renewal_token
from renewals.models import Order, PartnerPrice
from renewals.selectors import renewal_preview
from tests.factories import CertificateFactory, CustomerFactory, OrderFactory, ProductFactory, price_product

pytestmark = pytest.mark.django_db

NOW = "2026-12-01T03:00:00Z"


@pytest.fixture
def order(partner_a):
    order = OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=date(2027, 1, 1), order_number="5001")
    CertificateFactory(
        order=order, not_before=datetime(2026, 6, 1, tzinfo=UTC), not_after=datetime(2026, 12, 17, tzinfo=UTC)
    )
    return order


def shown(order, plan_years=1, product=None):
    return price_key(renewal_preview(order=order, at=timezone.now(), plan_years=plan_years, product=product).price)


def renewals_of(order):
    return Order.objects.filter(renewed_from=order).count()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: t + ":x",
        lambda t: "x" * 10000,
        lambda t: t.replace(":", "%00", 1),
        lambda t: "..%2F..%2Fadmin",
        lambda t: "%F0%9F%92%A9" * 200,
    ],
)
def test_a_tampered_token_is_a_404_page(client, order, mangle):
    token = mangle(customer_renewal_token(order))
    response = client.get(f"/r/{token}/")
    assert response.status_code in (400, 404)  # a NUL anywhere in a request is a 400 before any view
    assert order.order_number not in response.content.decode()
    response = client.post(f"/r/{token}/", {"plan_years": 1, "accept_price": "on", "accepted_price": "x"})
    assert response.status_code in (400, 404)
    assert renewals_of(order) == 0


@time_machine.travel(NOW, tick=False)
def test_a_product_not_offered_is_refused_even_when_the_partner_prices_it(client, order, partner_a, partner_b):
    other = ProductFactory(code="other-product", name="Other product", validation_level="DV", site_seal=False)
    price_product(partner_a, other, yearly="1000")  # cheap, priced, but not an upgrade of the order
    b_only = ProductFactory(code="b-only", name="B only product")
    price_product(partner_b, b_only, yearly="1")
    path = customer_renewal_path(order)
    for code in ("other-product", "b-only", "x" * 3000, "\x00", "", " "):
        page = client.get(path, {"product": code})
        assert page.status_code in (200, 400)  # 400: a NUL in the request
        # The page falls back to the order's own product (or the code was one it offers).
        response = client.post(
            path,
            {"plan_years": 1, "product": code, "accept_price": "on", "accepted_price": "KRW 1000.00"},
        )
        assert response.status_code in (400, 409), code
    assert renewals_of(order) == 0


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("plan", ["0", "-1", "6", "99", "abc", "1e3", "99999999999999999999999", "", "١"])
def test_a_plan_out_of_range_renews_nothing_and_never_fails(client, order, plan):
    path = customer_renewal_path(order)
    assert client.get(path, {"plan_years": plan}).status_code == 200
    response = client.post(path, {"plan_years": plan, "accept_price": "on", "accepted_price": shown(order)})
    assert response.status_code == 400
    assert renewals_of(order) == 0


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    "accepted",
    ["KRW 1.00", "KRW 590000.000", "USD 590000.00", "KRW -590000.00", "x" * 64, "x" * 65, "KRW 590000.00\x00"],
)
def test_a_price_other_than_the_one_shown_renews_nothing(client, order, accepted):
    assert shown(order) != accepted
    response = client.post(
        customer_renewal_path(order), {"plan_years": 1, "accept_price": "on", "accepted_price": accepted}
    )
    assert response.status_code == 400
    assert renewals_of(order) == 0


@time_machine.travel(NOW, tick=False)
def test_the_price_shown_for_one_plan_does_not_buy_another(client, order):
    response = client.post(
        customer_renewal_path(order), {"plan_years": 2, "accept_price": "on", "accepted_price": shown(order, 1)}
    )
    assert response.status_code == 400
    assert renewals_of(order) == 0


@time_machine.travel(NOW, tick=False)
def test_the_renewal_happens_at_exactly_the_price_shown(client, order):
    accepted = shown(order, 2)
    response = client.post(
        customer_renewal_path(order), {"plan_years": 2, "accept_price": "on", "accepted_price": accepted}
    )
    assert response.status_code == 200
    renewal = Order.objects.get(renewed_from=order)
    currency, amount = accepted.split()
    assert (renewal.currency, renewal.price) == (currency, Decimal(amount))


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    "query",
    [
        {"personal": "maybe", "payment": "<script>", "domains": "-1"},
        {"personal": "yes" * 3000, "payment": "\u202e", "domains": "9" * 40},
        {"wizard": "1", "personal": ["yes", "no"], "payment": ["yes", "no"]},
        {f"p{n}": "x" for n in range(900)},
    ],
)
def test_garbage_wizard_answers_and_huge_query_strings_show_the_page(client, order, query):
    response = client.get(customer_renewal_path(order), query)
    assert response.status_code == 200
    assert b"<script>" not in response.content.split(b"</head>", 1)[-1].replace(b"<script src", b"")
    assert renewals_of(order) == 0


@time_machine.travel(NOW, tick=False)
def test_a_query_string_longer_than_a_server_would_take_is_not_a_500(client, order):
    response = client.get(customer_renewal_path(order) + "?product=" + "a" * 100_000)
    assert response.status_code == 200


@time_machine.travel(NOW, tick=False)
def test_the_customer_page_post_needs_the_csrf_token(order):
    csrf_client = Client(enforce_csrf_checks=True)
    path = customer_renewal_path(order)
    response = csrf_client.post(path, {"plan_years": 1, "accept_price": "on", "accepted_price": shown(order)})
    assert response.status_code == 403
    assert renewals_of(order) == 0


@time_machine.travel(NOW, tick=False)
def test_the_price_list_changing_under_the_page_renews_nothing(client, order, partner_a):
    accepted = shown(order)
    PartnerPrice.objects.filter(partner=partner_a, product=order.product, plan_years=1).update(price=Decimal("1"))
    response = client.post(
        customer_renewal_path(order), {"plan_years": 1, "accept_price": "on", "accepted_price": accepted}
    )
    assert response.status_code == 400
    assert renewals_of(order) == 0
