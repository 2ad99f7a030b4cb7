"""The sales screens of incentives and upsell, in English and Korean, checked for what they say: the call
task list with the customer's contacts, the console banner whose numbers equal the lists they link to,
Renew Now's upgrade and multi-year suggestions that preselect their product and plan, and the customer
page's selection wizard on a phone with its recommendation and reason."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone, translation

from followups.models import CallTask
from followups.selectors import task_list
from followups.services import create_call_tasks
from partners.models import Partner
from renewals.links import customer_renewal_path
from renewals.models import Order, Product
from renewals.money import format_money
from renewals.selectors import renewal_preview
from renewals.services import upgrade_choices
from renewals.upsell import SuggestionKind, renewal_options, suggestions
from renewals.wizard import Answers, Domains

from .conftest import log_in

SCREENSHOTS = Path(__file__).parent / "screenshots"
PHONE = {"width": 375, "height": 812}
PHONE_CONTEXT = dict(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)

pytestmark = pytest.mark.browser

# Each language's partner (the demo's) and its sales user; Korean staff pick Korean with the switcher.
STAFF = {"en": ("acme", "acme-sales", None), "ko": ("hanbit", "hanbit-sales", "한국어")}
LANGUAGES = ["en", "ko"]


def switch_language(page, name, lang):
    page.get_by_test_id("language-switcher").get_by_role("button", name=name).click()
    page.wait_for_selector(f"html[lang={lang}]")


def staff_in(page, language, path):
    """Log the language's sales user in and open ``path`` in ``language``; returns the partner."""
    slug, username, switch_to = STAFF[language]
    log_in(page, username)
    page.goto(path)
    if switch_to:
        switch_language(page, switch_to, language)
    assert page.locator("html").get_attribute("lang") == language
    return Partner.objects.get(slug=slug)


def number(text):
    """The last whole number in ``text`` ("Page 1 of 3 · 1,204 orders" → 1204)."""
    return int(re.findall(r"\d[\d,]*", text)[-1].replace(",", ""))


def open_order(partner, *, product_code, language=None):
    """An open one-year order of ``product_code`` ending in 8 to 30 days, with a contact reading
    ``language`` when one is given: ``(order, contact)``."""
    today = timezone.localdate(timezone=partner.tzinfo)
    orders = (
        Order.objects.for_partner(partner)
        .live()
        .filter(
            product__code=product_code,
            plan_years=1,
            term_end__range=(today + timedelta(days=8), today + timedelta(days=30)),
        )
        .select_related("customer__partner", "product__upgrade_to")
        .prefetch_related("customer__contacts")
        .order_by("order_number")
    )
    for order in orders:
        for contact in order.customer.contacts.all():
            if language is None or (
                contact.effective_language == language and order.customer.effective_language == language
            ):
                return order, contact
    raise AssertionError(f"no open {product_code} order ending in 8 to 30 days")


@pytest.mark.parametrize("language", LANGUAGES)
def test_call_tasks_list_the_customers_contacts_to_phone(page, demo_data, language):
    partner = Partner.objects.get(slug=STAFF[language][0])
    create_call_tasks(at=timezone.now(), partner=partner)
    assert create_call_tasks(at=timezone.now(), partner=partner) == 0  # once per order and threshold
    assert CallTask.objects.for_partner(partner).exists()

    staff_in(page, language, "/tasks/")
    user = get_user_model().objects.get(username=STAFF[language][1])
    expected = list(task_list(partner=partner, user=user)[:25])
    cards = page.get_by_test_id("call-task")
    assert cards.count() == len(expected)
    assert cards.first.get_attribute("data-order") == expected[0].order.order_number
    first = expected[0]
    contacts = cards.first.get_by_test_id("task-contacts").inner_text()
    for contact in first.customer.contacts.all():
        assert contact.name in contacts and contact.email in contacts
        assert not contact.phone or contact.phone in contacts
    with translation.override(language):
        assert format_money(first.order.price, first.order.currency) in cards.first.inner_text()
    assert cards.first.get_by_test_id("outcome-form").is_visible()
    assert number(page.get_by_test_id("task-pages").inner_text()) == task_list(partner=partner, user=user).count()
    page.screenshot(path=SCREENSHOTS / f"call-tasks-{language}.png", full_page=False)


@pytest.mark.parametrize("language", LANGUAGES)
def test_banner_numbers_equal_the_lists_they_link_to(page, demo_data, language):
    staff_in(page, language, "/")
    banner = page.get_by_test_id("console-banner")
    assert banner.is_visible()
    page.screenshot(path=SCREENSHOTS / f"home-banner-{language}.png")
    lines = banner.locator("li[data-banner-window]")
    assert lines.count() >= 1
    links = []
    for index in range(lines.count()):
        line = lines.nth(index)
        for test_id in ("banner-ending", "banner-notices-off"):
            link = line.get_by_test_id(test_id)
            links.append((test_id, number(link.inner_text()), link.get_attribute("href")))
    for test_id, shown, href in links:
        page.goto(href)
        assert "/expiring/" in page.url
        if shown:
            assert number(page.get_by_test_id("page-summary").inner_text()) == shown, (test_id, href)
        else:
            assert page.get_by_test_id("empty-state").is_visible(), (test_id, href)
    # Hidden for today: the banner goes, and stays gone on the next page.
    page.goto("/")
    page.get_by_test_id("banner-dismiss").get_by_role("button").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("console-banner").count() == 0
    page.goto("/expiring/")
    assert page.get_by_test_id("console-banner").count() == 0


@pytest.mark.parametrize("language", LANGUAGES)
def test_renew_now_suggests_an_upgrade_and_a_longer_plan_that_preselect_their_choice(page, demo_data, language):
    partner = Partner.objects.get(slug=STAFF[language][0])
    order, _contact = open_order(partner, product_code="secure-site-ov")
    at = timezone.now()
    allowed = set(upgrade_choices(order.product, partner=partner))
    with translation.override(language):  # the benefits' words are the page's language
        expected = {s.kind: s for s in suggestions(order, at=at, allowed=allowed)}
    assert set(expected) == {SuggestionKind.UPGRADE, SuggestionKind.MULTI_YEAR}
    upgrade, longer = expected[SuggestionKind.UPGRADE], expected[SuggestionKind.MULTI_YEAR]
    assert upgrade.product == Product.objects.get(code="secure-site-pro-ov") and longer.plan_years == 3

    staff_in(page, language, f"/orders/{order.order_number}/renew/")
    box = page.get_by_test_id("suggestions")
    with translation.override(language):
        for suggestion in (upgrade, longer):
            text = box.get_by_test_id(f"suggestion-{suggestion.kind}").inner_text()
            assert format_money(suggestion.price.price, suggestion.price.currency) in text, text
            assert format_money(abs(suggestion.difference), suggestion.price.currency) in text, text
        assert upgrade.product.name in box.get_by_test_id("suggestion-upgrade").inner_text()
        for benefit in upgrade.benefits:
            assert benefit in box.get_by_test_id("suggestion-upgrade").inner_text()
        saving = format_money(longer.yearly_saving, longer.price.currency)
        assert saving in box.get_by_test_id("suggestion-multi_year").get_by_test_id("suggestion-saving").inner_text()
    page.screenshot(path=SCREENSHOTS / f"renew-suggestions-{language}.png", full_page=True)

    for suggestion in (upgrade, longer):
        page.goto(f"/orders/{order.order_number}/renew/")
        page.get_by_test_id(f"suggestion-{suggestion.kind}").get_by_test_id("choose-suggestion").click()
        page.wait_for_url(re.compile(r".*/renew/\?.*plan_years="))
        assert page.locator("#id_product").input_value() == str(suggestion.product.pk)
        assert page.locator("#id_plan_years").input_value() == str(suggestion.plan_years)
        with translation.override(language):
            shown = format_money(suggestion.price.price, suggestion.price.currency)
        assert page.get_by_test_id("renewal-facts").get_by_test_id("price").locator("strong").inner_text() == shown
        confirm = page.get_by_test_id("confirm-form")
        assert confirm.locator("[name=product]").input_value() == str(suggestion.product.pk)
        assert confirm.locator("[name=plan_years]").input_value() == str(suggestion.plan_years)


@pytest.mark.browser_context_args(**PHONE_CONTEXT)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_wizard_recommends_a_product_with_its_reason_on_a_phone(page, demo_data, language):
    partner = Partner.objects.get(slug=STAFF[language][0])
    order, contact = open_order(partner, product_code="secure-site-ov", language=language)
    answers = Answers(personal=True, payment=True, domains=Domains.ONE)
    with translation.override(language):
        recommendation = renewal_options(order).recommend(answers)
    assert recommendation.fits and recommendation.product.validation_level == "EV"

    page.goto(customer_renewal_path(order, contact=contact))
    assert page.locator("html").get_attribute("lang") == language
    wizard = page.get_by_test_id("wizard")
    wizard.locator("summary").click()
    wizard.locator("input[name=personal][value=yes]").check()
    wizard.locator("input[name=payment][value=yes]").check()
    wizard.locator(f"input[name=domains][value={Domains.ONE}]").check()
    wizard.get_by_test_id("wizard-submit").click()
    shown = page.get_by_test_id("recommendation")
    shown.wait_for()
    assert recommendation.product.name in shown.get_by_test_id("recommended-product").inner_text()
    assert shown.get_by_test_id("recommendation-reason").inner_text() == recommendation.reason
    badge = page.get_by_test_id("product-choice").filter(has=page.locator(f"#product-{recommendation.product.code}"))
    assert badge.locator(".badge.text-bg-success").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shown.scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / f"customer-wizard-{language}.png", full_page=True)

    shown.get_by_test_id("renew-with-recommendation").click()
    page.wait_for_url(re.compile(rf".*product={recommendation.product.code}.*"))
    assert page.locator(f"#product-{recommendation.product.code}").is_checked()
    price = renewal_preview(order=order, at=timezone.now(), product=recommendation.product).price
    with translation.override(language):
        assert page.get_by_test_id("price").inner_text() == format_money(price.price, price.currency)
    assert recommendation.product.name in page.get_by_test_id("price-box").inner_text()
    assert page.get_by_test_id("customer-confirm-form").locator("input[type=hidden][name=product]").input_value() == (
        recommendation.product.code
    )
    page.screenshot(path=SCREENSHOTS / f"customer-wizard-chosen-{language}.png", full_page=True)
