"""Writes of the API app: tokens and webhook endpoints, by the partner's admins only."""

from django.utils import timezone
from django.utils.translation import gettext as _

from partners.actors import require_staff_of
from partners.models import Role

from .models import PREFIX_LENGTH, ApiToken, WebhookEndpoint, hash_secret
from .webhooks import check_webhook_url


class ApiSettingsNotAllowed(Exception):
    pass


def require_admin(by, partner):
    return require_staff_of(
        by,
        partner.pk,
        ApiSettingsNotAllowed(_("Only partner admins manage API tokens and webhooks.")),
        roles=(Role.ADMIN,),
    )


def create_token(*, partner, by, name, scope) -> tuple[ApiToken, str]:
    """A new token and its secret, which is shown this once: only its hash is stored."""
    membership = require_admin(by, partner)
    secret = ApiToken.new_secret()
    token = ApiToken.objects.create(
        partner=partner,
        name=name,
        scope=scope,
        created_by=membership,
        prefix=secret[:PREFIX_LENGTH],
        hashed_secret=hash_secret(secret),
    )
    return token, secret


def revoke_token(*, token, by) -> bool:
    require_admin(by, token.partner)
    return bool(ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()))


def create_endpoint(*, partner, by, url, events) -> WebhookEndpoint:
    require_admin(by, partner)
    check_webhook_url(url)
    return WebhookEndpoint.objects.create(
        partner=partner, url=url, events=sorted(set(events)), secret=WebhookEndpoint.new_secret()
    )


def set_endpoint_active(*, endpoint, by, active: bool) -> None:
    require_admin(by, endpoint.partner)
    endpoint.active = active
    endpoint.save(update_fields=["active"])


def delete_endpoint(*, endpoint, by) -> None:
    require_admin(by, endpoint.partner)
    endpoint.delete()
