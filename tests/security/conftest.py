"""Fixtures of the security review: partner B's rows of every new kind, for partner A's staff to aim at."""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from api.models import TokenScope, WebhookDelivery, WebhookEndpoint
from api.services import create_token
from followups.models import CallTask
from imports.models import ImportKind
from imports.services import create_job
from partners.models import Role
from tests.factories import CustomerFactory, MembershipFactory, OrderFactory
from tests.offers.factories import OfferFactory


@pytest.fixture(autouse=True)
def fresh_cache_and_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


@dataclass
class WorldB:
    """Partner B's rows: each id is something partner A's staff must never reach."""

    customer: object
    order: object
    offer: object
    task: object
    job: object
    token: object
    endpoint: object
    delivery: object
    admin: object


@pytest.fixture
def world_b(partner_b):
    admin = MembershipFactory(partner=partner_b, role=Role.ADMIN, user__username="b-admin")
    customer = CustomerFactory(partner=partner_b, account_number="B-SECRET-1", company_name="Zephyr Hidden")
    order = OrderFactory(customer=customer, order_number="B7770001", term_end=date.today() + timedelta(days=20))
    offer = OfferFactory(partner=partner_b, name="B secret offer", amounts=["0", "15"])
    task = CallTask.objects.create(
        partner=partner_b, order=order, customer=customer, threshold_days=30, due_on=date.today()
    )
    job = create_job(
        partner=partner_b,
        user=admin.user,
        kind=ImportKind.CUSTOMERS,
        upload=SimpleUploadedFile("b.csv", b"Account,Company\nB-1,Zephyr\n"),
        language="en",
    )
    token, _secret = create_token(partner=partner_b, by=admin, name="B token", scope=TokenScope.READ_WRITE)
    endpoint = WebhookEndpoint.objects.create(
        partner=partner_b, url="https://hooks.b.example/x", events=["order.renewed"], secret="b-secret"
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_id="evt_b", event_type="order.renewed", payload={}, status="failed"
    )
    return WorldB(customer, order, offer, task, job, token, endpoint, delivery, admin)
