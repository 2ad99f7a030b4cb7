"""An offer's headline per language: customers read the one in their language or none (never the other
language's); staff read theirs, else the other one marked; the form asks for both, one at least; the
migration puts an old offer's one headline in its partner's language."""

import importlib
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from notifications.emails import render_reminder
from notifications.models import Reminder
from offers.forms import OfferForm
from offers.models import Offer
from renewals.links import customer_renewal_path
from renewals.models import PartnerPrice
from tests.factories import ContactFactory, CustomerFactory, OrderFactory, PartnerFactory, ProductFactory
from tests.offers.factories import OfferFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

NOW = "2026-12-01T03:00:00Z"  # noon in Seoul; the order's term ends 31 days later
ENGLISH = "Renew early this season and save"
KOREAN = "이번 시즌 조기 갱신 할인"
migration = importlib.import_module("offers.migrations.0002_headline_per_language")


def customer_order(partner, language):
    order = OrderFactory(
        customer=CustomerFactory(partner=partner, language=language),
        product=ProductFactory(code="secure-site-ov", name="Secure Site OV"),
        term_end=date(2027, 1, 1),
    )
    PartnerPrice.objects.filter(partner=partner, product=order.product, plan_years=1).update(price=Decimal("590000"))
    return order


def customer_page(client, order):
    return client.get(customer_renewal_path(order)).content.decode()


def headline_shown(page):
    """The text of the notice's headline, or None without one."""
    if 'data-testid="offer-headline"' not in page:
        return None
    return page.split('data-testid="offer-headline">', 1)[1].split("<", 1)[0]


# The customer's renewal page


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(("language", "expected"), [("en", ENGLISH), ("ko", KOREAN)])
def test_the_customer_reads_the_headline_in_their_language(client, partner_a, language, expected):
    OfferFactory(partner=partner_a, headline_en=ENGLISH, headline_ko=KOREAN, amounts=["15"])
    page = customer_page(client, customer_order(partner_a, language))
    assert f'<html lang="{language}"' in page
    assert headline_shown(page) == expected


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("language", "headlines", "saving"),
    [
        ("ko", {"headline_en": ENGLISH, "headline_ko": ""}, "15% 할인"),
        ("en", {"headline_en": "", "headline_ko": KOREAN}, "Save 15%"),
    ],
)
def test_without_a_headline_in_their_language_the_customer_sees_the_saving_without_one(
    client, partner_a, language, headlines, saving
):
    """No fallback to the other language; the saving and the end date are still there, translated."""
    OfferFactory(partner=partner_a, amounts=["15"], **headlines)
    page = customer_page(client, customer_order(partner_a, language))
    assert headline_shown(page) is None
    assert ENGLISH not in page and KOREAN not in page
    assert 'data-testid="offer-saving"' in page and saving in page
    assert 'data-testid="offer-ends"' in page


@time_machine.travel(NOW, tick=False)
def test_the_customer_with_the_one_headline_in_their_language_reads_it(client, partner_a):
    OfferFactory(partner=partner_a, headline_en="", headline_ko=KOREAN, amounts=["15"])
    assert headline_shown(customer_page(client, customer_order(partner_a, "ko"))) == KOREAN


# The reminder email, in the contact's language


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(("language", "shown", "hidden"), [("ko", KOREAN, ENGLISH), ("en", ENGLISH, KOREAN)])
def test_the_reminder_email_carries_the_headline_of_its_language(partner_a, language, shown, hidden):
    order = customer_order(partner_a, language)
    contact = ContactFactory(customer=order.customer, language=language)
    OfferFactory(partner=partner_a, headline_en=ENGLISH, headline_ko=KOREAN, amounts=["15"])
    reminder = Reminder(order=order, kind="renewal", ends_on=order.term_end, threshold_days=30)
    rendered = render_reminder(contact=contact, partner=partner_a, reminders=[reminder], now=timezone.now())
    assert shown in rendered.html and shown in rendered.text
    assert hidden not in rendered.html and hidden not in rendered.text


# Staff: the Renew Now page and the offer's report


def staff_renew_page(client, user, order, language):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(reverse("order-renew", args=[order.order_number])).content.decode()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(("language", "expected"), [("en", ENGLISH), ("ko", KOREAN)])
def test_staff_read_the_headline_in_their_own_language(client, sales_a, partner_a, language, expected):
    OfferFactory(partner=partner_a, headline_en=ENGLISH, headline_ko=KOREAN, amounts=["15"])
    page = staff_renew_page(client, sales_a, customer_order(partner_a, "en"), language)
    assert headline_shown(page) == expected
    assert 'data-testid="offer-headline-other-language"' not in page


@time_machine.travel(NOW, tick=False)
def test_staff_read_the_other_languages_headline_marked_when_theirs_has_none(client, sales_a, partner_a):
    OfferFactory(partner=partner_a, headline_en=ENGLISH, headline_ko="", amounts=["15"])
    page = staff_renew_page(client, sales_a, customer_order(partner_a, "ko"), "ko")
    assert headline_shown(page) == f"{ENGLISH} "
    assert 'data-testid="offer-headline-other-language"' in page
    assert 'lang="en" data-testid="offer-headline"' in page


def test_the_offer_report_lists_both_headlines_and_says_when_one_is_missing(client, sales_a, partner_a):
    offer = OfferFactory(partner=partner_a, headline_en=ENGLISH, headline_ko="")
    client.force_login(sales_a)
    page = client.get(reverse("offer-report", args=[offer.pk])).content.decode()
    assert f'data-testid="headline-en">{ENGLISH}<' in page
    assert 'data-testid="headline-ko">None: customers who read Korean see the saving without a headline.<' in page


def test_headline_in_never_falls_back_and_headline_for_staff_does_with_a_mark():
    offer = Offer(headline_en=ENGLISH, headline_ko="")
    assert (offer.headline_in("en"), offer.headline_in("ko"), offer.headline_in("ko-kr")) == (ENGLISH, "", "")
    assert offer.headline_for_staff("ko") == (ENGLISH, "en", True)
    assert offer.headline_for_staff("en") == (ENGLISH, "en", False)
    assert Offer().headline_for_staff("ko") == ("", "ko", False)


# The form


def form_data(**fields):
    data = {
        "name": "Winter",
        "headline_en": ENGLISH,
        "headline_ko": KOREAN,
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-31",
        "shown_from_days": "60",
        "is_active": "on",
    }
    data.update(fields)
    return data


def offer_form(partner, **fields):
    return OfferForm(form_data(**fields), instance=Offer(partner=partner), today=date(2026, 12, 1))


def test_the_form_asks_for_a_headline_in_each_language(partner_a):
    form = offer_form(partner_a)
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["headline_en"], form.cleaned_data["headline_ko"]) == (ENGLISH, KOREAN)
    assert [field.label for field in form.headline_fields] == ["Headline in English", "Headline in Korean"]


@pytest.mark.parametrize("fields", [{"headline_en": ""}, {"headline_ko": ""}])
def test_one_headline_is_enough(partner_a, fields):
    assert offer_form(partner_a, **fields).is_valid()


def test_an_offer_needs_a_headline_in_one_language_at_least(partner_a):
    form = offer_form(partner_a, headline_en="  ", headline_ko="")
    assert not form.is_valid()
    assert form.errors["headline_en"] == [
        "Write the headline in English, in Korean or in both: customers see the one in their language."
    ]


def test_a_korean_partners_form_shows_the_korean_headline_first(partner_a):
    partner_a.language = "ko"
    assert [field.name for field in offer_form(partner_a).headline_fields] == ["headline_ko", "headline_en"]


@time_machine.travel(NOW, tick=False)
def test_the_new_offer_page_shows_the_partners_language_first_and_still_suggests_the_dates(client, sales_a, partner_a):
    partner_a.language = "ko"
    partner_a.save(update_fields=["language"])
    client.force_login(sales_a)
    page = client.get(reverse("offer-create")).content.decode()
    assert page.index('name="headline_ko"') < page.index('name="headline_en"')
    assert 'name="starts_on" value="2026-12-01"' in page and 'name="ends_on" value="2026-12-31"' in page


@time_machine.travel(NOW, tick=False)
def test_the_offer_page_saves_both_headlines(client, sales_a):
    data = form_data(
        **{
            "variants-TOTAL_FORMS": "1",
            "variants-INITIAL_FORMS": "0",
            "variants-0-label": "Ten",
            "variants-0-discount_percent": "10",
            "variants-0-weight": "1",
        }
    )
    client.force_login(sales_a)
    page = client.get(reverse("offer-create")).content.decode()
    assert 'name="headline_en"' in page and 'name="headline_ko"' in page
    assert client.post(reverse("offer-create"), data).status_code == 302
    offer = Offer.objects.get()
    assert (offer.headline_en, offer.headline_ko) == (ENGLISH, KOREAN)


# The migration


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", {"headline_en": ENGLISH, "headline_ko": ""}), ("ko", {"headline_en": "", "headline_ko": ENGLISH})],
)
def test_the_migration_puts_the_headline_in_the_partners_language(language, expected):
    """Whatever language it was written in: the partner wrote it for its customers."""
    assert migration.headline_fields(ENGLISH, language) == expected


def test_the_migration_back_keeps_the_partners_language_headline_else_the_other():
    assert migration.old_headline(ENGLISH, KOREAN, "ko") == KOREAN
    assert migration.old_headline(ENGLISH, KOREAN, "en") == ENGLISH
    assert migration.old_headline(ENGLISH, "", "ko") == ENGLISH
    assert migration.old_headline("", "", "en") == ""


@pytest.mark.django_db(transaction=True)
def test_migrating_splits_existing_headlines_by_partner_language():
    before, after = [("offers", "0001_initial")], [("offers", "0002_headline_per_language")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        OldOffer = executor.loader.project_state(before).apps.get_model("offers", "Offer")
        for slug, language, headline in (("k", "ko", "Renew early"), ("e", "en", "Renew early"), ("n", "ko", "")):
            partner = PartnerFactory(slug=slug, language=language)  # partners' tables are migrated to the end
            OldOffer.objects.create(
                partner_id=partner.pk,
                name=slug,
                headline=headline,
                starts_on=date(2026, 1, 1),
                ends_on=date(2026, 2, 1),
            )
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        new = executor.loader.project_state(after).apps.get_model("offers", "Offer")
        assert {offer.name: (offer.headline_en, offer.headline_ko) for offer in new.objects.all()} == {
            "k": ("", "Renew early"),
            "e": ("Renew early", ""),
            "n": ("", ""),
        }
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
