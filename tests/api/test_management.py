"""Partner admins' token and webhook pages."""

import pytest
from django.urls import reverse

from api.models import ApiToken, TokenScope, WebhookDelivery, WebhookEndpoint, hash_secret
from api.services import create_token
from api.webhooks import record_event
from partners.models import Role
from tests.api.conftest import api_client
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.mark.smoke
def test_a_new_token_is_shown_once_and_stored_only_as_a_hash(client, admin_a, partner_a):
    client.force_login(admin_a)
    response = client.post(reverse("api-tokens"), {"name": "Billing", "scope": "read_write"})
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("rpt_") and len(secret) > 40
    token = ApiToken.objects.get()
    assert token.hashed_secret == hash_secret(secret)
    assert secret not in {getattr(token, f.attname) for f in ApiToken._meta.concrete_fields}
    assert (token.partner, token.scope, token.created_by.user) == (partner_a, TokenScope.READ_WRITE, admin_a)
    listing = client.get(reverse("api-tokens")).content.decode()
    assert secret not in listing
    assert token.prefix in listing
    assert api_client(secret).get("/api/v1/orders/").status_code == 200


def test_revoking_a_token_shuts_it_out(client, admin_a, partner_a):
    token, secret = create_token(partner=partner_a, by=admin_a.memberships.get(), name="x", scope=TokenScope.READ)
    client.force_login(admin_a)
    assert client.post(reverse("api-token-revoke", args=[token.pk])).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api_client(secret).get("/api/v1/orders/").status_code == 401


def test_a_token_records_when_it_was_last_used(partner_a, tokens_a):
    api_client(tokens_a.read).get("/api/v1/customers/")
    assert ApiToken.objects.get(name="Reporting").last_used_at is not None


def test_another_partners_token_cannot_be_revoked(client, admin_a, partner_b, tokens_b):
    client.force_login(admin_a)
    other = ApiToken.objects.for_partner(partner_b).get(revoked_at__isnull=True, name="Billing")
    assert client.post(reverse("api-token-revoke", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None


@pytest.mark.parametrize("role", [Role.SALES, Role.SUPPORT])
@pytest.mark.parametrize("page", ["api-tokens", "webhooks"])
def test_only_partner_admins_see_the_pages(client, partner_a, role, page):
    client.force_login(MembershipFactory(partner=partner_a, role=role).user)
    assert client.get(reverse(page)).status_code == 403
    assert client.post(reverse(page), {"name": "x", "scope": "read"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_a_token_acts_with_its_creators_role(partner_a):
    """Tokens are made by admins only: the services refuse anyone else."""
    sales = MembershipFactory(partner=partner_a, role=Role.SALES)
    with pytest.raises(Exception, match="Only partner admins"):
        create_token(partner=partner_a, by=sales, name="x", scope=TokenScope.READ)


def test_registering_a_webhook_shows_its_secret_and_deliveries(client, admin_a, partner_a, receiver):
    client.force_login(admin_a)
    response = client.post(reverse("webhooks"), {"url": receiver.url, "events": ["order.renewed", "reminder.sent"]})
    endpoint = WebhookEndpoint.objects.get()
    assert response.url == reverse("webhook-detail", args=[endpoint.pk])
    assert endpoint.events == ["order.renewed", "reminder.sent"]
    receiver.statuses = [502]
    record_event(partner_id=partner_a.pk, event_type="order.renewed", key="k", data={})
    from api.webhooks import deliver_pending

    deliver_pending()
    page = client.get(response.url).content.decode()
    assert endpoint.secret in page
    assert "502" in page and "receiver is down" in page
    assert WebhookDelivery.objects.get().response_code == 502


def test_a_private_webhook_url_is_refused_on_the_page(client, admin_a, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    client.force_login(admin_a)
    response = client.post(reverse("webhooks"), {"url": "http://169.254.169.254/", "events": ["order.renewed"]})
    assert response.status_code == 400
    assert "private or local address" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_another_partners_webhook_is_a_404(client, admin_a, partner_b):
    endpoint = WebhookEndpoint.objects.create(partner=partner_b, url="https://b.example/", events=[], secret="s")
    client.force_login(admin_a)
    assert client.get(reverse("webhook-detail", args=[endpoint.pk])).status_code == 404
    assert client.post(reverse("webhook-detail", args=[endpoint.pk]), {"action": "delete"}).status_code == 404
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_switching_a_webhook_off_stops_its_events(client, admin_a, partner_a, receiver):
    endpoint = WebhookEndpoint.objects.create(partner=partner_a, url=receiver.url, events=["order.renewed"], secret="s")
    client.force_login(admin_a)
    client.post(reverse("webhook-detail", args=[endpoint.pk]), {"action": "deactivate"})
    assert record_event(partner_id=partner_a.pk, event_type="order.renewed", key="k", data={}) == 0
