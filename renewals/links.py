"""Signed links to an order's customer renewal page: they name one order and expire.

The token carries the order and partner ids, and optionally the contact the link was emailed to,
signed with the secret key and a timestamp, so it can neither be forged nor pointed at another order
or another customer's contact. ``link_for_token`` reads the order and the contact through the
partner's scoping path. Tokens made before contacts were carried (no ``contact`` key) stay valid.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError

from partners.models import Contact

from .models import Order
from .reversed_once import path_around

SALT = "renewals.customer-renewal-link"


class InvalidLink(Exception):
    """A tampered, expired or stale link. Deliberately says nothing about which."""


@dataclass(frozen=True)
class CustomerLink:
    """What a valid link opens: the order, and the contact it was sent to (None for links sent to
    no one in particular, e.g. copied by staff from Quick View)."""

    order: Order
    contact: Contact | None

    @property
    def language(self) -> str:
        """The reader's language: the contact's own, else the customer's (else the partner's)."""
        return (self.contact or self.order.customer).effective_language


def customer_renewal_token(order: Order, contact: Contact | None = None) -> str:
    data = {"order": order.pk, "partner": order.partner_id}
    if contact is not None:
        if contact.customer_id != order.customer_id:
            raise ValueError("a renewal link names a contact of the order's own customer")
        data["contact"] = contact.pk
    return signing.dumps(data, salt=SALT, compress=True)


def customer_renewal_path(order: Order, contact: Contact | None = None) -> str:
    """``reverse("customer-renew", kwargs={"token": …})``, with the pattern reversed once (a reminder
    email signs a link per order: reversing each cost more than signing it). A token is URL-safe
    base64 and colons, which ``reverse`` puts in the path as they are."""
    before, after = path_around("customer-renew", "token")
    return before + customer_renewal_token(order, contact=contact) + after


def link_for_token(token: str) -> CustomerLink:
    """The order and contact of a token, or ``InvalidLink``. A contact must be one of the order's
    customer's contacts (read through the partner's scoping); a removed contact's link stops working."""
    max_age = timedelta(days=settings.CUSTOMER_LINK_MAX_AGE_DAYS)
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
        order = (
            Order.objects.for_partner(data["partner"])
            .select_related("customer__partner", "product")
            .get(pk=data["order"])
        )
        contact = None
        if data.get("contact") is not None:
            contact = Contact.objects.for_partner(data["partner"]).get(
                pk=data["contact"], customer_id=order.customer_id
            )
    except (
        signing.BadSignature,
        KeyError,
        TypeError,
        ValueError,
        ValidationError,
        Order.DoesNotExist,
        Contact.DoesNotExist,
    ):
        raise InvalidLink from None
    return CustomerLink(order=order, contact=contact)
