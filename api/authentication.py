"""``Authorization: Bearer <token>``: the partner's API token, looked up by the hash of its secret.

The request then acts for the token's partner (``request.auth.partner``), as the seat that created
the token (``request.auth.created_by``); a revoked token, or one whose creator left, is refused (401).
"""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .models import ApiToken, hash_secret

# last_used_at is written at most this often per token, not on every request.
LAST_USED_PRECISION = timedelta(minutes=1)
KEYWORD = "Bearer"


def token_for_secret(secret: str) -> ApiToken | None:
    """The live token whose secret this is, with its partner and creator, or None."""
    if not secret or len(secret) > 200:
        return None
    return (
        ApiToken.objects.select_related("partner", "created_by__user", "created_by__partner")
        .filter(hashed_secret=hash_secret(secret), revoked_at__isnull=True)
        .first()
    )


def touch(token: ApiToken, now) -> None:
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() != KEYWORD.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give the token after “Bearer ”, with no spaces in it."))
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token.")) from None
        token = token_for_secret(secret)
        if token is None or not token.created_by.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        touch(token, timezone.now())
        return token.created_by.user, token

    def authenticate_header(self, request):
        return f'{KEYWORD} realm="api"'
