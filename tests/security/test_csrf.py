"""Every state-changing view of the new pages refuses a POST without the CSRF token, and a GET of
one changes nothing. (Security review, regression coverage: the suite's own clients skip CSRF.)"""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from api.models import ApiToken, TokenScope, WebhookDelivery, WebhookEndpoint
from api.services import create_token
from followups.models import CallTask
from imports.models import ImportJob
from partners.models import Role
from renewals.models import BannerDismissal
from tests.factories import CustomerFactory, OrderFactory
from tests.offers.factories import OfferFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def own(partner_a, admin_a):
    customer = CustomerFactory(partner=partner_a)
    order = OrderFactory(customer=customer, term_end=date.today() + timedelta(days=20))
    offer = OfferFactory(partner=partner_a)
    task = CallTask.objects.create(
        partner=partner_a, order=order, customer=customer, threshold_days=30, due_on=date.today()
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    from imports.services import create_job

    job = create_job(
        partner=partner_a,
        user=admin_a,
        kind="customers",
        upload=SimpleUploadedFile("a.csv", b"Account,Company\nA-1,Aurora\n"),
        language="en",
    )
    token, _ = create_token(
        partner=partner_a, by=admin_a.memberships.get(role=Role.ADMIN), name="t", scope=TokenScope.READ
    )
    endpoint = WebhookEndpoint.objects.create(partner=partner_a, url="https://a.example/h", events=["order.renewed"])
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_id="evt_a", event_type="order.renewed", payload={}, status="failed"
    )
    return locals()


def state(own):
    return (
        BannerDismissal.objects.count(),
        CallTask.objects.get(pk=own["task"].pk).completed_at,
        ImportJob.objects.get(pk=own["job"].pk).status,
        ApiToken.objects.get(pk=own["token"].pk).revoked_at,
        ApiToken.objects.count(),
        WebhookEndpoint.objects.count(),
        WebhookDelivery.objects.get(pk=own["delivery"].pk).status,
        own["offer"].__class__.objects.get(pk=own["offer"].pk).name,
        own["offer"].__class__.objects.count(),
        own["customer"].__class__.objects.get(pk=own["customer"].pk).reminder_recipients,
    )


def posts(own):
    return [
        (reverse("banner-dismiss"), {}),
        (reverse("call-task-outcome", kwargs={"pk": own["task"].pk}), {"outcome": "will_renew"}),
        (reverse("offer-create"), {"name": "x"}),
        (reverse("offer-edit", kwargs={"pk": own["offer"].pk}), {"name": "x"}),
        (reverse("api-tokens"), {"name": "x", "scope": "read"}),
        (reverse("api-token-revoke", kwargs={"pk": own["token"].pk}), {}),
        (reverse("webhooks"), {"url": "https://example.com/", "events": "order.renewed"}),
        (
            reverse("webhook-detail", kwargs={"pk": own["endpoint"].pk}),
            {"action": "retry", "delivery": own["delivery"].pk},
        ),
        (reverse("webhook-detail", kwargs={"pk": own["endpoint"].pk}), {"action": "delete"}),
        (reverse("import"), {"kind": "customers"}),
        (reverse("import-job", kwargs={"pk": own["job"].pk}), {"account_number": "Account"}),
        (reverse("import-run", kwargs={"pk": own["job"].pk}), {}),
        (reverse("import-certificates"), {"pasted": "x"}),
        (reverse("customer-recipients", kwargs={"customer_id": own["customer"].pk}), {"addresses": "a@b.example"}),
        (reverse("order-recipients", kwargs={"order_number": own["order"].order_number}), {"addresses": "a@b.example"}),
        (reverse("reminder-settings"), {}),
        (reverse("escalation-settings"), {}),
    ]


def test_every_state_changing_post_without_the_csrf_token_is_a_403(admin_a, own):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_a)
    before = state(own)
    for url, data in posts(own):
        assert client.post(url, data).status_code == 403, url
    assert state(own) == before


def test_post_only_views_refuse_a_get_and_change_nothing(client, admin_a, own):
    client.force_login(admin_a)
    before = state(own)
    for url in (
        reverse("banner-dismiss"),
        reverse("call-task-outcome", kwargs={"pk": own["task"].pk}),
        reverse("api-token-revoke", kwargs={"pk": own["token"].pk}),
        reverse("import-run", kwargs={"pk": own["job"].pk}),
        reverse("order-recipients", kwargs={"order_number": own["order"].order_number}),
        reverse("escalation-settings"),
    ):
        assert client.get(url + "?action=delete&outcome=will_renew").status_code == 405, url
    # A GET with an action in the query string does nothing either.
    client.get(reverse("webhook-detail", kwargs={"pk": own["endpoint"].pk}), {"action": "delete"})
    assert state(own) == before
