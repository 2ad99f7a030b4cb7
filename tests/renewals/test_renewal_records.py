"""What a renewal records and decides beyond its dates: who made it, the notices setting it carries,
the customer's day whatever the server's zone, and no reissue for an order that cannot have one."""

from datetime import UTC, date, datetime, timedelta

import pytest

from partners.models import Role
from renewals.models import OrderStatus
from renewals.services import reissue_due, renew_order
from tests.factories import CertificateFactory, CustomerFactory, MembershipFactory, OrderFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


@pytest.fixture
def sales(partner_a):
    return MembershipFactory(partner=partner_a, role=Role.SALES)


def test_a_renewal_records_who_made_it_and_keeps_the_notices_setting(partner_a, sales):
    old = OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=date(2021, 1, 1), renewal_notices=False)
    renewal = renew_order(order=old, by=sales, at=datetime(2020, 12, 1, 3, tzinfo=UTC)).order
    assert renewal.created_by == sales.user
    assert renewal.renewal_notices is False


def test_the_window_opens_on_the_customers_day_whatever_the_servers_zone(partner_a, sales, server_in_honolulu):
    """16:00 UTC on 30 November is already 1 December in Seoul (the window's first day), still the
    30th in Honolulu."""
    old = OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=date(2021, 3, 1))
    assert renew_order(order=old, by=sales, at=datetime(2020, 11, 30, 16, tzinfo=UTC)).created


@pytest.mark.parametrize("status", [OrderStatus.AWAITING_ISSUANCE, OrderStatus.CANCELLED])
def test_no_reissue_is_due_for_an_order_that_is_not_active(partner_a, status):
    order = OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=date(2027, 12, 1), status=status)
    CertificateFactory(
        order=order, not_before=datetime(2026, 6, 1, tzinfo=UTC), not_after=datetime(2026, 12, 5, tzinfo=UTC)
    )
    assert not reissue_due(order, at=datetime(2026, 12, 1, tzinfo=UTC))


def test_no_reissue_is_due_for_an_order_without_a_certificate(partner_a):
    order = OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=date(2027, 12, 1))
    assert not order.certificates.exists()
    assert not reissue_due(order, at=datetime(2026, 12, 1, tzinfo=UTC))


def test_a_reissue_is_due_on_the_customers_day_whatever_the_servers_zone(partner_a, server_in_honolulu):
    """The certificate's last day is 31 December in Seoul; at 01:00 on 1 December in Seoul (still
    30 November in Honolulu) the 30-day reissue is due."""
    order = OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=date(2027, 12, 1))
    last_second = datetime(2026, 12, 31, 23, 59, 59, tzinfo=partner_a.tzinfo)
    CertificateFactory(order=order, not_before=last_second - timedelta(days=199, seconds=-1), not_after=last_second)
    partner_a.reissue_thresholds = [30]
    partner_a.save()
    assert reissue_due(order, at=datetime(2026, 12, 1, 1, 0, tzinfo=partner_a.tzinfo))
