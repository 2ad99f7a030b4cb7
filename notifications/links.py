"""Signed unsubscribe links, never expiring (RFC 8058 one-click must keep working): one contact each,
or one address of a customer's that is no contact (an additional recipient, an order's own). Staff
addresses get none: nothing a customer's side clicks unsubscribes them."""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

from partners.models import Contact, Customer

from .recipients import normalized

SALT = "notifications.unsubscribe"


@dataclass(frozen=True)
class Subscriber:
    """Who an unsubscribe link names: a contact, or an address of a customer."""

    customer: Customer
    address: str
    contact: Contact | None = None

    @property
    def name(self):
        return self.contact.name if self.contact else self.address

    @property
    def email(self):
        return self.contact.email if self.contact else self.address

    @property
    def effective_language(self):
        return (self.contact or self.customer).effective_language


def unsubscribe_url(contact: Contact) -> str:
    token = signing.dumps({"contact": contact.pk}, salt=SALT, compress=True)
    return settings.PORTAL_BASE_URL + reverse("unsubscribe", kwargs={"token": token})


def address_unsubscribe_url(customer_id: int, address: str) -> str:
    token = signing.dumps({"customer": customer_id, "address": normalized(address)}, salt=SALT, compress=True)
    return settings.PORTAL_BASE_URL + reverse("unsubscribe", kwargs={"token": token})


def contact_for_token(token: str) -> Contact | None:
    try:
        data = signing.loads(token, salt=SALT)
        return Contact.objects.select_related("customer__partner").get(pk=data["contact"])
    except (signing.BadSignature, KeyError, TypeError, Contact.DoesNotExist):
        return None


def subscriber_for_token(token: str) -> Subscriber | None:
    """The contact or the customer's address a link names; None for a tampered or stale link."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    if "contact" in data:
        contact = contact_for_token(token)
        return Subscriber(contact.customer, contact.email, contact) if contact else None
    try:
        customer = Customer.objects.select_related("partner").get(pk=data["customer"])
        address = str(data["address"])
    except (KeyError, TypeError, ValueError, Customer.DoesNotExist):
        return None
    return Subscriber(customer, address)
