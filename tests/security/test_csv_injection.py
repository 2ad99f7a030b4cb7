"""Spreadsheet formula injection in the CSV downloads: text a partner's staff or an imported file
put in (a variant label, a customer's name) starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return; the CSV cell gets a leading apostrophe so a spreadsheet shows it as text.
(Security review, regression coverage.)"""

import csv
import io
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from tests.factories import CertificateFactory, CustomerFactory, OrderFactory
from tests.imports.helpers import csv_bytes
from tests.offers.factories import OfferFactory

pytestmark = pytest.mark.django_db

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def cells(response):
    text = b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def assert_neutralised(all_cells, formula):
    matching = [cell for cell in all_cells if formula.lstrip("\t\r") in cell]
    assert matching, formula
    for cell in matching:
        assert cell.startswith("'"), cell


@time_machine.travel("2026-11-29T03:00:00Z", tick=False)
@pytest.mark.parametrize("formula", FORMULAS)
def test_a_variant_label_that_is_a_formula_is_text_in_the_reports_csv(client, sales_a, partner_a, formula):
    offer = OfferFactory(partner=partner_a, amounts=["0", "10"])
    offer.variants.filter(discount_percent=10).update(label=formula)
    client.force_login(sales_a)
    response = client.get(reverse("reports"), {"format": "csv", "chart": f"offer-{offer.pk}"})
    assert response.status_code == 200
    assert_neutralised(cells(response), formula)


@pytest.mark.parametrize("formula", FORMULAS)
def test_a_customer_name_that_is_a_formula_is_text_in_the_expiring_csv(client, sales_a, partner_a, formula):
    order = OrderFactory(
        customer=CustomerFactory(partner=partner_a, company_name=formula), term_end=date.today() + timedelta(days=20)
    )
    CertificateFactory(order=order)
    client.force_login(sales_a)
    response = client.get(reverse("expiring"), {"format": "csv"})
    assert response.status_code == 200
    assert_neutralised(cells(response), formula)


def test_an_imported_customer_name_that_is_a_formula_is_text_in_the_expiring_csv(client, admin_a, partner_a):
    from tests.imports.helpers import import_file

    formula = '=HYPERLINK("http://evil.example","x")'
    import_file(partner_a, admin_a, "customers", csv_bytes([["Account Number", "Company"], ["C-1", formula]]))
    customer = partner_a.customers.get(account_number="C-1")
    assert customer.company_name == formula  # stored as given; neutralised on the way out
    order = OrderFactory(customer=customer, term_end=date.today() + timedelta(days=20))
    CertificateFactory(order=order)
    client.force_login(admin_a)
    assert_neutralised(cells(client.get(reverse("expiring"), {"format": "csv"})), formula)
