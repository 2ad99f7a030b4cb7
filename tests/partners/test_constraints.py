"""The database itself rejects partner rows that break a fact of the domain (customers, memberships)."""

import pytest

from partners.models import Role
from tests.factories import CustomerFactory, MembershipFactory, PartnerFactory
from tests.helpers import rejected

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


def test_account_number_is_unique_per_partner():
    customer = CustomerFactory(account_number="A1")
    rejected(CustomerFactory, account_number="A1", partner=customer.partner)


def test_a_user_holds_one_membership_per_partner():
    membership = MembershipFactory(role=Role.SALES)
    rejected(MembershipFactory, user=membership.user, partner=membership.partner, role=Role.SUPPORT)


def test_a_user_may_belong_to_several_partners():
    membership = MembershipFactory()
    MembershipFactory(user=membership.user, partner=PartnerFactory())
    assert membership.user.memberships.count() == 2
