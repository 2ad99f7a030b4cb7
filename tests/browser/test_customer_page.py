"""The customer's renewal page on a phone (375 px), in English and Korean: greeted by name, the price
accepted with a tick, renewed, and told what happens next."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from demo.seeding import seed_products
from renewals.links import customer_renewal_path
from renewals.models import Order, PartnerPrice, Product
from renewals.money import format_money
from tests.factories import CertificateFactory, ContactFactory, CustomerFactory, OrderFactory, PartnerFactory

SCREENSHOTS = Path(__file__).parent / "screenshots"
PHONE = {"width": 375, "height": 812}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.browser_context_args(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True),
]

# What each language's reader sees: the partner (as in the demo), the contact, and the page's words.
CASES = {
    "en": dict(
        partner=dict(
            slug="acme", name="Acme Certificates", sender_name="Acme Renewals", reply_to="renewals@acme.example"
        ),
        company="Blue Lumen Labs",
        contact="Jordan Smith",
        common_name="www.bluelumen.com",
        greeting="Dear Jordan Smith,",
        error="Please tick the box to accept the price before renewing.",
        thanks="Thank you: your certificate is renewed",
    ),
    "ko": dict(
        partner=dict(
            slug="hanbit", name="한빛시큐어", sender_name="한빛시큐어 갱신팀", reply_to="renew@hanbit.example"
        ),
        company="푸른식품",
        contact="김서연",
        common_name="www.pureun-food.co.kr",
        greeting="김서연님께",
        error="가격에 동의해 주세요",
        thanks="감사합니다",
    ),
}


def order_ending_in_20_days(language):
    case = CASES[language]
    seed_products()
    product = Product.objects.get(code="secure-site-ov")
    partner = PartnerFactory(language=language, **case["partner"])
    for years in (1, 2, 3):
        PartnerPrice.objects.update_or_create(
            partner=partner, product=product, plan_years=years, defaults={"price": product.list_price * years}
        )
    customer = CustomerFactory(partner=partner, company_name=case["company"], language=language)
    contact = ContactFactory(customer=customer, name=case["contact"], language=language)
    today = timezone.localdate(timezone=customer.tzinfo)
    name = case["common_name"]
    order = OrderFactory(
        customer=customer,
        product=product,
        common_name=name,
        sans=[name, name.removeprefix("www.")],
        term_end=today + timedelta(days=20),
    )
    issued = datetime.now(UTC) - timedelta(days=179)
    CertificateFactory(order=order, not_before=issued, not_after=issued + timedelta(days=199))
    return order, contact


def page_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("language", ["en", "ko"])
def test_customer_renews_on_a_phone(page, transactional_db, language):
    case = CASES[language]
    order, contact = order_ending_in_20_days(language)
    path = customer_renewal_path(order, contact=contact)

    page.goto(path)
    assert page.locator("html").get_attribute("lang") == language
    assert case["greeting"] in page.get_by_test_id("greeting").inner_text()
    assert page.get_by_test_id("price").is_visible()
    assert page_width(page) <= PHONE["width"], "the page scrolls sideways on a phone"
    page.screenshot(path=SCREENSHOTS / f"customer-renew-{language}.png", full_page=True)

    # Renewing without accepting the price renews nothing and says why.
    page.get_by_test_id("confirm-renewal").click()
    page.get_by_test_id("accept-price-error").wait_for()
    assert case["error"] in page.get_by_test_id("accept-price-error").inner_text()
    assert not Order.objects.filter(renewed_from=order).exists()

    page.get_by_test_id("accept-price").check()
    page.get_by_test_id("confirm-renewal").click()
    page.get_by_test_id("customer-renewed").wait_for()
    renewal = Order.objects.get(renewed_from=order)
    text = page.get_by_test_id("customer-renewed").inner_text()
    assert case["thanks"] in text
    assert renewal.order_number in text
    assert case["partner"]["reply_to"] in text
    assert renewal.price == PartnerPrice.objects.get(partner=order.partner, product=order.product, plan_years=1).price
    assert format_money(renewal.price, renewal.currency, language) in text
    assert page_width(page) <= PHONE["width"], "the thank-you page scrolls sideways on a phone"
    page.screenshot(path=SCREENSHOTS / f"customer-renewed-{language}.png", full_page=True)

    # Opening the link again shows the same facts.
    page.goto(path)
    assert renewal.order_number in page.get_by_test_id("customer-renewed").inner_text()
    assert Order.objects.filter(renewed_from=order).count() == 1
