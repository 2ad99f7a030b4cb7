"""Who is acting on a partner's data, and the one check that they may.

A service's ``by`` is either one of the partner's staff, as their ``StaffMembership`` (the seat and
role they act under), or ``CUSTOMER``: the customer on the signed renewal page, who has no account.
Services ask ``require_staff_of`` rather than comparing partners and roles themselves, so "staff of
this partner" means the same in every service.
"""

import enum

from .models import StaffMembership


class Actor(enum.Enum):
    """Actors other than a staff seat (staff act as their ``StaffMembership``)."""

    CUSTOMER = "customer"


CUSTOMER = Actor.CUSTOMER


def is_customer(by) -> bool:
    return by is Actor.CUSTOMER


def staff_of(by, partner_id, *, roles=None) -> StaffMembership | None:
    """``by`` when it is a seat in the partner ``partner_id`` (and in one of ``roles``, if given);
    None for the customer, another partner's staff, a role not allowed or anything else."""
    if not isinstance(by, StaffMembership) or by.partner_id != partner_id:
        return None
    if roles is not None and by.role not in roles:
        return None
    return by


def require_staff_of(by, partner_id, error: Exception, *, roles=None) -> StaffMembership:
    """``staff_of`` or raise ``error`` (the service's own exception, with the message for the person)."""
    membership = staff_of(by, partner_id, roles=roles)
    if membership is None:
        raise error
    return membership


def acting_user(by):
    """The user account behind ``by``, recorded as author; None for the customer."""
    return by.user if isinstance(by, StaffMembership) else None
