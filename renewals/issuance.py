"""Issuing certificates: a small backend interface chosen by ``RENEWALS_ISSUANCE_BACKEND``.

``SimulatedCA`` issues at once (demo and tests) and records a real, self-signed X.509 certificate whose
dates obey the cap. ``ManualIssuance`` leaves the order awaiting issuance until staff paste the PEM the
CA issued, which ``record_issued_certificate`` checks against the order.
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .models import Certificate, Order, OrderStatus
from .validity import certificate_validity, lifetime_allowed, max_certificate_days, within_term


class CertificateRejected(Exception):
    """A pasted certificate that cannot serve the order; the message says why, for staff."""


def attach_certificate(order, *, common_name, names, serial, not_before, not_after, pem) -> Certificate:
    """Record an issued certificate: the order is active again and expires when it does."""
    certificate = Certificate.objects.create(
        order=order,
        common_name=common_name,
        sans=names,
        serial=serial,
        not_before=not_before,
        not_after=not_after,
        pem=pem,
    )
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.ACTIVE)
    order.status = OrderStatus.ACTIVE
    order.refresh_expiry()
    return certificate


class SimulatedCA:
    """Issues immediately with a throwaway key: the certificate is real X.509, but self-signed."""

    def request_issuance(self, order: Order, *, at: datetime) -> Certificate:
        validity = certificate_validity(issued_at=at, term_end=order.term_end, zone=order.customer.tzinfo)
        pem, serial = self.sign(order.names, validity.not_before, validity.not_after)
        return attach_certificate(
            order,
            common_name=order.common_name,
            names=order.names,
            serial=serial,
            not_before=validity.not_before,
            not_after=validity.not_after,
            pem=pem,
        )

    @staticmethod
    def sign(names, not_before, not_after):
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
        serial = secrets.randbits(127) | 1
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Renewal Portal Simulated CA")]))
            .public_key(key.public_key())
            .serial_number(serial)
            .not_valid_before(not_before.replace(microsecond=0))
            .not_valid_after(not_after.replace(microsecond=0))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name) for name in names]), critical=False)
            .sign(key, hashes.SHA256())
        )
        return certificate.public_bytes(serialization.Encoding.PEM).decode(), f"{serial:x}"


class ManualIssuance:
    """The order waits until staff record the certificate the CA issued."""

    def request_issuance(self, order: Order, *, at: datetime) -> None:
        Order.objects.filter(pk=order.pk).update(status=OrderStatus.AWAITING_ISSUANCE)
        order.status = OrderStatus.AWAITING_ISSUANCE


def issuance_backend():
    return import_string(settings.RENEWALS_ISSUANCE_BACKEND)()


@dataclass(frozen=True)
class ParsedCertificate:
    common_name: str
    names: list
    serial: str
    not_before: datetime
    not_after: datetime
    pem: str


# What a pasted certificate must fit: the columns it is stored in. Every name (the common name and
# each DNS name) fits the common-name column (DNS names are at most 253 characters anyway); the serial,
# as hexadecimal, fits its column (RFC 5280 allows 20 octets, 40 digits).
MAX_NAME_LENGTH = Certificate._meta.get_field("common_name").max_length
MAX_SERIAL_DIGITS = Certificate._meta.get_field("serial").max_length
# Reading the subject or the extensions raises these on a certificate that repeats an extension or
# encodes one wrongly.
UNREADABLE_EXTENSIONS = (ValueError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType)


def _is_printable_name(name) -> bool:
    """Text without control characters (NUL cannot even be stored in PostgreSQL)."""
    return isinstance(name, str) and not any(ord(char) < 0x20 or ord(char) == 0x7F for char in name)


def parse_pem(pem: str) -> ParsedCertificate:
    """The facts of a pasted certificate, or CertificateRejected with the reason: a paste that is
    not a certificate, cannot be read, or holds a name or serial the columns cannot store."""
    try:
        certificate = x509.load_pem_x509_certificate(pem.strip().encode())
    except ValueError:
        raise CertificateRejected(
            _("This is not a PEM certificate (it should begin with -----BEGIN CERTIFICATE-----).")
        ) from None
    try:
        common_names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        common_name = common_names[0].value if common_names else ""
        try:
            names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            sans = names.get_values_for_type(x509.DNSName)
        except x509.ExtensionNotFound:
            sans = []
        not_before, not_after = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    except UNREADABLE_EXTENSIONS:
        raise CertificateRejected(
            _("This certificate cannot be read: an extension or a name in it is repeated or malformed.")
        ) from None
    if not all(_is_printable_name(name) for name in [common_name, *sans]):
        raise CertificateRejected(_("A name in this certificate contains characters a host name cannot have."))
    if any(len(name) > MAX_NAME_LENGTH for name in [common_name, *sans]):
        raise CertificateRejected(
            _("A name in this certificate is longer than %(limit)d characters.") % {"limit": MAX_NAME_LENGTH}
        )
    serial = f"{certificate.serial_number:x}"
    if certificate.serial_number <= 0 or len(serial) > MAX_SERIAL_DIGITS:
        raise CertificateRejected(
            _(
                "The serial number of this certificate is not valid: it must be positive, with at most %(limit)d hexadecimal digits."
            )
            % {"limit": MAX_SERIAL_DIGITS}
        )
    if not_after <= not_before:
        raise CertificateRejected(_("This certificate ends before it starts."))
    return ParsedCertificate(
        common_name=common_name,
        names=[common_name, *[name for name in sans if name != common_name]] if common_name else sans,
        serial=serial,
        not_before=not_before,
        not_after=not_after,
        pem=certificate.public_bytes(serialization.Encoding.PEM).decode(),
    )


def check_against_order(parsed: ParsedCertificate, order: Order, *, at: datetime):
    """Every reason a certificate cannot serve this order, as a CertificateRejected."""
    if parsed.not_after <= at:
        raise CertificateRejected(_("This certificate has already expired."))
    if order.common_name not in parsed.names:
        raise CertificateRejected(
            _("This certificate is for %(names)s, not for %(name)s.")
            % {"names": ", ".join(parsed.names) or "?", "name": order.common_name}
        )
    if not lifetime_allowed(not_before=parsed.not_before, not_after=parsed.not_after):
        raise CertificateRejected(
            _("This certificate is valid for longer than the %(days)d days allowed for one issued on that date.")
            % {"days": max_certificate_days(parsed.not_before.astimezone(UTC).date())}
        )
    if not within_term(not_after=parsed.not_after, term_end=order.term_end, zone=order.customer.tzinfo):
        raise CertificateRejected(_("This certificate ends after the paid term of the order."))
    if Certificate.objects.filter(serial=parsed.serial).exists():
        raise CertificateRejected(_("A certificate with this serial number is recorded already."))


def record_issued_certificate(*, order: Order, pem: str, at: datetime) -> Certificate:
    """Record the certificate the CA issued for an order awaiting issuance (manual backend)."""
    parsed = parse_pem(pem)
    try:
        with transaction.atomic():
            order = Order.objects.select_for_update().select_related("customer__partner").get(pk=order.pk)
            if order.status != OrderStatus.AWAITING_ISSUANCE:
                raise CertificateRejected(_("This order is not awaiting a certificate."))
            check_against_order(parsed, order, at=at)
            return attach_certificate(
                order,
                common_name=parsed.common_name,
                names=parsed.names,
                serial=parsed.serial,
                not_before=parsed.not_before,
                not_after=parsed.not_after,
                pem=parsed.pem,
            )
    except IntegrityError:
        # The same serial pasted for another order at the same moment: the unique index is the last word.
        raise CertificateRejected(_("A certificate with this serial number is recorded already.")) from None
