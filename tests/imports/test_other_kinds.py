"""Customers, contacts and prices: created, updated, unchanged, refused, by their natural keys."""

from datetime import datetime
from decimal import Decimal

import openpyxl
import pytest

from imports.models import ColumnMapping
from partners.models import Contact, Customer
from renewals.models import PartnerPrice
from tests.factories import ContactFactory, CustomerFactory

from .helpers import csv_bytes, import_file, messages, outcomes, upload

pytestmark = pytest.mark.django_db


def test_customers_are_updated_by_account_number_and_blank_cells_keep_values(partner_a, admin_a):
    CustomerFactory(partner=partner_a, account_number="C-1", company_name="Old Name", time_zone="Asia/Tokyo")
    rows = [["Account Number", "Company Name", "Time Zone"], ["C-1", "New Name", ""], ["C-2", "Other", "Mars/Base"]]
    job = import_file(partner_a, admin_a, "customers", csv_bytes(rows))
    assert outcomes(job) == ["updated", "refused"]
    assert messages(job)[1] == "Time zone: “Mars/Base” is not a known time zone (such as Asia/Seoul)."
    customer = Customer.objects.get(account_number="C-1")
    assert (customer.company_name, customer.time_zone) == ("New Name", "Asia/Tokyo")


@pytest.mark.parametrize(
    ("kind", "rows", "key"),
    [
        ("customers", [["Account Number", "Company Name"], ["C-9", ""]], "C-9"),
        ("customers", [["Account Number", "Company Name"], ["", "Nameless Ltd"]], "Company name: Nameless Ltd"),
        ("contacts", [["Account Number", "Email"], ["C-1", "not-an-address"]], "C-1 not-an-address"),
        ("contacts", [["Account Number", "Email", "Name"], ["C-1", "", "Kim"]], "Customer account number: C-1"),
        ("prices", [["Product", "Validity", "Price"], ["Mystery SSL", "1", "10"]], "Product: Mystery SSL"),
    ],
)
def test_a_refused_row_of_any_kind_is_named_by_what_identifies_it(partner_a, admin_a, kind, rows, key):
    job = import_file(partner_a, admin_a, kind, csv_bytes(rows))
    refused = job.rows.get()
    assert (refused.row_number, refused.outcome, refused.key) == (2, "refused", key)


def test_a_renamed_customer_renames_its_orders_search_text(partner_a, admin_a):
    from tests.factories import OrderFactory

    order = OrderFactory(customer=CustomerFactory(partner=partner_a, account_number="C-1", company_name="Old"))
    import_file(partner_a, admin_a, "customers", csv_bytes([["Account Number", "Company"], ["C-1", "Brand New"]]))
    order.refresh_from_db()
    assert order.search_text.endswith("\nBRAND NEW")


def test_contacts_are_keyed_by_email_per_customer(partner_a, admin_a):
    customer = CustomerFactory(partner=partner_a, account_number="C-1")
    ContactFactory(customer=customer, email="kim@example.com", name="Kim")
    rows = [
        ["Account Number", "Email", "Contact Name"],
        ["C-1", "KIM@example.com", "Kim"],
        ["C-1", "lee@example.com", "Lee"],
        ["C-9", "park@example.com", "Park"],
        ["C-1", "not-an-email", "X"],
    ]
    job = import_file(partner_a, admin_a, "contacts", csv_bytes(rows))
    assert outcomes(job) == ["unchanged", "created", "refused", "refused"]
    assert messages(job)[2] == "No customer has the account number “C-9”: import customers first."
    assert messages(job)[3] == "Contact email: “not-an-email” is not an email address."
    assert Contact.objects.filter(customer=customer).count() == 2


def test_another_partners_customer_is_not_found_by_account_number(partner_a, partner_b, admin_a):
    CustomerFactory(partner=partner_b, account_number="C-1")
    job = import_file(partner_a, admin_a, "contacts", csv_bytes([["Account Number", "Email"], ["C-1", "a@b.example"]]))
    assert outcomes(job) == ["refused"]
    assert Contact.objects.count() == 0


def test_prices_are_set_in_the_partners_currency_and_checked(partner_a, admin_a, product):
    rows = [
        ["Product", "Plan", "Price"],
        ["secure-site-ov", "1", "490,000"],
        ["Secure Site OV", "2 years", "₩900,000"],
        ["Secure Site OV", "3", "12.50"],
        ["Secure Site OV", "4", "1"],
    ]
    job = import_file(partner_a, admin_a, "prices", csv_bytes(rows))
    assert outcomes(job) == ["created", "created", "refused", "refused"]
    assert messages(job)[2].startswith("Price: ")
    assert messages(job)[3] == "Plan (years): “4” is not a plan of 1 to 3 years."
    assert dict(PartnerPrice.objects.values_list("plan_years", "price")) == {1: Decimal("490000"), 2: Decimal("900000")}
    again = import_file(partner_a, admin_a, "prices", csv_bytes(rows[:3]))
    assert outcomes(again) == ["unchanged", "unchanged"]


def test_an_xlsx_file_with_date_cells_is_read(partner_a, admin_a, product, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Order #", "Common Name", "Product", "Organization", "Valid From", "Valid Till"])
    sheet.append(
        [5001, "www.xlsx.example", "Secure Site OV", "Xlsx Corp", datetime(2026, 5, 1), datetime(2027, 5, 1, 12, 0)]
    )
    path = tmp_path / "orders.xlsx"
    workbook.save(path)
    job = import_file(partner_a, admin_a, "orders", path.read_bytes(), "orders.xlsx")
    assert job.file_format == "xlsx"
    assert outcomes(job) == ["created"]
    from renewals.models import Order

    order = Order.objects.get(order_number="5001")
    assert (str(order.term_start), str(order.term_end)) == ("2026-05-01", "2027-05-01")


def test_the_mapping_is_remembered_for_the_partners_next_file(partner_a, partner_b, admin_a):
    rows = [["Kundennummer", "Firma"], ["C-1", "Acme"]]
    job = upload(partner_a, admin_a, "customers", csv_bytes(rows))
    assert job.mapping == {}
    import_file(
        partner_a,
        admin_a,
        "customers",
        csv_bytes(rows),
        mapping={"account_number": "Kundennummer", "company_name": "Firma"},
    )
    assert ColumnMapping.objects.get(partner=partner_a, kind="customers").mapping == {
        "account_number": "Kundennummer",
        "company_name": "Firma",
    }
    assert upload(partner_a, admin_a, "customers", csv_bytes(rows)).mapping == {
        "account_number": "Kundennummer",
        "company_name": "Firma",
    }
    assert upload(partner_b, admin_a, "customers", csv_bytes(rows)).mapping == {}


def test_a_semicolon_separated_file_is_read(partner_a, admin_a):
    content = b"Account Number;Company Name\nC-1;Acme, Inc.\n"
    job = import_file(partner_a, admin_a, "customers", content)
    assert outcomes(job) == ["created"]
    assert Customer.objects.get().company_name == "Acme, Inc."


def test_an_order_moved_to_another_customer_follows_it(partner_a, admin_a, product):
    from renewals.models import Order

    header = ["Order #", "Account Number", "Organization", "Common Name", "Product", "Valid Till"]
    import_file(
        partner_a,
        admin_a,
        "orders",
        csv_bytes([header, ["7001", "C-1", "First Co", "a.example", "Secure Site OV", "2027-05-01"]]),
    )
    job = import_file(
        partner_a,
        admin_a,
        "orders",
        csv_bytes([header, ["7001", "C-2", "Second Co", "a.example", "Secure Site OV", "2027-05-01"]]),
    )
    assert messages(job) == ["Changed: Company name; new customer Second Co"]
    order = Order.objects.get()
    assert order.customer.account_number == "C-2"
    assert order.search_text.endswith("\nSECOND CO")
