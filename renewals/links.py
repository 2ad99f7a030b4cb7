"""Signed links to an order's customer renewal page: they name one order and expire.

The token carries the order and partner ids, signed with the secret key and a timestamp, so it can
neither be forged nor pointed at another order, and ``order_for_token`` reads the order through the
partner's scoping path.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import Order

SALT = "renewals.customer-renewal-link"


class InvalidLink(Exception):
    """A tampered, expired or stale link. Deliberately says nothing about which."""


def customer_renewal_token(order: Order) -> str:
    return signing.dumps({"order": order.pk, "partner": order.partner_id}, salt=SALT, compress=True)


def customer_renewal_path(order: Order) -> str:
    return reverse("customer-renew", kwargs={"token": customer_renewal_token(order)})


def order_for_token(token: str) -> Order:
    max_age = timedelta(days=settings.CUSTOMER_LINK_MAX_AGE_DAYS)
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
        return (
            Order.objects.for_partner(data["partner"])
            .select_related("customer__partner", "product")
            .get(pk=data["order"])
        )
    except (signing.BadSignature, KeyError, TypeError, Order.DoesNotExist):
        raise InvalidLink from None
