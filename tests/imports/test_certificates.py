"""Certificate import: PEM bundles parsed, matched by serial or names, or started as new orders."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports import certificates
from renewals.issuance import SimulatedCA
from renewals.models import Certificate, Order
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db

NOW = datetime.now(UTC).replace(microsecond=0)


def pem_for(*names, days=199, started=NOW - timedelta(days=10)):
    pem, _serial = SimulatedCA.sign(list(names), started, started + timedelta(days=days) - timedelta(seconds=1))
    return pem


def test_a_bundle_is_split_and_each_certificate_described():
    bundle = pem_for("www.one.example", "one.example") + "\n" + pem_for("www.two.example")
    found = [certificates.describe(*block) for block in certificates.split_blocks([("bundle.pem", bundle)])]
    assert [item.names for item in found] == [["www.one.example", "one.example"], ["www.two.example"]]
    assert [item.index for item in found] == [1, 2]
    assert found[0].issuer == "Renewal Portal Simulated CA"
    assert found[0].key_type == "EC secp256r1"
    assert found[0].not_after - found[0].not_before == timedelta(days=199, seconds=-1)
    assert len(found[0].serial) > 10


def test_each_certificate_is_placed_by_its_number_and_first_line_in_its_file():
    first = pem_for("www.one.example")
    bundle = "notes\n" + first + "\n" + pem_for("www.two.example")
    blocks = certificates.split_blocks([("bundle.pem", bundle), ("notes.txt", "hello")])
    assert [(source, index, line) for source, index, line, _block in blocks] == [
        ("bundle.pem", 1, 2),
        ("bundle.pem", 2, 2 + first.count("\n") + 1),
        ("notes.txt", 1, None),
    ]


def test_text_without_a_certificate_is_reported():
    [found] = [certificates.describe(*block) for block in certificates.split_blocks([("notes.txt", "hello")])]
    assert found.error.startswith("No certificate found")


def test_a_damaged_certificate_is_reported_with_the_parsers_reason():
    damaged = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"
    [found] = [certificates.describe(*block) for block in certificates.split_blocks([("bad.pem", damaged)])]
    assert found.error.startswith("This is not a PEM certificate")


def test_a_certificate_is_matched_to_the_partners_order_by_name(partner_a, partner_b):
    mine = OrderFactory(
        customer=CustomerFactory(partner=partner_a),
        common_name="www.shop.example",
        term_end=date.today() + timedelta(days=300),
    )
    OrderFactory(
        customer=CustomerFactory(partner=partner_b),
        common_name="www.shop.example",
        term_end=date.today() + timedelta(days=300),
    )
    [found] = certificates.preview([("a.pem", pem_for("www.shop.example"))], partner_a, at=NOW)
    assert found.match == mine
    order = certificates.record(found, partner_a, at=NOW)
    assert order == mine
    assert Certificate.objects.get().order == mine
    mine.refresh_from_db()
    assert mine.expires_on < mine.term_end  # the certificate ends inside the term: a reissue is due later
    assert mine.next_reminder_at is not None


def test_the_same_certificate_twice_is_recorded_once(partner_a):
    OrderFactory(
        customer=CustomerFactory(partner=partner_a),
        common_name="www.shop.example",
        term_end=date.today() + timedelta(days=300),
    )
    pem = pem_for("www.shop.example")
    [first] = certificates.preview([("a.pem", pem)], partner_a, at=NOW)
    certificates.record(first, partner_a, at=NOW)
    [second] = certificates.preview([("a.pem", pem)], partner_a, at=NOW)
    assert second.recorded_on is not None and second.match is None
    assert certificates.record(second, partner_a, at=NOW) is None
    assert Certificate.objects.count() == 1


def test_another_partners_serial_is_refused_without_naming_its_order(partner_a, partner_b):
    other = OrderFactory(
        customer=CustomerFactory(partner=partner_b),
        common_name="www.x.example",
        term_end=date.today() + timedelta(days=300),
    )
    pem = pem_for("www.x.example")
    [found] = certificates.preview([("a.pem", pem)], partner_b, at=NOW)
    certificates.record(found, partner_b, at=NOW)
    [found] = certificates.preview([("a.pem", pem)], partner_a, at=NOW)
    assert found.error == "A certificate with this serial number is recorded already."
    assert found.recorded_on is None
    assert other.order_number not in found.error


def test_an_unmatched_certificate_starts_a_new_order(partner_a, product):
    customer = CustomerFactory(partner=partner_a)
    [found] = certificates.preview([("new.pem", pem_for("www.new.example", "new.example"))], partner_a, at=NOW)
    assert found.is_new_order
    order = certificates.record(
        found, partner_a, at=NOW, new_order={"customer": customer, "product": product, "plan_years": 1}
    )
    assert order.customer == customer and order.product == product
    assert order.sans == ["www.new.example", "new.example"]
    assert order.term_start == found.not_before.astimezone(customer.tzinfo).date()
    assert order.certificates.get().serial == found.serial


def test_an_expired_certificate_is_refused(partner_a):
    old = pem_for("www.old.example", started=NOW - timedelta(days=300))
    [found] = certificates.preview([("old.pem", old)], partner_a, at=NOW)
    assert found.error == "This certificate has already expired."


def test_the_page_previews_and_records_through_http(client, admin_a, partner_a, product):
    mine = OrderFactory(
        customer=CustomerFactory(partner=partner_a, account_number="C-7"),
        common_name="www.shop.example",
        term_end=date.today() + timedelta(days=300),
    )
    client.force_login(admin_a)
    bundle = pem_for("www.shop.example") + pem_for("www.fresh.example")
    response = client.post(
        reverse("import-certificates"),
        {"action": "preview", "files": [SimpleUploadedFile("bundle.pem", bundle.encode())]},
    )
    assert response.status_code == 200
    rows = response.context["found"]
    assert rows[0]["item"].match == mine and rows[1]["new_order"] is not None
    data = {
        "action": "record",
        "record-0": "on",
        "record-1": "on",
        "new-1-account_number": "C-7",
        "new-1-product": product.pk,
        "new-1-plan_years": "1",
    }
    for row in rows:
        data[f"pem-{row['position']}"] = row["item"].pem
        data[f"source-{row['position']}"] = row["item"].source
    response = client.post(reverse("import-certificates"), data)
    assert "2 certificates recorded." in response.content.decode()
    assert Certificate.objects.count() == 2
    assert Order.objects.for_partner(partner_a).count() == 2


def test_a_refused_certificate_is_shown_with_its_file_place_line_and_name(client, admin_a, partner_a):
    fresh = pem_for("www.fresh.example")
    bundle = fresh + pem_for("www.old.example", started=NOW - timedelta(days=300))
    client.force_login(admin_a)
    files = [SimpleUploadedFile("bundle.pem", bundle.encode()), SimpleUploadedFile("notes.txt", b"hello")]
    response = client.post(reverse("import-certificates"), {"action": "preview", "files": files})
    page = response.content.decode()
    line = fresh.count("\n") + 1
    assert (
        f'bundle.pem: certificate 2, line {line}</span><br><span data-testid="certificate-name">www.old.example' in page
    )
    assert 'data-testid="certificate-place">notes.txt</span>' in page
    # Recording reads each certificate alone: the place the preview found travels with it.
    data = {"action": "record"}
    for row in response.context["found"]:
        position, item = row["position"], row["item"]
        data |= {f"pem-{position}": item.pem, f"source-{position}": item.source}
        data[f"where-{position}"] = f"{item.index}:{item.line or ''}"
    page = client.post(reverse("import-certificates"), data).content.decode()
    assert f"bundle.pem: certificate 2, line {line}" in page and "This certificate has already expired." in page


@pytest.mark.parametrize("where", ["", "x", "2:", "99999:1", "1:1234567890", "²:1", "1:2:3"])
def test_a_hostile_place_is_ignored(client, admin_a, where):
    client.force_login(admin_a)
    data = {"action": "record", "pem-0": pem_for("www.nobody.example"), "source-0": "a.pem", "where-0": where}
    assert client.post(reverse("import-certificates"), data).status_code == 200


def test_an_empty_certificate_form_says_what_to_do(client, admin_a):
    client.force_login(admin_a)
    response = client.post(reverse("import-certificates"), {"action": "preview"})
    assert response.status_code == 400
    assert "Choose PEM files or paste certificates." in response.content.decode()


def test_a_new_order_with_an_unknown_account_number_is_not_recorded_and_says_why(client, admin_a, partner_a, product):
    client.force_login(admin_a)
    pem = pem_for("www.nobody.example")
    data = {"action": "record", "record-0": "on", "pem-0": pem, "source-0": "a.pem"}
    data |= {"new-0-account_number": "NOPE", "new-0-product": product.pk, "new-0-plan_years": "1"}
    response = client.post(reverse("import-certificates"), data)
    assert "0 certificates recorded." in response.content.decode()
    assert "No customer has this account number." in response.content.decode()
    assert Certificate.objects.count() == 0
