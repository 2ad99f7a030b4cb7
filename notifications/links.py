"""Signed unsubscribe links: one contact each, never expiring (RFC 8058 one-click must keep working)."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from partners.models import Contact

SALT = "notifications.unsubscribe"


def unsubscribe_url(contact: Contact) -> str:
    token = signing.dumps({"contact": contact.pk}, salt=SALT, compress=True)
    return settings.PORTAL_BASE_URL + reverse("unsubscribe", kwargs={"token": token})


def contact_for_token(token: str) -> Contact | None:
    try:
        data = signing.loads(token, salt=SALT)
        return Contact.objects.select_related("customer__partner").get(pk=data["contact"])
    except (signing.BadSignature, KeyError, TypeError, Contact.DoesNotExist):
        return None
