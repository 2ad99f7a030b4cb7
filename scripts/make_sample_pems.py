#!/usr/bin/env python3
"""Write the import samples of ``docs/samples/``: a CertCentral order export, a price list, and the
folder of PEM certificates "found on the customers' servers" that goes with the export.

One script writes the three because they must agree: the certificates carry the export's names (and,
for one, its serial), and every date is counted from one day so that the orders fall in each of the
dashboard's windows on that day. The certificates are real X.509, self-signed with a fresh key
(``cryptography``); they are samples, trusted by nothing.

    .venv/bin/python scripts/make_sample_pems.py                 # docs/samples/, dated from today (Seoul)
    .venv/bin/python scripts/make_sample_pems.py --today 2027-01-15 --out /tmp/samples

The committed files were written on the day ``docs/samples/README.md`` names; as time passes their
orders slide towards "expired" and their certificates expire. Run this again to move them to today.
The browser test of issue 16 (``tests/browser/test_import_and_api.py``) writes a fresh set for the
day it runs.
"""

import argparse
import csv
import hashlib
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from dateutil.relativedelta import relativedelta

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from renewals.validity import end_of_day, max_certificate_days, start_of_day  # noqa: E402  (pure functions)

ZONE = ZoneInfo("Asia/Seoul")
EXPORT = "certcentral-export.csv"
PRICES = "price-list.csv"
PEM_FOLDER = "pem"
# CertCentral's order export, as the import recognises it ("Certificate ID" and "Signature Hash"
# are there too: columns the import has no use for are left alone).
EXPORT_COLUMNS = [
    "Order #",
    "Certificate ID",
    "Common Name",
    "SANs",
    "Organization",
    "Product",
    "Validity",
    "Order Valid From",
    "Order Valid Till",
    "Valid From",
    "Valid Till",
    "Serial Number",
    "Signature Hash",
    "Status",
    "Requested By",
    "Email",
]
ORGANIZATIONS = {
    "aurora": ("Aurora Trading Co.", "Jane Park", "it@aurora-trading.example"),
    "harbor": ("Blue Harbor Logistics", "Sam Lee", "ops@blueharbor.example"),
    "cheongsol": ("청솔식품", "김민준", "admin@cheongsol.example"),
    "hanbit": ("한빛상사", "이서연", "webmaster@hanbit-trading.example"),
    "mirae": ("Mirae Clinic", "Dr. Choi", "infra@mirae-clinic.example"),
}


@dataclass(frozen=True)
class Row:
    """One order of the export. Days are counted from the sample's day: ``term_end`` the term's last
    day; ``certificate_end`` the current certificate's last day (None: it lasts the term)."""

    number: str
    host: str
    organization: str
    product: str
    plan_years: int
    term_end: int
    certificate_end: int | None = None
    status: str = "Issued"

    @property
    def common_name(self):
        return f"www.{self.host}"


ROWS = [
    Row("1100201", "aurora-trading.example", "aurora", "Secure Site OV", 1, -3),  # expired 3 days ago
    Row("1100202", "aurora-legacy.example", "aurora", "Basic OV", 1, -40),  # lapsed long ago: only in "all"
    Row("1100203", "blueharbor.example", "harbor", "Secure Site Pro EV", 1, 0),  # expires today
    Row("1100204", "shop.aurora-trading.example", "aurora", "Secure Site OV", 1, 150, certificate_end=5),
    Row("1100205", "tracking.blueharbor.example", "harbor", "Basic OV", 1, 6),
    Row("1100206", "cheongsol.example", "cheongsol", "Secure Site OV", 1, 12),
    Row("1100207", "order.cheongsol.example", "cheongsol", "Secure Site OV", 1, 20),  # renewed by the API script
    Row("1100208", "hanbit-trading.example", "hanbit", "Secure Site EV", 2, 390, certificate_end=25),
    Row("1100209", "mail.hanbit-trading.example", "hanbit", "Standard DV", 1, 29),
    Row("1100210", "mirae-clinic.example", "mirae", "Secure Site OV", 1, 35),
    Row("1100211", "booking.mirae-clinic.example", "mirae", "Basic OV", 1, 47),
    Row("1100212", "portal.blueharbor.example", "harbor", "Secure Site Pro EV", 2, 423, certificate_end=58),
    Row("1100213", "api.aurora-trading.example", "aurora", "Standard DV", 1, 64),
    Row("1100214", "recipes.cheongsol.example", "cheongsol", "Basic OV", 1, 88),
    Row("1100215", "b2b.hanbit-trading.example", "hanbit", "Secure Site OV", 1, 120),
    Row("1100216", "pay.blueharbor.example", "harbor", "Secure Site Pro EV", 2, 180),
    Row("1100217", "lab.mirae-clinic.example", "mirae", "Secure Site OV", 1, 300, certificate_end=190),
    Row("1100218", "old.hanbit-trading.example", "hanbit", "Basic OV", 1, 45, status="Revoked"),
    Row("1100219", "store.cheongsol.example", "cheongsol", "Standard DV", 1, 15),
    Row("1100220", "careers.hanbit-trading.example", "hanbit", "Basic OV", 1, 75),
]

# The partner's prices (KRW) for the products the export sells, per plan length.
PRICE_LIST = [
    ("Secure Site OV", 1, 590000),
    ("Secure Site OV", 2, 1120000),
    ("Secure Site OV", 3, 1590000),
    ("Secure Site EV", 1, 890000),
    ("Secure Site EV", 2, 1690000),
    ("Secure Site Pro EV", 1, 1390000),
    ("Secure Site Pro EV", 2, 2640000),
    ("Basic OV", 1, 290000),
    ("Basic OV", 2, 550000),
    ("Standard DV", 1, 99000),
]


@dataclass(frozen=True)
class Pem:
    """A certificate on a server. ``serial_of``: carry that order's serial from the export (the same
    certificate); else a serial of its own. Days are counted from the sample's day."""

    file: str
    names: tuple
    first_day: int
    last_day: int
    serial_of: str | None = None
    key: str = "ec"
    why: str = ""


PEMS = [
    Pem(
        "shop.aurora-trading.example.pem",
        ("www.shop.aurora-trading.example", "shop.aurora-trading.example"),
        -3,
        145,
        key="rsa",
        why="reissued since the export: matched by name, moves order 1100204 from the 7-day window to later",
    ),
    Pem(
        "portal.blueharbor.example.pem",
        ("www.portal.blueharbor.example",),
        -1,
        80,
        why="reissued since the export: matched by name, moves order 1100212 from the 60-day window to 90",
    ),
    Pem(
        "order.cheongsol.example.pem",
        ("www.order.cheongsol.example", "order.cheongsol.example"),
        None,
        None,
        serial_of="1100207",
        why="the certificate the export lists (same serial): recorded already, left alone",
    ),
    Pem(
        "intranet.mirae-clinic.example.pem",
        ("intranet.mirae-clinic.example",),
        -10,
        150,
        key="rsa",
        why="no order has this name: offered as a new order",
    ),
    Pem(
        "aurora-legacy.example.pem",
        ("www.aurora-legacy.example",),
        -240,
        -41,
        why="an old certificate of order 1100202, expired: refused with the reason",
    ),
]


def serial_of(number: str) -> str:
    """The export's serial of an order's certificate, as CertCentral prints it (upper-case hex)."""
    return hashlib.sha256(f"sample-certificate-{number}".encode()).hexdigest()[:32].upper()


def cap_days(first_day: date) -> int:
    """SC-081's cap for a certificate valid from 00:00 of ``first_day`` in Seoul (the day before in UTC)."""
    return max_certificate_days(start_of_day(first_day, ZONE).astimezone(UTC).date())


def certificate_dates(row: Row, today: date):
    """(first day, last day) of the order's current certificate: it ends on ``certificate_end`` (or the
    term's end) and lasts as long as the cap in force on its first day allows (200 days in 2026), within
    the term. One that would have to start after ``today`` (a shorter cap) starts today and ends when
    its cap does: the order then needs a reissue before its term ends, as such orders do."""
    last = today + timedelta(days=row.term_end if row.certificate_end is None else row.certificate_end)
    first = last - timedelta(days=199)
    while (last - first).days + 1 > cap_days(first):
        first = last - timedelta(days=cap_days(first) - 1)
    if first > today:
        first, last = today, min(last, today + timedelta(days=cap_days(today) - 1))
    return max(first, term_dates(row, today)[0]), last


def term_dates(row: Row, today: date):
    last = today + timedelta(days=row.term_end)
    return last - relativedelta(years=row.plan_years) + timedelta(days=1), last


def export_rows(today: date):
    for row in ROWS:
        term_start, term_end = term_dates(row, today)
        first, last = certificate_dates(row, today)
        organization, person, email = ORGANIZATIONS[row.organization]
        yield {
            "Order #": row.number,
            "Certificate ID": str(int(row.number) + 5_200_000),
            "Common Name": row.common_name,
            "SANs": f"{row.common_name}, {row.host}",
            "Organization": organization,
            "Product": row.product,
            "Validity": f"{row.plan_years} year" + ("s" if row.plan_years > 1 else ""),
            "Order Valid From": term_start.isoformat(),
            "Order Valid Till": term_end.isoformat(),
            "Valid From": first.isoformat(),
            "Valid Till": last.isoformat(),
            "Serial Number": serial_of(row.number),
            "Signature Hash": "sha256WithRSAEncryption",
            "Status": row.status,
            "Requested By": person,
            "Email": email,
        }


def self_signed(names, not_before, not_after, serial, key_kind):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048) if key_kind == "rsa" else None
    key = key or ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Sample certificate (self-signed)"),
            x509.NameAttribute(NameOID.COMMON_NAME, names[0]),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(not_before.astimezone(UTC))
        .not_valid_after(not_after.astimezone(UTC))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name) for name in names]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


def pem_certificates(today: date):
    """``[(file name, PEM bytes, Pem)]``: each certificate from 00:00 of its first day to 23:59:59 of
    its last, in Seoul (as the import records an export's dates)."""
    rows = {row.number: row for row in ROWS}
    written = []
    for pem in PEMS:
        if pem.serial_of:
            first, last = certificate_dates(rows[pem.serial_of], today)
            serial = int(serial_of(pem.serial_of), 16)
        else:
            first, last = today + timedelta(days=pem.first_day), today + timedelta(days=pem.last_day)
            last = min(last, first + timedelta(days=cap_days(first) - 1))
            serial = int(hashlib.sha256(f"sample-pem-{pem.file}".encode()).hexdigest()[:32], 16) | 1
        body = self_signed(pem.names, start_of_day(first, ZONE), end_of_day(last, ZONE), serial, pem.key)
        written.append((pem.file, body, pem))
    return written


def write_samples(out: Path, today: date) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with open(out / EXPORT, "w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=EXPORT_COLUMNS)
        writer.writeheader()
        writer.writerows(export_rows(today))
    with open(out / PRICES, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["Product", "Years", "Partner Price"])
        writer.writerows(PRICE_LIST)
    folder = out / PEM_FOLDER
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.pem"):
        old.unlink()
    for name, body, _pem in pem_certificates(today):
        (folder / name).write_bytes(body)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "samples")
    parser.add_argument(
        "--today", type=date.fromisoformat, default=None, help="the day the dates count from (default: today in Seoul)"
    )
    args = parser.parse_args(argv)
    today = args.today or datetime.now(ZONE).date()
    write_samples(args.out, today)
    print(f"Wrote {args.out / EXPORT}, {args.out / PRICES} and {len(PEMS)} certificates in {args.out / PEM_FOLDER}/")
    print(f"Dated from {today.isoformat()}")


if __name__ == "__main__":
    main()
