"""Certificate import: PEM files, bundles or a paste, each certificate parsed, matched to one of the
partner's orders (by serial, then by its names) or offered as a new order.

Parsing is ``renewals.issuance.parse_pem`` (the one home of what a certificate must be to be
recorded); this module adds what the preview shows besides (issuer, key type) and the matching.
Recording is idempotent: the serial is the natural key, and a certificate recorded already is left
alone.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renewals.issuance import CertificateRejected, attach_certificate, check_against_order, parse_pem
from renewals.models import Certificate, Order
from renewals.services import allocate_order_number
from renewals.validity import expiry_day

PEM_BLOCK = re.compile(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", re.DOTALL)
MAX_CERTIFICATES = 1000


@dataclass
class Found:
    """One certificate of the upload, what it is and what recording it would do."""

    source: str  # the file's name (or "pasted text")
    index: int  # the certificate's place in it, from 1
    line: int | None = None  # the line of the file where it begins, from 1
    pem: str = ""
    common_name: str = ""
    names: list = field(default_factory=list)
    serial: str = ""
    not_before: datetime | None = None
    not_after: datetime | None = None
    issuer: str = ""
    key_type: str = ""
    error: str = ""  # unreadable, or cannot be recorded (with the reason)
    recorded_on: Order | None = None  # recorded already, on this order
    match: Order | None = None  # would be attached to this order

    @property
    def is_new_order(self):
        return not self.error and self.recorded_on is None and self.match is None


def key_type(public_key) -> str:
    if isinstance(public_key, rsa.RSAPublicKey):
        return f"RSA {public_key.key_size}"
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return f"EC {public_key.curve.name}"
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(public_key, ed448.Ed448PublicKey):
        return "Ed448"
    if isinstance(public_key, dsa.DSAPublicKey):
        return f"DSA {public_key.key_size}"
    return type(public_key).__name__


def issuer_of(certificate) -> str:
    names = certificate.issuer.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    if names:
        return str(names[0].value)
    return certificate.issuer.rfc4514_string()


def split_blocks(texts):
    """``[(source, index, line, PEM block)]``; a text with no block at all is reported as one error
    (line None)."""
    blocks = []
    for source, text in texts:
        found = list(PEM_BLOCK.finditer(text))
        if not found:
            blocks.append((source, 1, None, ""))
        blocks.extend(
            (source, index, text.count("\n", 0, match.start()) + 1, match.group())
            for index, match in enumerate(found, start=1)
        )
    return blocks[:MAX_CERTIFICATES]


def describe(source, index, line, block) -> Found:
    found = Found(source=source, index=index, line=line, pem=block)
    if not block:
        found.error = _("No certificate found: a PEM certificate begins with -----BEGIN CERTIFICATE-----.")
        return found
    try:
        parsed = parse_pem(block)
    except CertificateRejected as rejected:
        found.error = str(rejected)
        return found
    certificate = x509.load_pem_x509_certificate(parsed.pem.encode())
    found.pem = parsed.pem
    found.common_name, found.names, found.serial = parsed.common_name, parsed.names, parsed.serial
    found.not_before, found.not_after = parsed.not_before, parsed.not_after
    found.issuer = issuer_of(certificate)
    try:
        found.key_type = key_type(certificate.public_key())
    except (ValueError, x509.UnsupportedGeneralNameType):
        found.key_type = "?"
    return found


def match(found: Found, partner, *, at) -> Found:
    """By serial (recorded already), then by names: the partner's live order for the certificate's
    common name or one of its names, the one whose term ends last."""
    if found.error:
        return found
    recorded = Certificate.objects.filter(serial=found.serial).select_related("order").first()
    if recorded is not None:
        if recorded.order.partner_id == partner.pk:
            found.recorded_on = recorded.order
        else:  # another partner's: say no more than that the serial is taken
            found.error = _("A certificate with this serial number is recorded already.")
        return found
    candidates = (
        Order.objects.for_partner(partner)
        .live()
        .filter(common_name__in=found.names)
        .select_related("customer__partner")
        .order_by("-term_end", "-id")
    )
    for order in candidates[:5]:
        try:
            check_against_order(_parsed(found), order, at=at)
        except CertificateRejected as rejected:
            found.error = found.error or _("Order %(order)s: %(reason)s") % {
                "order": order.order_number,
                "reason": rejected,
            }
            continue
        found.match, found.error = order, ""
        break
    if found.match is None and not found.error and found.not_after <= at:
        found.error = _("This certificate has already expired.")
    return found


def _parsed(found):
    from renewals.issuance import ParsedCertificate

    return ParsedCertificate(
        common_name=found.common_name,
        names=found.names,
        serial=found.serial,
        not_before=found.not_before,
        not_after=found.not_after,
        pem=found.pem,
    )


def preview(texts, partner, *, at) -> list:
    return [match(describe(*block), partner, at=at) for block in split_blocks(texts)]


def record(found: Found, partner, *, at, by_user=None, new_order=None) -> Order | None:
    """Record one previewed certificate: on its matching order, or on a new order (``new_order``:
    customer, product, plan years) whose term starts on the certificate's first day. Returns the order,
    or None when there was nothing to do (recorded already, or refused)."""
    if found.error or found.recorded_on is not None:
        return None
    try:
        with transaction.atomic():
            if found.match is not None:
                order = Order.objects.select_for_update().select_related("customer__partner").get(pk=found.match.pk)
            elif new_order is not None:
                order = create_order_for(found, partner, by_user=by_user, **new_order)
            else:
                return None
            check_against_order(_parsed(found), order, at=at)
            attach_certificate(
                order,
                common_name=found.common_name,
                names=found.names,
                serial=found.serial,
                not_before=found.not_before,
                not_after=found.not_after,
                pem=found.pem,
            )
            # The serving certificate changed: the reminder sweep looks at the order again at once.
            Order.objects.filter(pk=order.pk).update(next_reminder_at=timezone.now())
            return order
    except IntegrityError:
        found.error = _("A certificate with this serial number is recorded already.")
    except CertificateRejected as rejected:
        found.error = str(rejected)
    return None


def create_order_for(found, partner, *, customer, product, plan_years, by_user=None) -> Order:
    zone = customer.tzinfo
    term_start = found.not_before.astimezone(zone).date()
    term_end = max(term_start + relativedelta(years=plan_years, days=-1), expiry_day(found.not_after, zone))
    return Order.objects.create(
        partner=partner,
        customer=customer,
        product=product,
        order_number=allocate_order_number(partner.pk),
        common_name=found.common_name or found.names[0],
        sans=found.names,
        plan_years=plan_years,
        term_start=term_start,
        term_end=term_end,
        currency=partner.currency,
        created_by=by_user,
    )
