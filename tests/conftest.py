"""Shared fixtures: two partners with one staff member per role each."""

import pytest

from partners.models import Role

from .factories import CertificateFactory, CustomerFactory, MembershipFactory, OrderFactory, PartnerFactory


@pytest.fixture
def partner_a(db):
    return PartnerFactory(name="Partner A", slug="partner-a")


@pytest.fixture
def partner_b(db):
    return PartnerFactory(name="Partner B", slug="partner-b")


def _staff(partner, role):
    return MembershipFactory(partner=partner, role=role, user__username=f"{partner.slug}-{role}").user


@pytest.fixture
def sales_a(partner_a):
    return _staff(partner_a, Role.SALES)


@pytest.fixture
def support_a(partner_a):
    return _staff(partner_a, Role.SUPPORT)


@pytest.fixture
def admin_a(partner_a):
    return _staff(partner_a, Role.ADMIN)


@pytest.fixture
def order_b(partner_b):
    order = OrderFactory(customer=CustomerFactory(partner=partner_b))
    CertificateFactory(order=order)
    return order
