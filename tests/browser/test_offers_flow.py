"""A discount experiment from end to end, in English and Korean: a partner's staff creates an offer with
three amounts in the browser, a customer opens a signed renewal link on a phone and sees their amount and
the offer's end date, renews at that price, and the experiment report counts the renewal."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format

from offers.assignment import variant_for
from offers.models import Offer
from partners.models import Partner
from renewals.links import customer_renewal_path
from renewals.models import Order, PartnerPrice
from renewals.money import format_money
from renewals.pricing import discounted

from .conftest import log_in

SCREENSHOTS = Path(__file__).parent / "screenshots"
PHONE = {"width": 375, "height": 812}

pytestmark = pytest.mark.browser

# Who sets the offer up in each language, and what they call it.
CASES = {
    "en": dict(
        partner="acme",
        username="acme-sales",
        switch_to=None,
        name="Spring renewal test",
        headline="Renew before your offer ends",
        labels=["Ten", "Fifteen", "Twenty"],
    ),
    "ko": dict(
        partner="hanbit",
        username="hanbit-admin",
        switch_to="한국어",
        name="봄맞이 갱신 할인 실험",
        headline="혜택이 끝나기 전에 갱신하세요",
        labels=["10% 할인", "15% 할인", "20% 할인"],
    ),
}
PERCENTS = [Decimal("10"), Decimal("15"), Decimal("20")]
SHOWN_FROM_DAYS = 45


def order_in_scope(partner, language):
    """An open order of ``partner`` ending in 8 to 30 days (inside the offer's 45-day threshold), on a
    one-year plan, whose contact reads ``language``: the order the customer renews."""
    today = timezone.localdate(timezone=partner.tzinfo)
    orders = (
        Order.objects.for_partner(partner)
        .live()
        .filter(plan_years=1, term_end__range=(today + timedelta(days=8), today + timedelta(days=30)))
        .select_related("customer__partner", "product")
        .prefetch_related("customer__contacts")
        .order_by("order_number")
    )
    for order in orders:
        for contact in order.customer.contacts.all():
            if contact.effective_language == language and order.customer.effective_language == language:
                return order, contact
    raise AssertionError(f"no open {language} order ending in 8 to 30 days")


def switch_language(page, name, lang):
    page.get_by_test_id("language-switcher").get_by_role("button", name=name).click()
    page.wait_for_selector(f"html[lang={lang}]")


def page_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


def create_offer_in_the_browser(page, case, language, brand):
    """Fill /offers/new/ as the staff user: three amounts, the order's brand, a 45-day threshold."""
    page.goto("/offers/")
    if case["switch_to"]:
        switch_language(page, case["switch_to"], language)
    page.get_by_test_id("new-offer").click()
    page.wait_for_url("**/offers/new/")
    form = page.get_by_test_id("offer-form")
    form.locator("[name=name]").fill(case["name"])
    form.locator(f"[name=headline_{language}]").fill(case["headline"])  # their customers' language only
    form.locator("[name=shown_from_days]").fill(str(SHOWN_FROM_DAYS))
    form.locator(f"input[name=brands][value='{brand}']").check()
    for row, (label, percent) in enumerate(zip(case["labels"], PERCENTS, strict=True)):
        form.locator(f"[name=variants-{row}-label]").fill(label)
        form.locator(f"[name=variants-{row}-discount_percent]").fill(str(percent))
        form.locator(f"[name=variants-{row}-weight]").fill("1")
    ends_on = form.locator("[name=ends_on]").input_value()
    page.screenshot(path=SCREENSHOTS / f"offer-form-{language}.png", full_page=True)
    page.get_by_test_id("save-offer").click()
    page.wait_for_url("**/offers/*/")
    offer = Offer.objects.get(partner__slug=case["partner"], name=case["name"])
    assert page.url.endswith(f"/offers/{offer.pk}/")
    assert offer.ends_on.isoformat() == ends_on
    return offer


@pytest.mark.parametrize("language", ["en", "ko"])
def test_an_offer_made_in_the_browser_prices_a_customer_renewal_and_the_report_counts_it(
    page, browser, base_url, demo_data, language
):
    case = CASES[language]
    partner = Partner.objects.get(slug=case["partner"])
    # The demo's own experiment would compete for the same customers (the largest discount wins): end it.
    Offer.objects.for_partner(partner).update(is_active=False)
    order, contact = order_in_scope(partner, language)

    log_in(page, case["username"])
    offer = create_offer_in_the_browser(page, case, language, order.product.brand)
    variants = list(offer.variants.order_by("position", "pk"))
    assert [(v.label, v.discount_percent) for v in variants] == list(zip(case["labels"], PERCENTS, strict=True))
    assert offer.brands == [order.product.brand] and offer.shown_from_days == SHOWN_FROM_DAYS
    assert page.locator("html").get_attribute("lang") == language

    # The customer, on a phone, from the signed link of the reminder email.
    variant = variant_for(offer, order.customer_id)
    list_price = PartnerPrice.objects.get(partner=partner, product=order.product, plan_years=1).price
    price = discounted(
        list_price=list_price, currency=partner.currency, discount_percent=variant.discount_percent
    ).price
    customer = browser.new_context(
        base_url=base_url, viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="en-US"
    )
    try:
        phone = customer.new_page()
        phone.goto(customer_renewal_path(order, contact=contact))
        assert phone.locator("html").get_attribute("lang") == language
        notice = phone.get_by_test_id("offer-notice")
        with translation.override(language):
            ends = date_format(offer.ends_on, "DATE_FORMAT")
            before, after = format_money(list_price, partner.currency), format_money(price, partner.currency)
        assert notice.get_by_test_id("offer-headline").inner_text() == case["headline"]
        shown = notice.get_by_test_id("offer-saving").inner_text()
        assert f"{variant.discount_percent.normalize():f}%" in shown and before in shown and after in shown, shown
        assert ends in notice.get_by_test_id("offer-ends").inner_text()
        assert phone.get_by_test_id("price").inner_text() == after
        assert before != after
        assert page_width(phone) <= PHONE["width"], "the renewal page scrolls sideways on a phone"
        phone.screenshot(path=SCREENSHOTS / f"customer-offer-{language}.png", full_page=True)

        phone.get_by_test_id("accept-price").check()
        phone.get_by_test_id("confirm-renewal").click()
        phone.get_by_test_id("customer-renewed").wait_for()
    finally:
        customer.close()

    renewal = Order.objects.get(renewed_from=order)
    assert (renewal.offer, renewal.offer_variant) == (offer, variant)
    assert (renewal.list_price, renewal.discount_percent, renewal.price) == (
        list_price,
        variant.discount_percent,
        price,
    )

    # The staff user's report counts the customer once, in their variant, with the renewal.
    page.goto(f"/offers/{offer.pk}/")
    assert page.locator("html").get_attribute("lang") == language
    for row_variant in variants:
        row = page.locator(f"[data-testid=report-row][data-variant='{row_variant.label}']")
        counted = "1" if row_variant == variant else "0"
        assert row.get_by_test_id("reached").inner_text() == counted, row_variant.label
        assert row.get_by_test_id("renewals").inner_text() == counted, row_variant.label
    revenue = page.locator(f"[data-testid=report-row][data-variant='{variant.label}']").get_by_test_id("revenue")
    per_reached = revenue.locator("xpath=..").get_by_test_id("revenue-per-reached")
    with translation.override(language):
        assert revenue.inner_text() == format_money(price, partner.currency)
        assert per_reached.inner_text() == format_money(price, partner.currency)  # one reached, one renewal
    assert page.get_by_test_id("verdict").is_visible()
    page.screenshot(path=SCREENSHOTS / f"offer-report-{language}.png", full_page=True)

    page.goto("/offers/")
    row = page.get_by_test_id("offer-row").filter(has_text=case["name"])
    assert row.get_by_test_id("offer-renewals").inner_text() == "1"
    page.screenshot(path=SCREENSHOTS / f"offers-list-{language}.png", full_page=True)
