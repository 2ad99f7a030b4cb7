"""The database itself rejects rows that break a fact of the domain."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from partners.models import Role
from tests.factories import (
    CertificateFactory,
    CustomerFactory,
    MembershipFactory,
    OrderFactory,
    PartnerFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


def rejected(factory, **kwargs):
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(**kwargs)


def test_term_must_end_after_it_starts():
    order = OrderFactory.build()
    rejected(OrderFactory, term_start=order.term_end, term_end=order.term_end)


def test_plan_years_outside_one_to_three_is_rejected():
    rejected(OrderFactory, plan_years=4)


def test_negative_price_is_rejected():
    rejected(OrderFactory, price=-1)


def test_certificate_must_end_after_it_starts():
    certificate = CertificateFactory.build()
    rejected(CertificateFactory, not_before=certificate.not_before, not_after=certificate.not_before - timedelta(1))


def test_certificate_serial_is_unique():
    CertificateFactory(serial="abc")
    rejected(CertificateFactory, serial="abc")


def test_order_number_is_unique_per_partner():
    order = OrderFactory(order_number="1000")
    rejected(OrderFactory, order_number="1000", customer=CustomerFactory(partner=order.partner))


def test_same_order_number_is_fine_in_another_partner():
    OrderFactory(order_number="1000")
    OrderFactory(order_number="1000")


def test_account_number_is_unique_per_partner():
    customer = CustomerFactory(account_number="A1")
    rejected(CustomerFactory, account_number="A1", partner=customer.partner)


def test_an_order_is_renewed_at_most_once():
    old = OrderFactory()
    OrderFactory(customer=old.customer, renewed_from=old)
    rejected(OrderFactory, customer=old.customer, renewed_from=old)


def test_a_user_holds_one_membership_per_partner():
    membership = MembershipFactory(role=Role.SALES)
    rejected(MembershipFactory, user=membership.user, partner=membership.partner, role=Role.SUPPORT)


def test_a_user_may_belong_to_several_partners():
    membership = MembershipFactory()
    MembershipFactory(user=membership.user, partner=PartnerFactory())
    assert membership.user.memberships.count() == 2
