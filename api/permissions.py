"""A token may read; only a read-and-write token may POST (renew, reissue, notes)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from .models import ApiToken


class TokenScopePermission(permissions.BasePermission):
    message = _("This token is read-only.")

    def has_permission(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return False
        return request.method in permissions.SAFE_METHODS or request.auth.can_write
