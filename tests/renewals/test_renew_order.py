"""renew_order: a new linked order carrying the remaining days, made once whatever happens."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from cryptography import x509

from partners.actors import CUSTOMER
from partners.models import Role
from renewals.models import Order, OrderStatus
from renewals.services import RenewalError, RenewalNotAllowed, RenewalNotOpen, renew_order
from renewals.signals import order_replaced
from renewals.validity import max_certificate_days
from tests.factories import CustomerFactory, MembershipFactory, OrderFactory, PartnerPriceFactory, ProductFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

# 2020-12-01 12:00 in Seoul.
GUIDE_RENEWAL_AT = datetime(2020, 12, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
def sales(partner_a):
    return MembershipFactory(partner=partner_a, role=Role.SALES)


@pytest.fixture
def guide_order(partner_a):
    """The guide's example: a one-year term that ends on 2021-01-01."""
    return OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=date(2021, 1, 1), plan_years=1)


def test_renewing_31_days_early_carries_31_days(guide_order, sales):
    result = renew_order(order=guide_order, by=sales, at=GUIDE_RENEWAL_AT)
    renewal = result.order
    assert result.created
    assert renewal.renewed_from == guide_order
    assert (renewal.term_start, renewal.term_end) == (date(2020, 12, 1), date(2022, 1, 1))
    assert renewal.carried_days == 31
    assert (renewal.term_end - renewal.term_start).days == 396
    assert (renewal.customer, renewal.common_name, renewal.sans) == (
        guide_order.customer,
        guide_order.common_name,
        guide_order.sans,
    )


def test_second_renewal_returns_the_first_and_creates_nothing(guide_order, sales):
    first = renew_order(order=guide_order, by=sales, at=GUIDE_RENEWAL_AT)
    second = renew_order(order=guide_order, by=sales, at=GUIDE_RENEWAL_AT + timedelta(minutes=1))
    assert not second.created
    assert second.order == first.order
    assert Order.objects.filter(renewed_from=guide_order).count() == 1


def test_renewing_before_the_window_is_refused_with_the_opening_date(guide_order, sales):
    with pytest.raises(RenewalNotOpen) as refused:
        renew_order(order=guide_order, by=sales, at=datetime(2020, 10, 1, 3, 0, tzinfo=UTC))
    assert refused.value.opens_on == date(2020, 10, 3)
    assert not Order.objects.filter(renewed_from=guide_order).exists()


def test_renewing_after_the_end_carries_nothing(guide_order, sales):
    renewal = renew_order(order=guide_order, by=sales, at=datetime(2021, 1, 10, 3, tzinfo=UTC)).order
    assert (renewal.term_end, renewal.carried_days) == (date(2022, 1, 10), 0)


def test_support_staff_may_not_renew(guide_order, partner_a):
    support = MembershipFactory(partner=partner_a, role=Role.SUPPORT)
    with pytest.raises(RenewalNotAllowed):
        renew_order(order=guide_order, by=support, at=GUIDE_RENEWAL_AT)


def test_staff_of_another_partner_may_not_renew(guide_order, partner_b):
    with pytest.raises(RenewalNotAllowed):
        renew_order(order=guide_order, by=MembershipFactory(partner=partner_b, role=Role.ADMIN), at=GUIDE_RENEWAL_AT)


def test_the_customer_may_renew_from_the_signed_page(guide_order):
    assert renew_order(order=guide_order, by=CUSTOMER, at=GUIDE_RENEWAL_AT).order.created_by is None


def test_a_cancelled_order_cannot_be_renewed(guide_order, sales):
    Order.objects.filter(pk=guide_order.pk).update(status=OrderStatus.CANCELLED)
    with pytest.raises(RenewalError):
        renew_order(order=guide_order, by=sales, at=GUIDE_RENEWAL_AT)


def test_upgrade_and_plan_and_discount_price_the_new_order(guide_order, sales, partner_a):
    premium = ProductFactory(code="premium", list_price=Decimal("890000.00"))
    PartnerPriceFactory(partner=partner_a, product=premium, plan_years=2, price=Decimal("1780000"))
    renewal = renew_order(
        order=guide_order,
        by=sales,
        at=GUIDE_RENEWAL_AT,
        plan_years=2,
        product=premium,
        discount_percent=Decimal("15"),
    ).order
    assert renewal.product == premium
    assert renewal.term_end == date(2023, 1, 1)
    assert renewal.list_price == Decimal("1780000")
    assert renewal.price == Decimal("1513000")
    assert renewal.discount_percent == Decimal("15")


def test_simulated_ca_records_a_real_certificate_within_the_cap(partner_a, sales):
    order = OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=date(2027, 1, 1))
    at = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    renewal = renew_order(order=order, by=sales, at=at).order
    assert renewal.status == OrderStatus.ACTIVE
    certificate = renewal.certificates.get()
    parsed = x509.load_pem_x509_certificate(certificate.pem.encode())
    assert parsed.not_valid_before_utc == at
    assert parsed.not_valid_after_utc == certificate.not_after
    assert certificate.lifetime_days == max_certificate_days(at.date())
    sans = parsed.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert renewal.common_name in sans.get_values_for_type(x509.DNSName)


def test_order_numbers_of_renewals_follow_the_partners_sequence(partner_a, sales):
    orders = [OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=date(2021, 1, 1)) for _ in range(2)]
    numbers = [renew_order(order=order, by=sales, at=GUIDE_RENEWAL_AT).order.order_number for order in orders]
    assert numbers == ["20000001", "20000002"]


def test_renewal_announces_that_the_old_order_is_replaced_once(guide_order, sales):
    received = []

    def receiver(sender, order, replacement, reason, **kwargs):
        received.append((order.pk, replacement.pk, reason))

    order_replaced.connect(receiver)
    try:
        renewal = renew_order(order=guide_order, by=sales, at=GUIDE_RENEWAL_AT).order
        renew_order(order=guide_order, by=sales, at=GUIDE_RENEWAL_AT)
    finally:
        order_replaced.disconnect(receiver)
    assert received == [(guide_order.pk, renewal.pk, "renewal")]
