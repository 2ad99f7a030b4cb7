"""Renew Now in the browser: staff from the order page, the customer from the signed link."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from partners.models import Partner
from renewals.links import customer_renewal_path
from renewals.models import Order

from .conftest import log_in

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).parent / "screenshots"


def open_order_ending_in_8_to_30_days(slug):
    partner = Partner.objects.get(slug=slug)
    today = timezone.localdate(timezone=partner.tzinfo)
    return (
        Order.objects.for_partner(partner)
        .filter(
            renewal__isnull=True,
            renewed_from__isnull=True,
            term_end__range=(today + timedelta(days=8), today + timedelta(days=30)),
        )
        .select_related("customer")
        .order_by("order_number")
        .first()
    ), today


def test_sales_renews_from_the_order_page(page, demo_data):
    order, today = open_order_ending_in_8_to_30_days("acme")
    carried = (order.term_end - today).days
    log_in(page, "acme-sales")

    page.goto(f"/orders/{order.order_number}/")
    page.get_by_test_id("renew-now").click()
    page.wait_for_url(f"**/orders/{order.order_number}/renew/")
    assert page.get_by_test_id("carried-days").inner_text() == f"{carried} days"
    page.screenshot(path=SCREENSHOTS / "renew-confirm.png", full_page=True)

    page.get_by_test_id("confirm-renewal").click()
    page.wait_for_url(f"**/orders/{order.order_number}/")
    renewal = Order.objects.get(renewed_from=order)
    link = page.get_by_test_id("renewed-link")
    assert link.inner_text() == f"#{renewal.order_number}"
    assert renewal.carried_days == carried
    link.click()
    page.wait_for_url(f"**/orders/{renewal.order_number}/")
    assert page.get_by_test_id("certificate-row").count() == 1


def test_customer_renews_from_the_signed_link(page, demo_data):
    order, today = open_order_ending_in_8_to_30_days("hanbit")
    page.goto(customer_renewal_path(order))
    assert page.locator("html").get_attribute("lang") == order.customer.effective_language
    page.screenshot(path=SCREENSHOTS / "customer-renew.png", full_page=True)
    page.get_by_test_id("accept-price").check()
    page.get_by_test_id("confirm-renewal").click()
    page.get_by_test_id("customer-renewed").wait_for()
    renewal = Order.objects.get(renewed_from=order)
    assert renewal.order_number in page.get_by_test_id("customer-renewed").inner_text()
