"""Issuance backends, the PEM checks of the manual backend, and reissue inside a paid term."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import override_settings

from partners.models import Role
from renewals import issuance
from renewals.issuance import CertificateRejected, SimulatedCA, parse_pem, record_issued_certificate
from renewals.models import OrderStatus
from renewals.services import RenewalNotAllowed, reissue_certificate, reissue_due, renew_order
from renewals.validity import end_of_day
from tests.factories import CertificateFactory, CustomerFactory, MembershipFactory, OrderFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
MANUAL = override_settings(RENEWALS_ISSUANCE_BACKEND="renewals.issuance.ManualIssuance")


@pytest.fixture
def sales(partner_a):
    return MembershipFactory(partner=partner_a, role=Role.SALES)


@pytest.fixture
def awaiting(partner_a, sales):
    """A renewal under the manual backend: the order waits for its certificate."""
    old = OrderFactory(
        customer=CustomerFactory(partner=partner_a),
        term_end=date(2027, 1, 1),
        common_name="www.shop.example",
        sans=["www.shop.example", "shop.example"],
    )
    with MANUAL:
        return renew_order(order=old, by=sales, at=NOW).order


def pem(names, not_before, days, seconds=-1):
    return SimulatedCA.sign(names, not_before, not_before + timedelta(days=days, seconds=seconds))[0]


def test_manual_backend_leaves_the_renewal_awaiting_issuance(awaiting):
    assert awaiting.status == OrderStatus.AWAITING_ISSUANCE
    assert not awaiting.certificates.exists()


def test_pasted_certificate_is_parsed_and_recorded(awaiting):
    certificate = record_issued_certificate(
        order=awaiting, pem=pem(["www.shop.example", "shop.example"], NOW, 199), at=NOW
    )
    assert certificate.common_name == "www.shop.example"
    assert certificate.sans == ["www.shop.example", "shop.example"]
    assert certificate.not_after == NOW + timedelta(days=199, seconds=-1)
    awaiting.refresh_from_db()
    assert awaiting.status == OrderStatus.ACTIVE


@pytest.mark.parametrize(
    ("bad_pem", "message"),
    [
        ("not a certificate", "not a PEM certificate"),
        (pem(["www.shop.example"], NOW - timedelta(days=100), 50), "already expired"),
        (pem(["www.other.example"], NOW, 100), "not for www.shop.example"),
        (pem(["www.shop.example"], NOW, 201), "longer than the 200 days"),
    ],
    ids=["malformed", "expired", "another-name", "over-the-cap"],
)
def test_pasted_certificate_that_cannot_serve_the_order_is_rejected(awaiting, bad_pem, message):
    with pytest.raises(CertificateRejected, match=message):
        record_issued_certificate(order=awaiting, pem=bad_pem, at=NOW)
    assert not awaiting.certificates.exists()


def test_pasted_certificate_longer_than_the_term_is_rejected(partner_a):
    order = OrderFactory(
        customer=CustomerFactory(partner=partner_a),
        term_end=date(2027, 1, 1),
        common_name="www.shop.example",
        status=OrderStatus.AWAITING_ISSUANCE,
    )
    with pytest.raises(CertificateRejected, match="after the paid term"):
        record_issued_certificate(order=order, pem=pem(["www.shop.example"], NOW, 100), at=NOW)


def test_an_order_not_awaiting_issuance_takes_no_pasted_certificate(partner_a):
    order = OrderFactory(customer=CustomerFactory(partner=partner_a), common_name="www.shop.example")
    with pytest.raises(CertificateRejected, match="not awaiting"):
        record_issued_certificate(order=order, pem=pem(["www.shop.example"], NOW, 10), at=NOW)


def order_with_certificate_ending_in(partner, days, term_days=300):
    """A certificate whose last working day is ``days`` after 2026-12-01 (23:59:59 that day)."""
    order = OrderFactory(customer=CustomerFactory(partner=partner), term_end=date(2026, 12, 1) + timedelta(term_days))
    not_after = end_of_day(date(2026, 12, 1) + timedelta(days), partner.tzinfo)
    CertificateFactory(order=order, not_before=not_after - timedelta(days=199), not_after=not_after)
    return order


def test_reissue_is_due_when_the_certificate_ends_inside_the_term_within_30_days(partner_a):
    assert reissue_due(order_with_certificate_ending_in(partner_a, 30), at=NOW)
    assert not reissue_due(order_with_certificate_ending_in(partner_a, 31), at=NOW)


def test_no_reissue_when_the_certificate_ends_with_the_term(partner_a):
    assert not reissue_due(order_with_certificate_ending_in(partner_a, 20, term_days=20), at=NOW)


def test_reissue_issues_the_next_certificate_inside_the_same_term(partner_a, sales):
    order = order_with_certificate_ending_in(partner_a, 10)
    assert reissue_certificate(order=order, by=sales, at=NOW)
    latest = order.certificates.order_by("-not_after").first()
    assert latest.not_before == NOW
    assert latest.not_after == NOW + timedelta(days=200) - timedelta(seconds=1)
    assert latest.not_after <= end_of_day(order.term_end, partner_a.tzinfo)
    order.refresh_from_db()
    assert order.expires_on == latest.expires_on(partner_a.tzinfo)


def test_second_reissue_in_a_row_issues_nothing(partner_a, sales):
    order = order_with_certificate_ending_in(partner_a, 10)
    assert reissue_certificate(order=order, by=sales, at=NOW)
    assert not reissue_certificate(order=order, by=sales, at=NOW)
    assert order.certificates.count() == 2


def test_support_may_reissue_but_another_partner_may_not(partner_a, partner_b):
    order = order_with_certificate_ending_in(partner_a, 10)
    assert reissue_certificate(order=order, by=MembershipFactory(partner=partner_a, role=Role.SUPPORT), at=NOW)
    with pytest.raises(RenewalNotAllowed):
        reissue_certificate(order=order, by=MembershipFactory(partner=partner_b, role=Role.ADMIN), at=NOW)


def test_pasted_certificate_ending_at_the_last_second_of_the_terms_last_day_is_accepted(partner_a):
    order = OrderFactory(
        customer=CustomerFactory(partner=partner_a),
        term_end=date(2027, 1, 1),
        common_name="www.shop.example",
        status=OrderStatus.AWAITING_ISSUANCE,
    )
    not_after = end_of_day(date(2027, 1, 1), partner_a.tzinfo)
    certificate = record_issued_certificate(
        order=order, pem=pem(["www.shop.example"], not_after - timedelta(days=31, seconds=-1), 31), at=NOW
    )
    order.refresh_from_db()
    assert certificate.not_after == not_after
    assert order.expires_on == order.term_end == date(2027, 1, 1)


def test_reissue_is_due_from_the_partners_first_reissue_reminder_on(partner_a):
    """Thresholds 60/30: the 60-day reissue email goes out, so the staff button must agree."""
    partner_a.reissue_thresholds = [60, 30]
    partner_a.save()
    assert reissue_due(order_with_certificate_ending_in(partner_a, 60), at=NOW)
    assert not reissue_due(order_with_certificate_ending_in(partner_a, 61), at=NOW)


def test_reissue_window_ignores_thresholds_longer_than_the_certificate(partner_a):
    """A 10-day certificate only hears the 7- and 3-day reminders, and is reissued from 7 days on."""
    order = OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=date(2027, 6, 1))
    not_after = end_of_day(date(2026, 12, 9), partner_a.tzinfo)
    CertificateFactory(order=order, not_before=not_after - timedelta(days=10, seconds=-1), not_after=not_after)
    assert not reissue_due(order, at=NOW)  # 8 days left
    assert reissue_due(order, at=NOW + timedelta(days=1))  # 7 days left


def test_a_serial_recorded_meanwhile_for_another_order_is_refused_not_a_crash(partner_a, monkeypatch):
    """Two orders pasting the same serial at once: the unique index decides, with a clear message."""
    order = OrderFactory(
        customer=CustomerFactory(partner=partner_a),
        common_name="www.shop.example",
        term_end=date(2027, 12, 1),
        status=OrderStatus.AWAITING_ISSUANCE,
    )
    text = pem(["www.shop.example"], NOW, 100)
    serial = parse_pem(text).serial
    real_check = issuance.check_against_order

    def check_then_lose_the_race(parsed, order, *, at):
        real_check(parsed, order, at=at)
        CertificateFactory(serial=serial)  # the other paste commits between our check and our insert

    monkeypatch.setattr(issuance, "check_against_order", check_then_lose_the_race)
    with pytest.raises(CertificateRejected, match="serial number is recorded already"):
        record_issued_certificate(order=order, pem=text, at=NOW)
    assert not order.certificates.exists()
