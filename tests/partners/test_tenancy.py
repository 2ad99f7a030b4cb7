"""Partner A's staff never reach partner B's data, whatever path they try."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from partners.access import SESSION_KEY, resolve_membership, switch_partner
from partners.models import Contact, Customer, Role
from renewals.models import Certificate, Order
from tests.factories import CertificateFactory, ContactFactory, CustomerFactory, MembershipFactory, OrderFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


@pytest.fixture
def two_partners(partner_a, partner_b):
    for partner in (partner_a, partner_b):
        customer = CustomerFactory(partner=partner)
        ContactFactory(customer=customer)
        CertificateFactory(order=OrderFactory(customer=customer))
    return partner_a, partner_b


@pytest.mark.parametrize("model", [Customer, Contact, Order, Certificate])
def test_for_partner_returns_only_that_partners_rows(two_partners, model):
    partner_a, partner_b = two_partners
    rows = model.objects.for_partner(partner_a)
    assert rows.count() == 1
    assert not rows.filter(pk__in=model.objects.for_partner(partner_b).values("pk")).exists()


def test_for_no_partner_returns_nothing(two_partners):
    assert not Order.objects.for_partner(None).exists()


class FakeRequest:
    def __init__(self, user, session=None):
        self.user = user
        self.session = session or {}


def test_session_pointing_at_a_foreign_partner_falls_back_to_own(sales_a, partner_a, partner_b):
    request = FakeRequest(sales_a, {SESSION_KEY: partner_b.pk})
    membership = resolve_membership(request, list(sales_a.memberships.all()))
    assert membership.partner == partner_a


def test_switching_to_a_partner_one_does_not_belong_to_is_refused(sales_a, partner_b):
    with pytest.raises(PermissionDenied):
        switch_partner(FakeRequest(sales_a), partner_b.pk)


def test_switching_partner_changes_the_home_page(client, sales_a, partner_a, partner_b):
    MembershipFactory(user=sales_a, partner=partner_b, role=Role.SUPPORT)
    client.force_login(sales_a)
    assert client.get(reverse("home")).context["current_partner"] == partner_a
    response = client.post(reverse("switch-partner"), {"partner": partner_b.pk, "next": "/"})
    assert response.status_code == 302
    page = client.get(reverse("home"))
    assert page.context["current_partner"] == partner_b
    assert page.context["current_membership"].role == Role.SUPPORT


def test_switch_to_foreign_partner_is_forbidden(client, sales_a, partner_b):
    client.force_login(sales_a)
    assert client.post(reverse("switch-partner"), {"partner": partner_b.pk}).status_code == 403


def test_switch_with_garbage_partner_is_forbidden_not_an_error(client, sales_a):
    client.force_login(sales_a)
    assert client.post(reverse("switch-partner"), {"partner": "x"}).status_code == 403


def test_switch_ignores_an_offsite_next_url(client, sales_a, partner_a):
    client.force_login(sales_a)
    response = client.post(reverse("switch-partner"), {"partner": partner_a.pk, "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


@pytest.mark.parametrize("url", ["/admin/", "/admin/renewals/order/", "/admin/partners/customer/"])
def test_partner_staff_cannot_use_the_operators_admin(client, sales_a, order_b, url):
    client.force_login(sales_a)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
