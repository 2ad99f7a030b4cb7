"""The samples in ``docs/samples/`` (written by ``scripts/make_sample_pems.py``): the CertCentral
export's columns are all recognised out of the box and every row imports; the price list imports;
each PEM is a certificate the portal reads, for names of the export's orders (or, for the new-order
case, of none), and the one said to be the export's own carries its serial."""

import csv
import importlib.util
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from demo.seeding import seed_products
from imports.fields import parse_serial
from renewals.issuance import parse_pem
from renewals.validity import end_of_day, lifetime_allowed, start_of_day

from .helpers import outcomes, run, upload

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "docs" / "samples"
SCRIPT = ROOT / "scripts" / "make_sample_pems.py"
SEOUL = ZoneInfo("Asia/Seoul")


def export_rows():
    with open(SAMPLES / "certcentral-export.csv", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def test_every_field_of_an_order_finds_its_column_in_the_certcentral_export(partner_a, admin_a):
    seed_products()
    job = upload(partner_a, admin_a, "orders", (SAMPLES / "certcentral-export.csv").read_bytes())
    assert set(job.mapping) == {
        "order_number", "company_name", "product", "common_name", "sans", "plan_years", "term_start", "term_end",
        "valid_from", "valid_till", "status", "serial", "email", "contact_name",
    }  # fmt: skip
    job = run(job, dry_run=True)
    assert outcomes(job) == ["created"] * 20


def test_the_sample_price_list_imports(partner_a, admin_a):
    seed_products()
    job = run(upload(partner_a, admin_a, "prices", (SAMPLES / "price-list.csv").read_bytes()), dry_run=True)
    assert outcomes(job) == ["created"] * 10


def test_the_sample_certificates_are_for_the_exports_orders():
    rows = export_rows()
    names = {row["Common Name"]: row for row in rows}
    certificates = {path.name: parse_pem(path.read_text()) for path in sorted((SAMPLES / "pem").glob("*.pem"))}
    assert len(certificates) == 5
    matched = {name: cert for name, cert in certificates.items() if set(cert.names) & set(names)}
    assert set(certificates) - set(matched) == {"intranet.mirae-clinic.example.pem"}
    copy = certificates["order.cheongsol.example.pem"]
    assert copy.serial == parse_serial(names["www.order.cheongsol.example"]["Serial Number"], "serial")
    exported = {parse_serial(row["Serial Number"], "serial") for row in rows}
    assert [name for name, cert in certificates.items() if cert.serial in exported] == ["order.cheongsol.example.pem"]


def load_script():
    spec = importlib.util.spec_from_file_location("make_sample_pems", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("today", [date(2026, 11, 29), date(2027, 6, 1), date(2029, 6, 1)])
def test_the_sample_certificates_obey_the_lifetime_cap_in_force_whenever_they_are_written(tmp_path, today):
    """SC-081's caps shrink in 2027 and 2029: a set written then must still import (the export's
    certificates as long as the cap allows, the servers' ones within it and within their order's term)."""
    script = load_script()
    script.write_samples(tmp_path, today)
    with open(tmp_path / script.EXPORT, encoding="utf-8") as stream:
        rows = {row["Common Name"]: row for row in csv.DictReader(stream)}
    for row in rows.values():
        first = start_of_day(date.fromisoformat(row["Valid From"]), SEOUL)
        assert lifetime_allowed(not_before=first, not_after=end_of_day(date.fromisoformat(row["Valid Till"]), SEOUL))
        assert date.fromisoformat(row["Valid From"]) <= today  # the certificate serving the order now
    for path in (tmp_path / script.PEM_FOLDER).glob("*.pem"):
        certificate = parse_pem(path.read_text())
        assert lifetime_allowed(not_before=certificate.not_before, not_after=certificate.not_after), path.name
        order = next((rows[name] for name in certificate.names if name in rows), None)
        if order is not None:
            assert certificate.not_after <= end_of_day(date.fromisoformat(order["Order Valid Till"]), SEOUL)
