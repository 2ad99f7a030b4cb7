"""Importing a CertCentral order export: orders, their customers and contacts, idempotently."""

from datetime import date

import pytest

from imports.models import ImportStatus
from imports.services import claim, run_phase
from partners.models import Contact, Customer
from renewals.issuance import attach_certificate
from renewals.models import Order, OrderStatus
from renewals.validity import end_of_day, start_of_day

from .helpers import CERTCENTRAL_HEADER, certcentral_row, csv_bytes, import_file, messages, outcomes, run, upload

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


def export(*rows):
    return csv_bytes([CERTCENTRAL_HEADER, *rows])


def test_a_certcentral_export_creates_orders_customers_and_contacts(partner_a, admin_a, product):
    job = import_file(partner_a, admin_a, "orders", export(certcentral_row(1001), certcentral_row(1002)))
    assert job.status == ImportStatus.DONE
    assert (job.created_count, job.refused_count) == (2, 0)
    order = Order.objects.for_partner(partner_a).get(order_number="1001")
    assert order.common_name == "www.site1001.example"
    assert order.sans == ["www.site1001.example", "site1001.example"]
    assert order.expires_on == order.term_end == date(2027, 6, 1)
    assert order.term_start == date(2026, 6, 1)
    assert order.plan_years == 1
    assert order.product == product
    assert order.customer.company_name == "Aurora Trading"
    assert order.search_text == "1001\nWWW.SITE1001.EXAMPLE\nAURORA TRADING"
    assert Customer.objects.for_partner(partner_a).count() == 1
    assert list(Contact.objects.for_partner(partner_a).values_list("email", flat=True)) == ["it@aurora.example"]


def test_the_same_file_twice_changes_nothing_the_second_time(partner_a, admin_a, product):
    content = export(certcentral_row(1001), certcentral_row(1002))
    import_file(partner_a, admin_a, "orders", content)
    before = list(Order.objects.for_partner(partner_a).order_by("pk").values())
    second = import_file(partner_a, admin_a, "orders", content)
    assert (second.created_count, second.updated_count, second.unchanged_count) == (0, 0, 2)
    assert list(Order.objects.for_partner(partner_a).order_by("pk").values()) == before
    assert Customer.objects.for_partner(partner_a).count() == 1
    assert Contact.objects.for_partner(partner_a).count() == 1


def test_a_changed_date_updates_the_order_and_puts_it_back_in_the_schedule(partner_a, admin_a, product):
    import_file(partner_a, admin_a, "orders", export(certcentral_row(1001)))
    Order.objects.filter(order_number="1001").update(next_reminder_at=None)
    job = import_file(partner_a, admin_a, "orders", export(certcentral_row(1001, valid_till="2027-07-01")))
    assert outcomes(job) == ["updated"]
    assert messages(job)[0] == "Changed: Term end (last paid day), Certificate valid till (expires)"
    order = Order.objects.get(order_number="1001")
    assert order.term_end == date(2027, 7, 1)
    assert order.next_reminder_at is not None


def test_the_dry_run_writes_nothing_and_says_what_it_would_do(partner_a, admin_a, product):
    job = upload(partner_a, admin_a, "orders", export(certcentral_row(1001), certcentral_row(1002, product="Nope")))
    job = run(job, dry_run=True)
    assert job.status == ImportStatus.CHECKED
    assert outcomes(job) == ["created", "refused"]
    assert "new customer Aurora Trading" in messages(job)[0]
    assert Order.objects.count() == 0
    assert Customer.objects.count() == 0
    assert Contact.objects.count() == 0


def test_the_dry_run_sees_a_customer_an_earlier_row_would_create(partner_a, admin_a, product):
    job = run(upload(partner_a, admin_a, "orders", export(certcentral_row(1001), certcentral_row(1002))), dry_run=True)
    assert messages(job) == ["new customer Aurora Trading", ""]


def test_an_unknown_product_is_refused_with_its_name(partner_a, admin_a, product):
    job = import_file(partner_a, admin_a, "orders", export(certcentral_row(1001, product="Mystery SSL")))
    assert outcomes(job) == ["refused"]
    assert messages(job) == ["Unknown product “Mystery SSL”: use a product name or code of the catalogue."]


def test_a_refused_row_is_named_by_its_order_number_and_its_row_in_the_file(partner_a, admin_a, product):
    """Row 1 is the header, as in the spreadsheet: the second order is row 3."""
    content = export(certcentral_row(1001), certcentral_row(1002, product="Mystery SSL"))
    job = run(upload(partner_a, admin_a, "orders", content), dry_run=True)
    refused = job.rows.get(outcome="refused")
    assert (refused.row_number, refused.key) == (3, "1002")


def test_a_refused_row_without_an_order_number_is_named_by_its_common_name(partner_a, admin_a, product):
    row = certcentral_row(1001)
    row[0] = ""
    job = run(upload(partner_a, admin_a, "orders", export(row)), dry_run=True)
    refused = job.rows.get()
    assert (refused.row_number, refused.outcome) == (2, "refused")
    assert refused.key == "Common name: www.site1001.example"


def test_a_refused_row_is_named_in_the_language_of_whoever_runs_the_check(partner_a, admin_a, product):
    row = certcentral_row(1001)
    row[0] = ""
    job = upload(partner_a, admin_a, "orders", export(row))
    assert claim(job, dry_run=True, language="ko")
    run_phase(job.pk)
    assert job.rows.get().key == "일반 이름(CN): www.site1001.example"


def test_a_bad_date_is_refused_with_the_column_and_value(partner_a, admin_a, product):
    job = import_file(partner_a, admin_a, "orders", export(certcentral_row(1001, valid_till="next year")))
    assert messages(job) == ["Certificate valid till (expires): “next year” is not a date; write it as YYYY-MM-DD."]


def test_an_ambiguous_date_is_refused_rather_than_guessed(partner_a, admin_a, product):
    job = import_file(partner_a, admin_a, "orders", export(certcentral_row(1001, valid_till="03/04/2027")))
    assert "ambiguous" in messages(job)[0]
    assert Order.objects.count() == 0


def test_an_impossible_date_is_refused(partner_a, admin_a, product):
    job = import_file(partner_a, admin_a, "orders", export(certcentral_row(1001, valid_till="2027-02-30")))
    assert messages(job) == ["Certificate valid till (expires): “2027-02-30” is not a real date."]


def test_a_duplicate_row_is_refused_naming_the_first(partner_a, admin_a, product):
    job = import_file(partner_a, admin_a, "orders", export(certcentral_row(1001), certcentral_row(1001)))
    assert outcomes(job) == ["created", "refused"]
    assert messages(job)[1] == "Duplicate: row 2 has the same 1001."
    assert Order.objects.count() == 1


def test_a_revoked_order_is_imported_cancelled(partner_a, admin_a, product):
    job = import_file(partner_a, admin_a, "orders", export(certcentral_row(1001, status="Revoked")))
    assert Order.objects.get().status == OrderStatus.CANCELLED
    assert messages(job) == ["new customer Aurora Trading; cancelled (status “Revoked”)"]


def test_another_partners_order_number_is_a_different_order(partner_a, partner_b, admin_a, product, order_b):
    import_file(partner_a, admin_a, "orders", export(certcentral_row(int(order_b.order_number))))
    order_b.refresh_from_db()
    assert order_b.partner == partner_b
    assert Order.objects.for_partner(partner_a).get().order_number == order_b.order_number


def test_rows_are_imported_in_batches_across_batch_boundaries(partner_a, admin_a, product, monkeypatch):
    monkeypatch.setattr("imports.services.BATCH", 3)
    rows = [certcentral_row(2000 + n) for n in range(7)]
    job = import_file(partner_a, admin_a, "orders", export(*rows))
    assert (job.total_rows, job.processed_rows, job.created_count) == (7, 7, 7)
    assert Customer.objects.count() == 1


def test_an_error_in_a_batch_keeps_the_batches_before_and_says_so(partner_a, admin_a, product, monkeypatch):
    monkeypatch.setattr("imports.services.BATCH", 2)
    job = upload(partner_a, admin_a, "orders", export(*[certcentral_row(3000 + n) for n in range(5)]))
    from imports.services import set_mapping

    set_mapping(job=job, mapping=job.mapping)
    run(job, dry_run=True)
    calls = []
    original = Order.objects.bulk_create

    def fail_on_second(objs, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(objs, *args, **kwargs)

    monkeypatch.setattr(Order.objects, "bulk_create", fail_on_second)
    job = run(job, dry_run=False)
    assert job.status == ImportStatus.FAILED
    assert job.error.startswith("An unexpected error stopped the import after 2 rows.")
    assert Order.objects.count() == 2


SERIAL_HEADER = [*CERTCENTRAL_HEADER, "Order Valid Till", "Serial Number"]


def with_serial(number, serial, *, valid_till="2026-12-17", order_valid_till="2027-06-01"):
    return [*certcentral_row(number, valid_till=valid_till), order_valid_till, serial]


def test_a_serial_column_records_the_certificate_so_reissue_reminders_know_its_lifetime(partner_a, admin_a, product):
    job = import_file(partner_a, admin_a, "orders", csv_bytes([SERIAL_HEADER, with_serial(1001, "0A:1B:2C")]))
    assert messages(job) == ["new customer Aurora Trading; certificate a1b2c recorded"]
    order = Order.objects.get()
    assert (order.term_end, order.expires_on) == (date(2027, 6, 1), date(2026, 12, 17))
    certificate = order.certificates.get()
    assert certificate.serial == "a1b2c"
    assert certificate.expires_on(order.customer.tzinfo) == date(2026, 12, 17)
    assert certificate.lifetime_days == 200
    again = import_file(partner_a, admin_a, "orders", csv_bytes([SERIAL_HEADER, with_serial(1001, "0a1b2c")]))
    assert outcomes(again) == ["unchanged"]


def test_a_serial_recorded_on_another_partners_order_is_not_recorded_again(partner_a, admin_a, product, order_b):
    serial = "5e7a11"
    order_b.certificates.update(serial=serial)
    job = import_file(partner_a, admin_a, "orders", csv_bytes([SERIAL_HEADER, with_serial(1001, serial)]))
    assert outcomes(job) == ["created"]
    assert "its serial number is recorded already on another order" in messages(job)[0]
    assert order_b.order_number not in messages(job)[0]
    assert Order.objects.for_partner(partner_a).get().certificates.count() == 0


def test_a_bad_serial_keeps_the_order_and_says_why_the_certificate_is_not_recorded(partner_a, admin_a, product):
    job = import_file(partner_a, admin_a, "orders", csv_bytes([SERIAL_HEADER, with_serial(1001, "XYZ")]))
    assert outcomes(job) == ["created"]
    assert "“XYZ” is not a hexadecimal serial number" in messages(job)[0]


def test_a_certificate_ending_before_it_starts_is_refused(partner_a, admin_a, product):
    job = import_file(partner_a, admin_a, "orders", export(certcentral_row(1001, valid_from="2027-07-01")))
    assert messages(job) == ["The certificate ends (2027-06-01) before it starts (2027-07-01)."]


def test_importing_the_export_again_keeps_a_later_certificate_recorded_since(partner_a, admin_a, product):
    """The export lists the certificate of the day it was made; a newer one recorded since (from a
    server's PEM, a reissue) still serves the order, and the same export again does not move its
    expiry back to the old certificate's."""
    header = [*CERTCENTRAL_HEADER, "Order Valid From", "Order Valid Till"]
    row = [*certcentral_row(1001, valid_from="2026-06-01", valid_till="2026-12-17"), "2026-06-01", "2028-05-31"]
    content = csv_bytes([header, row])
    import_file(partner_a, admin_a, "orders", content)
    order = Order.objects.select_related("customer__partner").get(order_number="1001")
    assert order.expires_on == date(2026, 12, 17)
    zone = order.customer.tzinfo
    attach_certificate(
        order,
        common_name=order.common_name,
        names=order.names,
        serial="c0ffee",
        not_before=start_of_day(date(2026, 12, 1), zone),
        not_after=end_of_day(date(2027, 6, 18), zone),
        pem="",
    )
    assert Order.objects.get(pk=order.pk).expires_on == date(2027, 6, 18)

    again = import_file(partner_a, admin_a, "orders", content)
    assert outcomes(again) == ["unchanged"]
    assert Order.objects.get(pk=order.pk).expires_on == date(2027, 6, 18)
