"""Partner A's staff, every role, aiming the new pages at partner B's ids: a 404, never B's data,
never a 500, and nothing of B's changes. (Security review, regression coverage.)"""

import pytest
from django.urls import reverse

from api.models import ApiToken, WebhookDelivery, WebhookEndpoint
from followups.models import CallTask
from imports.models import ImportJob, ImportStatus
from offers.models import Offer

pytestmark = pytest.mark.django_db

ROLES = ["sales_a", "support_a", "admin_a"]


def b_urls(world):
    return {
        "offer-report": reverse("offer-report", kwargs={"pk": world.offer.pk}),
        "offer-edit": reverse("offer-edit", kwargs={"pk": world.offer.pk}),
        "call-task-outcome": reverse("call-task-outcome", kwargs={"pk": world.task.pk}),
        "import-job": reverse("import-job", kwargs={"pk": world.job.pk}),
        "import-run": reverse("import-run", kwargs={"pk": world.job.pk}),
        "import-progress": reverse("import-progress", kwargs={"pk": world.job.pk}) + "?format=json",
        "api-token-revoke": reverse("api-token-revoke", kwargs={"pk": world.token.pk}),
        "webhook-detail": reverse("webhook-detail", kwargs={"pk": world.endpoint.pk}),
        "customer-recipients": reverse("customer-recipients", kwargs={"customer_id": world.customer.pk}),
        "order-recipients": reverse("order-recipients", kwargs={"order_number": world.order.order_number}),
    }


POSTS = {
    "offer-edit": {
        "name": "hijacked",
        "headline_en": "x",
        "starts_on": "2026-01-01",
        "ends_on": "2030-01-01",
        "shown_from_days": "30",
        "is_active": "on",
        "variants-TOTAL_FORMS": "1",
        "variants-INITIAL_FORMS": "0",
        "variants-0-label": "all",
        "variants-0-discount_percent": "99",
        "variants-0-weight": "1",
    },
    "call-task-outcome": {"outcome": "will_not_renew", "reason": "hijacked"},
    "import-job": {"account_number": "Account"},
    "webhook-detail": {"action": "delete"},
    "customer-recipients": {"addresses": "attacker@evil.example"},
    "order-recipients": {"addresses": "attacker@evil.example"},
}


def snapshot(world):
    world.offer.refresh_from_db()
    world.task.refresh_from_db()
    world.job.refresh_from_db()
    world.token.refresh_from_db()
    world.customer.refresh_from_db()
    world.order.refresh_from_db()
    return (
        world.offer.name,
        list(world.offer.variants.values_list("discount_percent", flat=True).order_by("position")),
        world.task.outcome,
        world.task.completed_at,
        world.job.status,
        world.job.mapping,
        world.token.revoked_at,
        WebhookEndpoint.objects.filter(pk=world.endpoint.pk).exists(),
        world.customer.reminder_recipients,
        world.order.reminder_recipients,
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_partners_ids_on_the_new_pages_are_404_for_every_role(client, request, world_b, role, method):
    client.force_login(request.getfixturevalue(role))
    before = snapshot(world_b)
    for name, url in b_urls(world_b).items():
        if method == "post":
            response = client.post(url, POSTS.get(name, {}))
        else:
            response = client.get(url)
        # A GET on a POST-only view is a 405 from Django before any lookup: no data either way.
        allowed = {404, 405} if method == "get" else {404}
        assert response.status_code in allowed, (name, method, response.status_code)
        body = response.content.decode(errors="replace")
        for secret in ("B secret offer", "Zephyr Hidden", "B7770001", "b-secret", "hooks.b.example"):
            if secret not in url:  # the page may echo its own path
                assert secret not in body, (name, secret)
    assert snapshot(world_b) == before


@pytest.mark.parametrize("role", ROLES)
def test_offer_edit_of_own_offer_cannot_move_it_to_another_partner(client, request, partner_a, partner_b, role):
    """A ``partner`` field smuggled into the offer form is ignored: the form has no such field."""
    from tests.offers.factories import OfferFactory

    offer = OfferFactory(partner=partner_a, name="A offer")
    client.force_login(request.getfixturevalue(role))
    data = dict(POSTS["offer-edit"], partner=str(partner_b.pk), created_by="1")
    client.post(reverse("offer-edit", kwargs={"pk": offer.pk}), data)
    offer.refresh_from_db()
    assert offer.partner_id == partner_a.pk


def test_a_webhook_retry_naming_another_partners_delivery_leaves_it_alone(client, admin_a, partner_a, world_b):
    own = WebhookEndpoint.objects.create(partner=partner_a, url="https://a.example/h", events=["order.renewed"])
    client.force_login(admin_a)
    for delivery in (str(world_b.delivery.pk), "-1", "99999999999999999999999", "1e3", "١٢", ""):
        response = client.post(
            reverse("webhook-detail", kwargs={"pk": own.pk}), {"action": "retry", "delivery": delivery}
        )
        assert response.status_code == 302
    assert WebhookDelivery.objects.get(pk=world_b.delivery.pk).status == "failed"


def test_the_import_list_and_token_list_show_only_the_own_partners_rows(client, admin_a, world_b):
    client.force_login(admin_a)
    for name in ("import", "api-tokens", "webhooks", "offer-list", "call-tasks", "reports", "home"):
        body = client.get(reverse(name)).content.decode()
        for secret in ("B secret offer", "Zephyr Hidden", "B7770001", "B token", "hooks.b.example", "b.csv"):
            assert secret not in body, (name, secret)


def test_a_chart_csv_named_after_another_partners_offer_is_refused(client, sales_a, world_b):
    client.force_login(sales_a)
    response = client.get(reverse("reports"), {"format": "csv", "chart": f"offer-{world_b.offer.pk}"})
    assert response.status_code == 400
    assert "B secret offer" not in response.content.decode()


@pytest.mark.parametrize("chart", ["offer-", "offer--1", "offer-99999999999999999999999", "x" * 5000, "\x00", "../"])
def test_garbage_chart_names_are_a_400(client, sales_a, chart):
    client.force_login(sales_a)
    assert client.get(reverse("reports"), {"format": "csv", "chart": chart}).status_code == 400


def test_the_b_rows_still_exist(world_b):
    """Sanity of the fixture the tests above aim at."""
    assert Offer.objects.filter(pk=world_b.offer.pk).exists()
    assert CallTask.objects.filter(pk=world_b.task.pk).exists()
    assert ImportJob.objects.get(pk=world_b.job.pk).status == ImportStatus.UPLOADED
    assert ApiToken.objects.filter(pk=world_b.token.pk).exists()
