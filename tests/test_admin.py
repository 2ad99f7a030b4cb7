"""Operators can open every model's list in the admin."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.contrib import admin

from tests.factories import CertificateFactory, OrderFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

OUR_APPS = ("partners", "renewals", "notifications", "offers", "followups")


def test_every_model_of_ours_is_registered_and_its_list_opens(client):
    operator = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(operator)
    models = [model for name in OUR_APPS for model in apps.get_app_config(name).get_models()]
    unregistered = [model.__name__ for model in models if not admin.site.is_registered(model)]
    # OutboxItem is shown inline on its email and OfferVariant on its offer; ExpiryCount and StakeSum are kept by
    # the database's triggers alone.
    assert sorted(unregistered) == ["ExpiryCount", "OfferVariant", "OutboxItem", "StakeSum"]
    for model in models:
        if admin.site.is_registered(model):
            url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
            assert client.get(url).status_code == 200, url


def test_admin_shows_the_expiry_date_the_customer_reads(client):
    """notAfter 23:59:59 in Seoul is 14:59:59 UTC: the admin's column says the customer's day."""
    operator = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(operator)
    order = OrderFactory(term_end=date(2026, 12, 5), customer__time_zone="Asia/Seoul")
    CertificateFactory(
        order=order,
        not_before=datetime(2026, 6, 1, tzinfo=ZoneInfo("Asia/Seoul")),
        not_after=datetime(2026, 12, 5, 23, 59, 59, tzinfo=ZoneInfo("Asia/Seoul")),
    )
    certificates = client.get("/admin/renewals/certificate/").content.decode()
    assert '<td class="field-expires nowrap">5 Dec 2026</td>' in certificates
    orders = client.get("/admin/renewals/order/").content.decode()
    assert '<td class="field-expires_on nowrap">5 Dec 2026</td>' in orders


def test_an_orders_change_form_shows_its_price_formatted_and_read_only(client):
    operator = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(operator)
    order = OrderFactory(price=Decimal("1090000"), list_price=Decimal("1090000"), currency="KRW")
    page = client.get(f"/admin/renewals/order/{order.pk}/change/").content.decode()
    assert "₩1,090,000" in page
    assert "1090000.00" not in page
    assert 'name="price"' not in page
