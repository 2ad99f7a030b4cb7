"""Ids in POST bodies: another partner's, nonexistent, huge, negative, not numbers. A 400 (or the
page again with an error), never a 500, never a change to another partner's rows.
(Security review, regression coverage.)"""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports.services import create_job
from offers.models import Offer
from renewals.issuance import SimulatedCA
from renewals.models import Order
from tests.factories import CustomerFactory, OrderFactory, ProductFactory

pytestmark = pytest.mark.django_db

BEYOND_BIGINT = "99999999999999999999999"
HOSTILE_IDS = ["-1", "0", BEYOND_BIGINT, "abc", "1.5", "1e3", "١", "", "[1]", "x" * 5000]


def offer_post(**extra):
    data = {
        "name": "Spring",
        "headline_en": "Spring savings",
        "starts_on": date.today().isoformat(),
        "ends_on": (date.today() + timedelta(days=30)).isoformat(),
        "shown_from_days": "60",
        "is_active": "on",
        "variants-TOTAL_FORMS": "1",
        "variants-INITIAL_FORMS": "0",
        "variants-0-label": "Ten",
        "variants-0-discount_percent": "10",
        "variants-0-weight": "1",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize("value", [value for value in HOSTILE_IDS if value != BEYOND_BIGINT])
def test_hostile_product_ids_in_the_offer_form_are_a_400(client, sales_a, value):
    client.force_login(sales_a)
    response = client.post(reverse("offer-create"), offer_post(products=[value]))
    assert response.status_code == 400
    assert not Offer.objects.exists()


def test_a_product_id_beyond_bigint_in_the_offer_form_is_a_400_not_a_500(client, sales_a):
    """Found by the security review (low): ``offers.forms.OfferForm.products`` is
    a ``ModelMultipleChoiceField``; ``products=99999999999999999999999`` reaches SQLite as an
    ``__in`` value and raises ``OverflowError: Python int too large to convert to SQLite INTEGER``,
    a 500 on ``POST /offers/new/`` (and ``/offers/<id>/edit/``). PostgreSQL answers 400. Fix: a
    ``clean_products`` that refuses values outside 1..``partners.models.MAX_ID`` before the query
    (the API's ``ID_PATTERN``/``MAX_ID`` rule), or a shared ``BoundedModelMultipleChoiceField``."""
    client.force_login(sales_a)
    response = client.post(reverse("offer-create"), offer_post(products=[BEYOND_BIGINT]))
    assert response.status_code == 400
    assert not Offer.objects.exists()


@pytest.mark.parametrize(
    "field,value",
    [
        ("variants-TOTAL_FORMS", "99999999999999999999"),
        ("variants-TOTAL_FORMS", "-5"),
        ("variants-TOTAL_FORMS", "x"),
        ("variants-0-weight", "99999999999999999999"),
        ("variants-0-discount_percent", "NaN"),
        ("variants-0-discount_percent", "Infinity"),
        ("variants-0-discount_percent", "1e400"),
        ("shown_from_days", "99999999999999999999"),
        ("starts_on", "0000-01-01"),
        ("ends_on", "99999-01-01"),
        ("brands", "<script>"),
        ("validation_levels", "XX"),
    ],
)
def test_hostile_offer_form_values_are_a_400(client, sales_a, field, value):
    client.force_login(sales_a)
    response = client.post(reverse("offer-create"), offer_post(**{field: value}))
    assert response.status_code in (400, 302)  # 302 only when the value was harmless and ignored
    for offer in Offer.objects.all():
        assert offer.variants.count() <= 6


# ("١" is int 1 to Django, a real product id on a fresh SQLite database: not hostile there.)
@pytest.mark.parametrize("value", [value for value in HOSTILE_IDS if value != "١"] + ["-99999999999999999999999"])
def test_hostile_product_ids_in_the_staff_renew_form_renew_nothing(client, sales_a, partner_a, value):
    order = OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=date.today() + timedelta(days=20))
    client.force_login(sales_a)
    url = reverse("order-renew", kwargs={"order_number": order.order_number})
    response = client.post(url, {"plan_years": "1", "product": value})
    assert response.status_code == 400
    assert not Order.objects.filter(renewed_from=order).exists()


def test_the_staff_renew_form_refuses_a_product_only_another_partner_sells(client, sales_a, partner_a, partner_b):
    from tests.factories import price_product

    order = OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=date.today() + timedelta(days=20))
    b_only = ProductFactory(code="b-only-ev", validation_level="EV", list_price=1)
    price_product(partner_b, b_only, yearly="1")
    client.force_login(sales_a)
    url = reverse("order-renew", kwargs={"order_number": order.order_number})
    assert client.post(url, {"plan_years": "1", "product": b_only.pk}).status_code == 400
    assert not Order.objects.filter(renewed_from=order).exists()


@pytest.mark.parametrize("value", ["<script>", "Account\x00", "x" * 5000, "../../etc/passwd"])
def test_a_mapping_naming_no_column_of_the_file_is_a_400(client, admin_a, partner_a, settings, tmp_path, value):
    job = create_job(
        partner=partner_a,
        user=admin_a,
        kind="customers",
        upload=SimpleUploadedFile("a.csv", b"Account Number,Company\nA-1,Aurora\n"),
    )
    client.force_login(admin_a)
    response = client.post(
        reverse("import-job", kwargs={"pk": job.pk}), {"account_number": value, "company_name": value}
    )
    assert response.status_code == 400
    job.refresh_from_db()
    assert value not in job.mapping.values()


def test_a_certificate_recorded_as_a_new_order_of_another_partners_customer_is_refused(
    client, admin_a, partner_a, partner_b
):
    b_customer = CustomerFactory(partner=partner_b, account_number="B-777")
    product = ProductFactory()
    now = datetime.now(UTC).replace(microsecond=0)
    pem, _serial = SimulatedCA.sign(["www.new-site.example"], now - timedelta(days=5), now + timedelta(days=190))
    client.force_login(admin_a)
    for account, product_id, years in (
        ("B-777", product.pk, "1"),
        ("B-777 ", product.pk, "1"),
        ("b-777", product.pk, "1"),
        (str(b_customer.pk), product.pk, "1"),
        ("A-1", "99999999999999999999999", "1"),
        ("A-1", "-1", "1"),
        ("A-1", product.pk, "99"),
        ("A-1", product.pk, "-1"),
    ):
        data = {"action": "record", "record-0": "on", "pem-0": pem, "source-0": "../../x.pem"}
        data |= {"new-0-account_number": account, "new-0-product": product_id, "new-0-plan_years": years}
        response = client.post(reverse("import-certificates"), data)
        assert response.status_code == 200
    assert not Order.objects.filter(customer=b_customer).exists()
    assert not Order.objects.filter(partner=partner_b).exists()
    assert not Order.objects.filter(partner=partner_a).exists()  # A has no customer A-1 either


def test_a_certificate_matching_another_partners_order_is_never_attached_to_it(client, admin_a, partner_b):
    b_order = OrderFactory(
        customer=CustomerFactory(partner=partner_b), common_name="www.b-site.example", sans=["www.b-site.example"]
    )
    now = datetime.now(UTC).replace(microsecond=0)
    pem, _serial = SimulatedCA.sign(["www.b-site.example"], now - timedelta(days=5), now + timedelta(days=20))
    client.force_login(admin_a)
    preview = client.post(reverse("import-certificates"), {"action": "preview", "pasted": pem})
    assert b_order.order_number not in preview.content.decode()
    client.post(reverse("import-certificates"), {"action": "record", "record-0": "on", "pem-0": pem, "source-0": "x"})
    assert not b_order.certificates.exists()


@pytest.mark.parametrize(
    "field,value",
    [
        ("call_threshold_days", "99999999999999999999"),
        ("call_threshold_days", "-5"),
        ("call_min_value", "1e400"),
        ("call_min_value", "NaN"),
        ("call_min_value", "-1"),
        ("reminder_thresholds", "1," * 5000),
        ("reminder_thresholds", "99999999999999999999"),
        ("reminder_send_hour", "25"),
    ],
)
def test_hostile_reminder_and_call_settings_are_a_400(client, admin_a, partner_a, field, value):
    client.force_login(admin_a)
    page = client.get(reverse("reminder-settings"))
    data = {
        name: str(field_value) for name, field_value in page.context["form"].initial.items() if field_value is not None
    }
    data[field] = value
    before = (partner_a.call_threshold_days, partner_a.call_min_value, partner_a.reminder_thresholds)
    response = client.post(reverse("reminder-settings"), data)
    assert response.status_code == 400, (field, value)
    partner_a.refresh_from_db()
    assert (partner_a.call_threshold_days, partner_a.call_min_value, partner_a.reminder_thresholds) == before


@pytest.mark.parametrize("threshold", ["-1", "99999999999999999999", "x", ""])
def test_hostile_escalation_thresholds_are_a_400(client, admin_a, partner_a, threshold):
    client.force_login(admin_a)
    count = len(partner_a.reminder_thresholds)
    data = {"stage-TOTAL_FORMS": str(count), "stage-INITIAL_FORMS": str(count)}
    for index in range(count):
        data[f"stage-{index}-threshold"] = threshold
        data[f"stage-{index}-emails"] = "boss@example.com"
    response = client.post(reverse("escalation-settings"), data)
    assert response.status_code == 400
    partner_a.refresh_from_db()
    assert not partner_a.reminder_escalations


def test_the_unchanged_reminder_settings_form_saves(client, admin_a):
    """The baseline the hostile settings tests change one value of is itself valid."""
    client.force_login(admin_a)
    page = client.get(reverse("reminder-settings"))
    data = {name: str(value) for name, value in page.context["form"].initial.items() if value is not None}
    assert client.post(reverse("reminder-settings"), data).status_code == 302


def test_the_unchanged_offer_form_saves(client, sales_a):
    client.force_login(sales_a)
    assert client.post(reverse("offer-create"), offer_post()).status_code == 302
