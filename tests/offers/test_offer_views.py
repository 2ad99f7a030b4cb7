"""The offer pages: who may do what, validation, another partner's offers (404), empty states."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from offers.models import Offer, OfferExposure
from tests.factories import CustomerFactory, OrderFactory, ProductFactory
from tests.offers.factories import OfferFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

NOW = "2026-12-01T03:00:00Z"
ROLES = ["sales_a", "support_a", "admin_a"]


def offer_data(variants=(("10%", "10", "1"), ("20%", "20", "1"), ("Control", "0", "1")), **fields):
    """The POST of the offer form: its fields and the variants formset (rows as label, %, weight)."""
    data = {
        "name": "Year-end renewals",
        "headline_en": "Don't let your SSL expire before this offer does",
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-31",
        "shown_from_days": "60",
        "is_active": "on",
        "variants-TOTAL_FORMS": str(len(variants)),
        "variants-INITIAL_FORMS": "0",
        "variants-MIN_NUM_FORMS": "0",
        "variants-MAX_NUM_FORMS": "6",
    }
    for index, (label, percent, weight) in enumerate(variants):
        data.update({f"variants-{index}-label": label, f"variants-{index}-discount_percent": percent})
        data[f"variants-{index}-weight"] = weight
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def offer_b(partner_b):
    return OfferFactory(partner=partner_b, name="Partner B's offer")


# The list


def test_the_list_shows_the_partners_offers_only(client, sales_a, partner_a, offer_b):
    OfferFactory(partner=partner_a, name="Winter", amounts=["10", "0"])
    client.force_login(sales_a)
    page = client.get(reverse("offer-list")).content.decode()
    assert "Winter" in page
    assert "10%: 10%" in page and "Control: 0%" in page
    assert "Partner B&#x27;s offer" not in page and "Partner B's offer" not in page


@time_machine.travel(NOW, tick=False)
def test_the_list_says_each_offers_status(client, sales_a, partner_a):
    OfferFactory(partner=partner_a, name="Now")
    OfferFactory(partner=partner_a, name="Later", starts_on=date(2027, 1, 1), ends_on=date(2027, 1, 31))
    OfferFactory(partner=partner_a, name="Past", starts_on=date(2026, 1, 1), ends_on=date(2026, 1, 31))
    OfferFactory(partner=partner_a, name="Off", is_active=False)
    client.force_login(sales_a)
    page = client.get(reverse("offer-list")).content.decode()
    for status in ("Running", "Scheduled", "Ended", "Paused"):
        assert f'data-testid="offer-status">{status}<' in page


def test_the_list_counts_renewals_sold_with_each_offer(client, sales_a, partner_a):
    offer = OfferFactory(partner=partner_a)
    variant = offer.variants.get()
    customer = CustomerFactory(partner=partner_a)
    for _ in range(2):
        OrderFactory(customer=customer, offer=offer, offer_variant=variant)
    OrderFactory(customer=customer, offer=offer, offer_variant=variant, status="cancelled")
    client.force_login(sales_a)
    assert 'data-testid="offer-renewals">2<' in client.get(reverse("offer-list")).content.decode()


def test_the_list_pages_through_many_offers(client, sales_a, partner_a):
    for number in range(21):
        OfferFactory(partner=partner_a, name=f"Offer number {number}", amounts=[])
    client.force_login(sales_a)
    first = client.get(reverse("offer-list")).content.decode()
    second = client.get(reverse("offer-list"), {"page": 2}).content.decode()
    assert first.count('data-testid="offer-row"') == 20
    assert second.count('data-testid="offer-row"') == 1
    assert "Page 2 of 2 · 21 offers" in second


def test_an_empty_list_invites_sales_to_create_one(client, sales_a):
    client.force_login(sales_a)
    page = client.get(reverse("offer-list")).content.decode()
    assert 'data-testid="no-offers"' in page and 'data-testid="new-offer"' in page


def test_an_empty_list_tells_support_who_creates_offers(client, support_a):
    client.force_login(support_a)
    page = client.get(reverse("offer-list")).content.decode()
    assert "Sales staff and partner admins create offers" in page
    assert 'data-testid="new-offer"' not in page


def test_the_pages_need_a_login(client, partner_a):
    offer = OfferFactory(partner=partner_a)
    for url in (reverse("offer-list"), reverse("offer-create"), reverse("offer-report", args=[offer.pk])):
        assert client.get(url).status_code == 302


# Creating


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("role", ["sales_a", "admin_a"])
def test_sales_and_admins_create_an_experiment(client, request, partner_a, role):
    ov = ProductFactory(code="secure-site-ov", validation_level="OV")
    client.force_login(request.getfixturevalue(role))
    response = client.post(
        reverse("offer-create"), offer_data(products=[ov.pk], brands=["Secure Site"], validation_levels=["OV"])
    )
    offer = Offer.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("offer-report", args=[offer.pk])
    assert offer.partner == partner_a and offer.created_by == request.getfixturevalue(role)
    assert [(v.label, v.discount_percent, v.position) for v in offer.variants.all()] == [
        ("10%", Decimal("10"), 0),
        ("20%", Decimal("20"), 1),
        ("Control", Decimal("0"), 2),
    ]
    assert list(offer.products.all()) == [ov]
    assert (offer.brands, offer.validation_levels) == (["Secure Site"], ["OV"])


@time_machine.travel(NOW, tick=False)
def test_empty_variant_rows_are_ignored(client, sales_a):
    client.force_login(sales_a)
    client.post(reverse("offer-create"), offer_data(variants=[("Plain", "12.5", "1"), ("", "", "1"), ("", "", "1")]))
    assert [v.discount_percent for v in Offer.objects.get().variants.all()] == [Decimal("12.5")]


def test_the_new_offer_form_offers_the_catalogue(client, sales_a):
    ProductFactory(code="geotrust-dv", brand="GeoTrust", name="GeoTrust DV", validation_level="DV")
    client.force_login(sales_a)
    page = client.get(reverse("offer-create")).content.decode()
    assert "GeoTrust DV" in page and 'value="GeoTrust"' in page and 'value="EV"' in page
    assert page.count('data-testid="variant-row"') == 6


def test_support_may_not_create_and_is_told_why(client, support_a):
    client.force_login(support_a)
    for response in (client.get(reverse("offer-create")), client.post(reverse("offer-create"), offer_data())):
        assert response.status_code == 403
        assert (
            "Support staff can see offers and their reports but not create or change them" in response.content.decode()
        )
    assert not Offer.objects.exists()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (offer_data(ends_on="2026-11-30", starts_on="2026-12-05"), "The offer cannot end before it starts."),
        (offer_data(starts_on="2026-11-01", ends_on="2026-11-30"), "This date has passed"),
        (offer_data(variants=[("A", "10", "1"), ("a ", "20", "1")]), "Each variant needs its own label."),
        (offer_data(variants=[("A", "0", "1"), ("B", "0", "1")]), "one control group (0 %) at most"),
        (offer_data(variants=[("Control", "0", "1")]), "An offer with one amount needs a discount above 0 %"),
        (offer_data(variants=[("A", "101", "1")]), "less than or equal to 100"),
        (offer_data(variants=[("A", "-1", "1")]), "greater than or equal to 0"),
        (offer_data(variants=[("A", "10.555", "1")]), "no more than 2 decimal places"),
        (offer_data(variants=[("A", "10", "0")]), "greater than or equal to 1"),
        (offer_data(variants=[(f"V{n}", str(n), "1") for n in range(1, 8)]), "Please submit at most 6 forms."),
        (offer_data(variants=[("A", "10", "1")], **{"variants-0-DELETE": "on"}), "Give the offer at least one amount."),
        (offer_data(shown_from_days="0"), "greater than or equal to 1"),
        (offer_data(shown_from_days="400"), "less than or equal to 365"),
        (offer_data(name=""), "This field is required."),
    ],
)
def test_invalid_offers_are_refused_with_the_reason(client, sales_a, data, message):
    client.force_login(sales_a)
    response = client.post(reverse("offer-create"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Offer.objects.exists()


# Editing


@time_machine.travel(NOW, tick=False)
def test_an_offer_nobody_has_seen_may_change_its_amounts(client, sales_a, partner_a):
    offer = OfferFactory(partner=partner_a, amounts=["10"])
    client.force_login(sales_a)
    response = client.post(
        reverse("offer-edit", args=[offer.pk]), offer_data(variants=[("Big", "30", "1"), ("Control", "0", "1")])
    )
    assert response.status_code == 302
    assert [(v.label, v.discount_percent) for v in offer.variants.all()] == [
        ("Big", Decimal("30")),
        ("Control", Decimal("0")),
    ]


@pytest.fixture
def seen_offer(partner_a):
    """An experiment a customer has been shown."""
    offer = OfferFactory(partner=partner_a, amounts=["10", "0"])
    customer = CustomerFactory(partner=partner_a)
    OfferExposure.objects.create(
        offer=offer, variant=offer.variants.first(), customer=customer, channel="page", first_at="2026-12-01T03:00Z"
    )
    return offer


@time_machine.travel(NOW, tick=False)
def test_a_seen_offers_page_shows_its_amounts_as_fixed(client, sales_a, seen_offer):
    client.force_login(sales_a)
    page = client.get(reverse("offer-edit", args=[seen_offer.pk])).content.decode()
    assert 'data-testid="variants-locked"' in page
    assert "its variants cannot change" in page
    assert "variants-TOTAL_FORMS" not in page


@time_machine.travel(NOW, tick=False)
def test_a_seen_offer_keeps_its_variants_and_may_change_the_rest(client, sales_a, seen_offer):
    before = list(seen_offer.variants.values_list("pk", "label", "discount_percent", "weight"))
    data = {
        key: value
        for key, value in offer_data(name="Renamed", ends_on="2027-01-15").items()
        if not key.startswith("variants-")
    }
    client.force_login(sales_a)
    response = client.post(reverse("offer-edit", args=[seen_offer.pk]), data)
    assert response.status_code == 302
    seen_offer.refresh_from_db()
    assert (seen_offer.name, seen_offer.ends_on) == ("Renamed", date(2027, 1, 15))
    assert list(seen_offer.variants.values_list("pk", "label", "discount_percent", "weight")) == before


@time_machine.travel(NOW, tick=False)
def test_changing_a_seen_offers_amounts_is_refused_with_the_reason(client, sales_a, seen_offer):
    before = list(seen_offer.variants.values_list("pk", "label", "discount_percent"))
    client.force_login(sales_a)
    response = client.post(
        reverse("offer-edit", args=[seen_offer.pk]), offer_data(variants=[("10%", "15", "1"), ("Control", "0", "1")])
    )
    assert response.status_code == 409
    assert "would move customers to another amount" in response.content.decode()
    assert list(seen_offer.variants.values_list("pk", "label", "discount_percent")) == before
    seen_offer.refresh_from_db()
    assert seen_offer.name != "Year-end renewals"  # nothing saved


@time_machine.travel(NOW, tick=False)
def test_an_offer_sold_with_may_not_change_its_amounts(client, sales_a, partner_a):
    offer = OfferFactory(partner=partner_a, amounts=["10"])
    OrderFactory(customer=CustomerFactory(partner=partner_a), offer=offer, offer_variant=offer.variants.get())
    client.force_login(sales_a)
    response = client.post(reverse("offer-edit", args=[offer.pk]), offer_data(variants=[("Other", "12", "1")]))
    assert response.status_code == 409
    assert offer.variants.get().label == "10%"


def test_support_may_not_edit(client, support_a, partner_a):
    offer = OfferFactory(partner=partner_a)
    client.force_login(support_a)
    assert client.get(reverse("offer-edit", args=[offer.pk])).status_code == 403
    assert client.post(reverse("offer-edit", args=[offer.pk]), offer_data(name="Changed")).status_code == 403
    offer.refresh_from_db()
    assert offer.name != "Changed"


# Reading the report


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_report(client, request, partner_a, role):
    offer = OfferFactory(partner=partner_a, name="Winter", amounts=["10", "0"])
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("offer-report", args=[offer.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Winter" in page and page.count('data-testid="report-row"') == 2
    assert "No customer has been reached yet" in page
    assert ('data-testid="edit-offer"' in page) is (role != "support_a")


def test_a_bad_report_period_is_a_form_error(client, sales_a, partner_a):
    offer = OfferFactory(partner=partner_a)
    client.force_login(sales_a)
    page = client.get(
        reverse("offer-report", args=[offer.pk]), {"start": "2026-12-10", "end": "2026-12-01"}
    ).content.decode()
    assert "The period cannot end before it starts." in page


# Tenancy


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method"), [("offer-report", "get"), ("offer-edit", "get"), ("offer-edit", "post")])
def test_another_partners_offer_is_a_404_for_every_role(client, request, offer_b, role, name, method):
    client.force_login(request.getfixturevalue(role))
    response = getattr(client, method)(reverse(name, args=[offer_b.pk]), offer_data(name="Taken over"))
    assert response.status_code == 404
    offer_b.refresh_from_db()
    assert offer_b.name == "Partner B's offer"


def test_the_nav_links_to_offers(client, support_a):
    client.force_login(support_a)
    assert (
        f'href="{reverse("offer-list")}" data-testid="nav-offers"' in client.get(reverse("offer-list")).content.decode()
    )
