"""A customer turns auto-renew on from the renewal page of a reminder's signed link (a Korean customer
and an English one, on a phone); sales staff see it in Quick View; the clock moves to the renewal day,
the sweep runs, and the page then shows the renewal."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from demo.seeding import seed_products
from notifications.sender import send_pending
from notifications.sweep import run_sweep
from partners.models import Role
from renewals.links import customer_renewal_path
from renewals.models import AutoRenewal, AutoRenewalStatus, Order, PartnerPrice, Product
from tests.factories import PASSWORD, ContactFactory, CustomerFactory, MembershipFactory, OrderFactory, PartnerFactory

from .conftest import log_in

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).parent / "screenshots"
PHONE = {"width": 375, "height": 812}
NOW = datetime(2026, 12, 1, 3, tzinfo=UTC)  # noon in Seoul, 91 days before the terms end
RENEWAL_DAY = datetime(2027, 1, 30, 1, tzinfo=UTC)  # 10:00 in Seoul, 30 days before

CASES = {
    "ko": dict(partner="한빛시큐어", company="푸른식품", contact="김서연", name="www.pureun-food.co.kr"),
    "en": dict(
        partner="Acme Certificates", company="Blue Lumen Labs", contact="Jordan Smith", name="www.bluelumen.com"
    ),
}


def customer_order(language, product):
    case = CASES[language]
    partner = PartnerFactory(name=case["partner"], language=language, slug=f"auto-{language}")
    for years in (1, 2, 3):
        PartnerPrice.objects.create(
            partner=partner, product=product, plan_years=years, price=product.list_price * years
        )
    customer = CustomerFactory(partner=partner, company_name=case["company"], language=language)
    contact = ContactFactory(customer=customer, name=case["contact"], language=language)
    order = OrderFactory(
        customer=customer,
        product=product,
        common_name=case["name"],
        sans=[case["name"]],
        term_end=timezone.localdate(NOW, customer.tzinfo) + timedelta(days=90),
        priced=False,
    )
    return order, contact


def test_a_customer_turns_auto_renew_on_and_sees_it_happen(page, browser, live_server, transactional_db):
    seed_products()
    product = Product.objects.get(code="secure-site-ov")
    phone = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    phone.set_default_timeout(15_000)
    customer_page = phone.new_page()
    links = {}
    with time_machine.travel(NOW, tick=True) as clock:
        for language in ("ko", "en"):
            order, contact = customer_order(language, product)
            links[language] = (order, live_server.url + customer_renewal_path(order, contact=contact))
            customer_page.goto(links[language][1])
            assert customer_page.get_by_test_id("auto-renew").get_attribute("data-state") == "off"
            customer_page.get_by_test_id("auto-renew-form").locator("select").select_option("2")
            customer_page.get_by_test_id("auto-renew-on-button").click()
            customer_page.get_by_test_id("auto-renew-on").wait_for()
            auto = AutoRenewal.objects.get(order=order)
            assert (auto.status, auto.plan_years, auto.enabled_by) == (AutoRenewalStatus.SCHEDULED, 2, None)
            text = customer_page.get_by_test_id("auto-renew-on").inner_text()
            assert ("2027년 1월 30일" if language == "ko" else "30 Jan 2027") in text
            assert ("1,180,000원" if language == "ko" else "₩1,180,000") in text
            assert customer_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            customer_page.screenshot(path=SCREENSHOTS / f"auto-renew-on-{language}.png", full_page=True)

        # Sales staff see it in the order's Quick View, with the switch to turn it off.
        order = links["en"][0]
        MembershipFactory(partner=order.partner, role=Role.SALES, user__username="acme-auto-sales")
        log_in(page, "acme-auto-sales", PASSWORD)
        page.goto(f"/orders/{order.order_number}/")
        card = page.get_by_test_id("auto-renew-card")
        assert card.get_attribute("data-state") == "scheduled"
        assert "30 Jan 2027" in card.inner_text() and card.get_by_test_id("auto-renew-off").is_visible()
        card.scroll_into_view_if_needed()
        page.screenshot(path=SCREENSHOTS / "auto-renew-quickview-en.png", full_page=True)

        # The renewal day comes: beat's sweep renews both orders and queues the "renewed" emails.
        clock.move_to(RENEWAL_DAY)
        swept = run_sweep(now=timezone.now())
        assert swept.auto_renewed == 2
        assert send_pending(now=timezone.now()).sent == 2
        for language, (order, link) in links.items():
            renewal = Order.objects.get(renewed_from=order)
            assert renewal.plan_years == 2
            customer_page.goto(link)
            customer_page.get_by_test_id("renewed-automatically").wait_for()
            assert renewal.order_number in customer_page.get_by_test_id("renewal-facts").inner_text()
            if language == "en":
                customer_page.screenshot(path=SCREENSHOTS / "auto-renewed-en.png", full_page=True)
    phone.close()
