"""Shared fixtures: two partners with one staff member per role each; a server clock not on UTC."""

import time

import pytest
from django.utils import translation

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


@pytest.fixture
def server_in_honolulu(monkeypatch):
    """The process's local time zone is UTC−10, as on a server not set to UTC: rules must read the
    customer's zone (or UTC), never the server's."""
    monkeypatch.setenv("TZ", "Pacific/Honolulu")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(autouse=True)
def language_of_each_test_its_own():
    """A request in Korean leaves Korean active in the thread (``LocaleMiddleware`` activates the
    language and nothing deactivates it), so a later test on the same worker would read translated
    text it did not ask for; each test starts and ends in the default language."""
    translation.deactivate()
    yield
    translation.deactivate()
