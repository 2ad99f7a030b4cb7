"""The Expiring Certificates page as support and sales use it, in real Chromium."""

from pathlib import Path

import pytest

from partners.models import Partner
from renewals.models import NoticeChange, Order, OrderNote

from .conftest import log_in

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).parent / "screenshots"


def rows(page):
    return page.get_by_test_id("order-row")


def test_support_works_the_8_to_30_window(page, demo_data):
    log_in(page, "acme-support")
    page.get_by_test_id("nav-expiring").click()
    page.locator("[data-window='30']").click()
    page.wait_for_url("**window=30**")
    assert rows(page).count() > 0
    page.screenshot(path=SCREENSHOTS / "expiring-en.png", full_page=True)

    first = Order.objects.get(partner__slug="acme", order_number=rows(page).first.get_attribute("data-order"))
    page.select_option("#filter-product", str(first.product_id))
    page.get_by_test_id("apply-filters").click()
    page.wait_for_url(f"**product={first.product_id}**")
    assert all(first.product.name in text for text in rows(page).all_inner_texts())

    page.fill("#filter-q", first.common_name)
    page.get_by_test_id("apply-filters").click()
    page.wait_for_url("**q=**")
    assert rows(page).count() == 1
    assert page.get_by_test_id("order-row").get_attribute("data-order") == first.order_number

    page.get_by_test_id("quick-view").click()
    panel = page.get_by_test_id("quick-view-body")
    panel.get_by_test_id("add-note").wait_for()
    assert first.common_name in panel.inner_text()
    panel.locator("textarea[name=body]").fill("Post-sale call: customer will renew in December")
    panel.get_by_test_id("add-note").click()
    panel.get_by_test_id("note").first.wait_for()
    assert "renew in December" in panel.get_by_test_id("note").first.inner_text()
    assert OrderNote.objects.filter(order=first).count() == 1
    page.screenshot(path=SCREENSHOTS / "quick-view.png")
    page.locator("#quick-view .btn-close").click()
    page.locator("#quick-view").wait_for(state="hidden")

    switch = page.get_by_test_id("notices-switch")
    was_on = switch.is_checked()
    switch.click()
    page.locator(".notices-status[data-state=saved]").wait_for()
    page.reload()
    assert page.get_by_test_id("notices-switch").is_checked() is (not was_on)
    first.refresh_from_db()
    assert first.renewal_notices is (not was_on)
    change = NoticeChange.objects.get(order=first)
    assert (change.old_value, change.new_value, change.changed_by.username) == (was_on, not was_on, "acme-support")


def test_sales_renews_from_the_list_and_reads_it_in_korean(page, demo_data):
    log_in(page, "acme-sales")
    page.goto("/expiring/?window=30&action=renew")
    row = rows(page).first
    number = row.get_attribute("data-order")
    row.get_by_test_id("renew-now").click()
    page.get_by_test_id("confirm-renewal").click()
    page.wait_for_url(f"**/orders/{number}/")
    renewal = Order.objects.get(partner=Partner.objects.get(slug="acme"), renewed_from__order_number=number)
    page.goto(f"/expiring/?window=30&q={number}")
    assert f"#{renewal.order_number}" in page.get_by_test_id("renewed").inner_text()

    page.get_by_test_id("language-switcher").get_by_role("button", name="한국어").click()
    page.wait_for_selector("html[lang=ko]")
    assert "만료 예정 인증서" in page.get_by_role("heading", level=1).inner_text()
    assert "갱신됨" in page.get_by_test_id("renewed").inner_text()
    page.goto("/expiring/?window=30")
    page.screenshot(path=SCREENSHOTS / "expiring-ko.png", full_page=True)


def test_a_modified_click_on_an_order_opens_its_page_in_a_new_tab_not_the_panel(page, demo_data):
    log_in(page, "acme-support")
    page.goto("/expiring/?window=30")
    link = page.get_by_test_id("quick-view").first
    with page.context.expect_page() as opened:
        link.click(modifiers=["ControlOrMeta"])
    tab = opened.value
    tab.wait_for_load_state()
    assert tab.url.endswith(link.get_attribute("href"))
    assert tab.get_by_test_id("order-status").is_visible()
    assert page.locator("#quick-view.show").count() == 0
    assert page.get_by_test_id("quick-view-body").inner_html() == ""


def test_a_switch_that_gets_no_answer_goes_back_and_says_so(page, demo_data):
    log_in(page, "acme-support")
    page.goto("/expiring/?window=30")
    row = rows(page).first
    order = Order.objects.get(partner__slug="acme", order_number=row.get_attribute("data-order"))
    switch = row.get_by_test_id("notices-switch")
    was_on = switch.is_checked()
    failed = row.locator(".notices-status[data-state=failed]")

    page.route("**/notices/", lambda route: route.abort())  # the network
    switch.click()
    failed.wait_for()
    assert failed.inner_text() == "Not saved: try again"
    assert switch.is_checked() is was_on and switch.is_enabled()

    page.unroute("**/notices/")
    page.route("**/notices/", lambda route: route.fulfill(status=500, body="Server Error"))  # the server
    switch.click()
    page.wait_for_function("row => !row.querySelector('.notices-switch').disabled", arg=row.element_handle())
    assert switch.is_checked() is was_on and failed.is_visible()
    order.refresh_from_db()
    assert order.renewal_notices is was_on and not NoticeChange.objects.filter(order=order).exists()


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_without_javascript_orders_open_as_pages_and_the_switch_saves_with_a_button(page, demo_data):
    log_in(page, "acme-support")
    page.goto("/expiring/?window=30")
    row = rows(page).first
    number = row.get_attribute("data-order")
    row.get_by_test_id("quick-view").click()
    page.wait_for_url(f"**/orders/{number}/")
    assert page.get_by_test_id("full-page-link").count() == 0  # the order's page, not the panel

    page.goto(f"/expiring/?window=30&q={number}")
    switch = page.get_by_test_id("notices-switch")
    was_on = switch.is_checked()
    switch.click()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/orders/{number}/")
    expected = "Renewal notices are off." if was_on else "Renewal notices are on."
    assert expected in page.get_by_role("alert").inner_text()
    assert Order.objects.get(partner__slug="acme", order_number=number).renewal_notices is (not was_on)
