"""A pasted certificate whose serial number is recorded already is refused, with the reason, before
anything is written (the unique index only backs this up for two pastes at the same moment)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from renewals.issuance import (
    CertificateRejected,
    SimulatedCA,
    check_against_order,
    parse_pem,
    record_issued_certificate,
)
from renewals.models import Certificate, OrderStatus
from tests.factories import CertificateFactory, CustomerFactory, OrderFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
DUPLICATE = "serial number is recorded already"


@pytest.fixture
def awaiting(partner_a):
    return OrderFactory(
        customer=CustomerFactory(partner=partner_a),
        common_name="www.shop.example",
        term_end=date(2027, 12, 1),
        status=OrderStatus.AWAITING_ISSUANCE,
    )


@pytest.fixture
def pasted():
    return SimulatedCA.sign(["www.shop.example"], NOW, NOW + timedelta(days=100, seconds=-1))[0]


def test_the_order_check_refuses_a_serial_recorded_already(awaiting, pasted):
    parsed = parse_pem(pasted)
    check_against_order(parsed, awaiting, at=NOW)  # fits the order in every other way
    CertificateFactory(serial=parsed.serial)
    with pytest.raises(CertificateRejected, match=DUPLICATE):
        check_against_order(parsed, awaiting, at=NOW)


def test_pasting_a_certificate_recorded_for_another_order_is_refused_with_the_reason(awaiting, pasted):
    other = CertificateFactory(serial=parse_pem(pasted).serial)
    with pytest.raises(CertificateRejected, match=DUPLICATE):
        record_issued_certificate(order=awaiting, pem=pasted, at=NOW)
    awaiting.refresh_from_db()
    assert awaiting.status == OrderStatus.AWAITING_ISSUANCE
    assert list(Certificate.objects.values_list("pk", flat=True)) == [other.pk]
