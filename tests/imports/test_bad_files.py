"""Files that cannot be imported get a clear message, and no job."""

import codecs
import io
import zipfile

import pytest

from imports.models import ImportJob
from imports.reading import FileRejected
from imports.services import set_mapping
from partners.models import Customer

from .helpers import csv_bytes, import_file, upload

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

CUSTOMERS = [["Account Number", "Company Name"], ["C-1", "한빛상사"], ["C-2", "서울보안"]]


def rejected(partner, user, content, name="file.csv", kind="customers"):
    with pytest.raises(FileRejected) as error:
        upload(partner, user, kind, content, name)
    assert ImportJob.objects.count() == 0
    return str(error.value)


def test_an_euc_kr_file_is_detected_and_read(partner_a, admin_a):
    job = import_file(partner_a, admin_a, "customers", csv_bytes(CUSTOMERS, "euc-kr"))
    assert job.encoding == "cp949"
    assert sorted(Customer.objects.values_list("company_name", flat=True)) == ["서울보안", "한빛상사"]


def test_a_cp949_only_hangul_syllable_is_read_too(partner_a, admin_a):
    """똠 is not in EUC-KR's 2,350 syllables; Korean Windows writes it in CP949."""
    job = import_file(
        partner_a, admin_a, "customers", csv_bytes([["Account Number", "Company"], ["C-1", "똠방각하"]], "cp949")
    )
    assert job.created_count == 1
    assert Customer.objects.get().company_name == "똠방각하"


def test_a_utf8_file_with_a_byte_order_mark_is_read(partner_a, admin_a):
    job = import_file(partner_a, admin_a, "customers", codecs.BOM_UTF8 + csv_bytes(CUSTOMERS))
    assert job.encoding == "utf-8-sig"
    assert job.mapping == {"account_number": "Account Number", "company_name": "Company Name"}


def test_a_utf16_file_from_excel_is_read(partner_a, admin_a):
    content = "Account Number\tCompany Name\r\nC-1\t한빛상사\r\n".encode("utf-16")
    job = import_file(partner_a, admin_a, "customers", content, "unicode.txt")
    assert job.created_count == 1


def test_an_unknown_encoding_is_refused_with_advice(partner_a, admin_a):
    content = "Account Number,Company Name\nC-1,Caf\xe9 \xab\xbb\xe9\n".encode("latin-1")
    assert "neither UTF-8 nor Korean EUC-KR (CP949)" in rejected(partner_a, admin_a, content)


def test_a_file_that_is_not_a_csv_is_refused(partner_a, admin_a):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"
    assert rejected(partner_a, admin_a, png, "logo.csv") == (
        "This file is not a CSV or XLSX spreadsheet (it holds binary data)."
    )


def test_an_old_xls_file_is_refused_with_what_to_do(partner_a, admin_a):
    content = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100
    assert ".xlsx" in rejected(partner_a, admin_a, content, "old.xls")


def test_a_zip_that_is_not_a_workbook_is_refused(partner_a, admin_a):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert rejected(partner_a, admin_a, buffer.getvalue(), "x.xlsx") == (
        "This file is a ZIP archive, not a CSV or XLSX spreadsheet."
    )


def test_an_empty_file_is_refused(partner_a, admin_a):
    assert rejected(partner_a, admin_a, b"  \n") == "The file is empty."


def test_repeated_column_names_are_refused(partner_a, admin_a):
    assert rejected(partner_a, admin_a, csv_bytes([["Email", "Email"], ["a", "b"]])) == (
        "Some columns have the same name: Email."
    )


def test_missing_required_columns_are_named(partner_a, admin_a):
    job = upload(partner_a, admin_a, "customers", csv_bytes([["Company Name"], ["Acme"]]))
    with pytest.raises(FileRejected) as error:
        set_mapping(job=job, mapping=job.mapping)
    assert str(error.value) == "Missing columns: Customer account number."


def test_an_orders_file_needs_a_customer_column(partner_a, admin_a):
    job = upload(
        partner_a,
        admin_a,
        "orders",
        csv_bytes([["Order #", "Common Name", "Product", "Valid Till"], ["1", "a", "b", "2027-01-01"]]),
    )
    with pytest.raises(FileRejected) as error:
        set_mapping(job=job, mapping=job.mapping)
    assert str(error.value) == "Missing columns: Customer account number or company name."


def test_a_mapping_naming_a_column_not_in_the_file_is_dropped(partner_a, admin_a):
    job = upload(partner_a, admin_a, "customers", csv_bytes(CUSTOMERS))
    with pytest.raises(FileRejected):
        set_mapping(job=job, mapping={"account_number": "Nope", "company_name": "Company Name"})
