"""A pasted PEM that cannot be stored or read is rejected with the reason, never a 500.

Certificates the ``cryptography`` builder refuses to make (a serial of 40 octets, a repeated extension,
an end before the start) are made here by editing the DER of a real one: the portal never verifies the
CA's signature, so the edited bytes load like any certificate a careless or hostile CA could hand out.
"""

import warnings
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from renewals.issuance import MAX_NAME_LENGTH, MAX_SERIAL_DIGITS, CertificateRejected, record_issued_certificate
from renewals.models import Certificate, OrderStatus
from tests.factories import CustomerFactory, OrderFactory

pytestmark = [
    pytest.mark.django_db,
    # cryptography warns on the very faults these certificates carry (a 300-character name, a
    # negative serial); the portal rejects them, which is what these tests check.
    pytest.mark.filterwarnings("ignore::UserWarning:cryptography"),
    pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Attribute's length must be"),
]

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
NAME = "www.shop.example"
KEY = ec.generate_private_key(ec.SECP256R1())


# --- a little DER, enough to edit a certificate's serial, validity and extensions ---


def der_read(data, i=0):
    """(tag, value, index after) of the TLV at ``i``."""
    tag, length, j = data[i], data[i + 1], i + 2
    if length & 0x80:
        size = length & 0x7F
        length, j = int.from_bytes(data[j : j + size], "big"), j + size
    return tag, data[j : j + length], j + length


def der_children(value):
    parts, i = [], 0
    while i < len(value):
        start = i
        _tag, _value, i = der_read(value, i)
        parts.append(value[start:i])
    return parts


def der(tag, value):
    n = len(value)
    if n < 0x80:
        return bytes([tag, n]) + value
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + value


def certificate_pem(
    common_name=NAME,
    dns_names=(NAME,),
    *,
    serial=None,
    repeat_extensions=False,
    swap_validity=False,
    not_before=NOW,
    days=100,
):
    """A PEM certificate with any common name and DNS names (no length check), and optionally a
    serial of any size, its extensions repeated or its validity reversed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # on the faults asked for; some are built at collection
        return _certificate_pem(common_name, dns_names, serial, repeat_extensions, swap_validity, not_before, days)


def _certificate_pem(common_name, dns_names, serial, repeat_extensions, swap_validity, not_before, days):
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name, _validate=False)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Hostile CA")]))
        .public_key(KEY.public_key())
        .serial_number(7)
        .not_valid_before(not_before)
        .not_valid_after(not_before + timedelta(days=days))
    )
    if dns_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name) for name in dns_names]), critical=False
        )
    data = builder.sign(KEY, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    tbs, algorithm, signature = der_children(der_read(data)[1])
    # version, serial, signature algorithm, issuer, validity, subject, key, [3] extensions
    fields = der_children(der_read(tbs)[1])
    if serial is not None:
        fields[1] = der(0x02, serial.to_bytes(serial.bit_length() // 8 + 1, "big", signed=True))
    if swap_validity:
        start, end = der_children(der_read(fields[4])[1])
        fields[4] = der(0x30, end + start)
    if repeat_extensions:
        extensions = der_children(der_read(der_read(fields[7])[1])[1])
        fields[7] = der(0xA3, der(0x30, b"".join(extensions * 2)))
    edited = der(0x30, der(0x30, b"".join(fields)) + algorithm + signature)
    return x509.load_der_x509_certificate(edited).public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture
def awaiting(partner_a):
    return OrderFactory(
        customer=CustomerFactory(partner=partner_a),
        term_end=date(2027, 6, 1),
        common_name=NAME,
        sans=[NAME],
        status=OrderStatus.AWAITING_ISSUANCE,
    )


def test_the_pem_helper_makes_certificates_the_portal_accepts(awaiting):
    """The edits below are the only thing wrong with each rejected certificate."""
    certificate = record_issued_certificate(order=awaiting, pem=certificate_pem(serial=2**100), at=NOW)
    assert certificate.serial == f"{2**100:x}"


@pytest.mark.parametrize(
    ("bad_pem", "reason"),
    [
        (certificate_pem(common_name="a" * (MAX_NAME_LENGTH + 1), dns_names=[NAME]), "longer than 255 characters"),
        (certificate_pem(dns_names=[NAME, "b" * 300 + ".example"]), "longer than 255 characters"),
        (certificate_pem(serial=2**320), "serial number of this certificate is not valid"),
        (certificate_pem(serial=-5), "serial number of this certificate is not valid"),
        (certificate_pem(repeat_extensions=True), "repeated or malformed"),
        (certificate_pem(dns_names=[NAME, "evil\x00.example"]), "characters a host name cannot have"),
        (certificate_pem(common_name=f"{NAME}\x00"), "characters a host name cannot have"),
        (certificate_pem(swap_validity=True), "ends before it starts"),
    ],
    ids=[
        "common-name-over-the-column",
        "san-over-the-column",
        "serial-over-the-column",
        "negative-serial",
        "repeated-extension",
        "nul-in-a-san",
        "nul-in-the-common-name",
        "ends-before-it-starts",
    ],
)
def test_a_certificate_the_columns_cannot_hold_is_rejected_with_the_reason(awaiting, bad_pem, reason):
    with pytest.raises(CertificateRejected, match=reason):
        record_issued_certificate(order=awaiting, pem=bad_pem, at=NOW)
    awaiting.refresh_from_db()
    assert awaiting.status == OrderStatus.AWAITING_ISSUANCE
    assert not Certificate.objects.exists()


def test_the_limits_are_the_columns():
    assert MAX_NAME_LENGTH == Certificate._meta.get_field("common_name").max_length == 255
    assert MAX_SERIAL_DIGITS == Certificate._meta.get_field("serial").max_length == 64


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    "bad_pem",
    [
        certificate_pem(common_name="a" * 300, dns_names=[NAME]),
        certificate_pem(serial=2**320),
        certificate_pem(repeat_extensions=True),
        certificate_pem(swap_validity=True),
    ],
    ids=["long-common-name", "long-serial", "repeated-extension", "ends-before-it-starts"],
)
def test_recording_such_a_certificate_on_the_quick_view_answers_400_with_the_form(client, sales_a, awaiting, bad_pem):
    client.force_login(sales_a)
    response = client.post(reverse("order-certificate", args=[awaiting.order_number]), {"pem": bad_pem})
    assert response.status_code == 400
    assert response.context["pem_form"].errors["pem"]
    assert not Certificate.objects.exists()


names = st.text(st.characters(codec="ascii"), max_size=300)


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    common_name=names,
    extra_names=st.lists(names, max_size=3),
    serial=st.integers(min_value=-(2**300), max_value=2**300),
    repeat_extensions=st.booleans(),
    swap_validity=st.booleans(),
    days=st.integers(min_value=1, max_value=400),
)
@example(common_name="a" * 256, extra_names=[NAME], serial=1, repeat_extensions=False, swap_validity=False, days=10)
def test_any_pasted_certificate_is_recorded_or_rejected_never_an_error(
    awaiting, common_name, extra_names, serial, repeat_extensions, swap_validity, days
):
    pem = certificate_pem(
        common_name,
        [NAME, *extra_names],
        serial=serial,
        repeat_extensions=repeat_extensions,
        swap_validity=swap_validity,
        days=days,
    )
    savepoint = transaction.savepoint()
    try:
        record_issued_certificate(order=awaiting, pem=pem, at=NOW)
    except CertificateRejected:
        pass
    finally:
        transaction.savepoint_rollback(savepoint)
