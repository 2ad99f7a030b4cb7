"""Staff order pages: quick view, Renew Now (GET confirms, POST renews), reissue, recording a PEM."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse

from renewals.issuance import SimulatedCA
from renewals.models import Order, OrderStatus
from tests.factories import CertificateFactory, CustomerFactory, OrderFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

NOW = "2026-12-01T03:00:00Z"  # noon in Seoul


@pytest.fixture
def order_a(partner_a):
    order = OrderFactory(
        customer=CustomerFactory(partner=partner_a),
        term_end=date(2027, 1, 1),
        order_number="1001",
        common_name="www.shop.example",
        sans=["www.shop.example"],
    )
    CertificateFactory(
        order=order, not_before=datetime(2026, 6, 1, tzinfo=UTC), not_after=datetime(2026, 12, 17, tzinfo=UTC)
    )
    return order


def detail(order):
    return reverse("order-detail", args=[order.order_number])


def renew(order):
    return reverse("order-renew", args=[order.order_number])


ORDER_URLS = [
    ("order-detail", "get"),
    ("order-renew", "get"),
    ("order-renew", "post"),
    ("order-reissue", "get"),
    ("order-reissue", "post"),
    ("order-certificate", "get"),
    ("order-certificate", "post"),
]


@pytest.mark.parametrize("role_user", ["sales_a", "support_a", "admin_a"])
@pytest.mark.parametrize(("name", "method"), ORDER_URLS)
def test_another_partners_order_is_a_404_for_every_role(client, request, role_user, name, method, order_b):
    client.force_login(request.getfixturevalue(role_user))
    url = reverse(name, args=[order_b.order_number])
    response = getattr(client, method)(url, {"plan_years": 1, "product": order_b.product_id, "pem": "x"})
    assert response.status_code == 404
    assert not Order.objects.filter(renewed_from=order_b).exists()
    assert order_b.certificates.count() == 1


@time_machine.travel(NOW, tick=False)
def test_quick_view_shows_the_order_and_what_renewal_would_give(client, sales_a, order_a):
    client.force_login(sales_a)
    page = client.get(detail(order_a)).content.decode()
    assert "www.shop.example" in page
    assert 'data-testid="carried-days">31 days' in page
    assert 'data-testid="renew-now"' in page


@time_machine.travel(NOW, tick=False)
def test_confirmation_shows_the_facts_and_renews_nothing(client, sales_a, order_a):
    client.force_login(sales_a)
    response = client.get(renew(order_a))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="carried-days">31 days' in page
    assert 'data-testid="total-days">396 days' in page
    assert "at most 200 days" in page  # the first certificate is capped, and the page says why
    assert not Order.objects.filter(renewed_from=order_a).exists()


@time_machine.travel(NOW, tick=False)
def test_confirmation_preview_follows_the_chosen_plan(client, sales_a, order_a):
    client.force_login(sales_a)
    page = client.get(renew(order_a), {"plan_years": 2, "product": order_a.product_id}).content.decode()
    assert 'data-testid="total-days">762 days' in page  # 2028 is a leap year


@time_machine.travel(NOW, tick=False)
def test_confirming_renews_and_the_order_shows_the_renewal(client, sales_a, order_a):
    client.force_login(sales_a)
    response = client.post(renew(order_a), {"plan_years": 1, "product": order_a.product_id})
    assert response.status_code == 302
    renewal = Order.objects.get(renewed_from=order_a)
    assert renewal.carried_days == 31
    page = client.get(detail(order_a)).content.decode()
    assert f'data-testid="renewed-link">#{renewal.order_number}' in page


@time_machine.travel(NOW, tick=False)
def test_double_submit_makes_one_renewal(client, sales_a, order_a):
    client.force_login(sales_a)
    for _ in range(2):
        client.post(renew(order_a), {"plan_years": 1, "product": order_a.product_id})
    assert Order.objects.filter(renewed_from=order_a).count() == 1


@time_machine.travel(NOW, tick=False)
def test_support_gets_a_clear_403_and_renews_nothing(client, support_a, order_a):
    client.force_login(support_a)
    assert client.get(detail(order_a)).status_code == 200
    response = client.post(renew(order_a), {"plan_years": 1, "product": order_a.product_id})
    assert response.status_code == 403
    assert "Support staff can view orders but not renew them" in response.content.decode()
    assert client.get(renew(order_a)).status_code == 403
    assert not Order.objects.filter(renewed_from=order_a).exists()


@time_machine.travel("2026-09-01T03:00:00Z", tick=False)
def test_before_the_window_the_button_is_disabled_and_says_when(client, sales_a, order_a):
    client.force_login(sales_a)
    page = client.get(detail(order_a)).content.decode()
    assert 'data-testid="renew-now"' not in page
    assert "Renewal opens on" in page
    response = client.post(renew(order_a), {"plan_years": 1, "product": order_a.product_id})
    assert response.status_code == 409
    assert "Renewal opens on 2026-10-03" in response.content.decode()
    assert not Order.objects.filter(renewed_from=order_a).exists()


@time_machine.travel(NOW, tick=False)
def test_bad_plan_is_a_form_error_not_a_crash(client, sales_a, order_a):
    client.force_login(sales_a)
    response = client.post(renew(order_a), {"plan_years": 9, "product": "nope"})
    assert response.status_code == 400
    assert not Order.objects.filter(renewed_from=order_a).exists()


@time_machine.travel(NOW, tick=False)
def test_reissue_button_issues_the_next_certificate(client, support_a, order_a):
    client.force_login(support_a)
    assert 'data-testid="reissue"' in client.get(detail(order_a)).content.decode()
    response = client.post(reverse("order-reissue", args=[order_a.order_number]))
    assert response.status_code == 302
    assert order_a.certificates.count() == 2


@time_machine.travel(NOW, tick=False)
@override_settings(RENEWALS_ISSUANCE_BACKEND="renewals.issuance.ManualIssuance")
def test_pasting_a_bad_pem_shows_why(client, sales_a, order_a):
    client.force_login(sales_a)
    client.post(renew(order_a), {"plan_years": 1, "product": order_a.product_id})
    renewal = Order.objects.get(renewed_from=order_a)
    assert renewal.status == OrderStatus.AWAITING_ISSUANCE
    url = reverse("order-certificate", args=[renewal.order_number])
    response = client.post(url, {"pem": "-----BEGIN CERTIFICATE-----\nxyz"})
    assert response.status_code == 400
    assert "not a PEM certificate" in response.content.decode()
    now = datetime(2026, 12, 1, 3, tzinfo=UTC)
    good = SimulatedCA.sign(["www.shop.example"], now, now + timedelta(days=199))[0]
    assert client.post(url, {"pem": good}).status_code == 302
    renewal.refresh_from_db()
    assert renewal.status == OrderStatus.ACTIVE


@time_machine.travel(NOW, tick=False)
def test_confirmation_speaks_korean(client, sales_a, order_a):
    client.force_login(sales_a)
    client.post(reverse("set_language"), {"language": "ko"})
    page = client.get(renew(order_a)).content.decode()
    assert "이월 일수" in page
    assert "31일" in page
    assert "1년" in page
