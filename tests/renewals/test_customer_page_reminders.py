"""The customer's renewal page says what the reminder emails say: what the product gives, and near
the end (7 days or fewer, and after) the warning visitors would see, in the reader's language."""

from datetime import date, timedelta

import pytest
import time_machine

from renewals.links import customer_renewal_path
from tests.factories import CustomerFactory, OrderFactory, ProductFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

TODAY = date(2026, 12, 1)


def page(client, partner, days_left, language="en", **product):
    customer = CustomerFactory(partner=partner, language=language)
    order = OrderFactory(
        customer=customer, product=ProductFactory(**product), term_end=TODAY + timedelta(days=days_left)
    )
    with time_machine.travel("2026-12-01T03:00:00Z", tick=False):
        return client.get(customer_renewal_path(order)).content.decode()


@pytest.mark.parametrize(("days_left", "shown"), [(40, False), (8, False), (7, True), (0, True), (-3, True)])
def test_the_browser_warning_shows_from_seven_days_on(client, partner_a, days_left, shown):
    html = page(client, partner_a, days_left)
    assert ('data-testid="browser-warning"' in html) is shown
    if shown:
        assert "/static/emails/browser-warning.png" in html


def test_a_korean_reader_sees_the_korean_warning(client, partner_a):
    assert "/static/emails/browser-warning-ko.png" in page(client, partner_a, 3, language="ko")


def test_the_page_lists_what_the_product_gives(client, partner_a):
    html = page(client, partner_a, 40, name="Secure Site OV", site_seal=True, malware_scan=True)
    assert "With Secure Site OV you keep:" in html
    assert "Site seal: shows visitors your identity is verified." in html
    assert "Daily malware scan of your website." in html
    bare = page(client, partner_a, 40, name="Plain DV", site_seal=False, validation_level="DV")
    assert 'data-testid="product-benefits"' not in bare
