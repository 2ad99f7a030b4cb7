"""The database itself rejects order and certificate rows that break a fact of the domain."""

from datetime import timedelta

import pytest

from tests.factories import CertificateFactory, CustomerFactory, OrderFactory
from tests.helpers import rejected

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


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


def test_an_order_is_renewed_at_most_once():
    old = OrderFactory()
    OrderFactory(customer=old.customer, renewed_from=old)
    rejected(OrderFactory, customer=old.customer, renewed_from=old)
