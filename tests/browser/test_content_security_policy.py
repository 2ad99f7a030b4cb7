"""Under the Content-Security-Policy, Chromium blocks nothing the portal needs: every script comes from
static files and still runs, every style applies, and the reminder email in its sandboxed frame keeps
its look."""

import pytest

from renewals.links import customer_renewal_path

from .conftest import log_in
from .test_renew_now import open_order_ending_in_8_to_30_days

pytestmark = pytest.mark.browser


def watch_for_violations(page):
    """Chromium reports every blocked script, style or image on the console."""
    violations = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and violations.append(f"{page.url}: {message.text}"),
    )
    return violations


def test_staff_pages_run_their_scripts_and_report_no_violation(page, demo_data):
    violations = watch_for_violations(page)
    order, _today = open_order_ending_in_8_to_30_days("acme")
    log_in(page, "acme-admin")
    for path in ("/", "/outbox/", "/settings/reminders/", "/settings/prices/", f"/orders/{order.order_number}/"):
        page.goto(path)
        assert page.evaluate("document.readyState") == "complete"

    # The Expiring Certificates page: the Quick View panel loads (static/js/expiring.js).
    page.goto("/expiring/?window=all")
    page.get_by_test_id("quick-view").first.click()
    page.get_by_test_id("quick-view-body").get_by_test_id("full-page-link").wait_for()

    # The renew page refreshes its preview when the plan changes (static/js/renew-confirm.js).
    page.goto(f"/orders/{order.order_number}/renew/")
    page.get_by_test_id("preview-form").locator("select[name=plan_years]").select_option("2")
    page.wait_for_url("**plan_years=2**")
    assert violations == []


def test_the_reminder_email_keeps_its_look_in_the_preview(page, demo_data):
    violations = watch_for_violations(page)
    log_in(page, "acme-admin")
    page.goto("/reminders/preview/?threshold=7")
    frame = page.frame_locator("[data-testid=preview-html]")
    # The badge of an urgent email is red: the email's inline styles and <style> block apply.
    assert (
        frame.locator(".days").first.evaluate("badge => getComputedStyle(badge).backgroundColor") == "rgb(207, 34, 46)"
    )
    assert frame.locator("img").first.evaluate("picture => picture.naturalWidth") > 0
    assert violations == []


def test_the_customer_page_changes_plan_and_reports_no_violation(page, demo_data):
    violations = watch_for_violations(page)
    order, _today = open_order_ending_in_8_to_30_days("hanbit")
    page.goto(customer_renewal_path(order))
    page.get_by_test_id("customer-confirm-form").locator("select[name=plan_years]").select_option("2")
    page.wait_for_url("**plan_years=2**")
    assert page.get_by_test_id("price-box").is_visible()
    assert violations == []


def test_the_admin_works_under_the_policy(page, demo_data):
    """Django's admin ships no inline script either; its widgets style elements from script, which the
    policy allows."""
    violations = watch_for_violations(page)
    log_in(page, "operator")
    for path in ("/admin/", "/admin/renewals/order/", "/admin/renewals/order/?q=www", "/admin/axes/accessattempt/"):
        page.goto(path)
        assert page.evaluate("document.readyState") == "complete"
    page.goto("/admin/renewals/order/")
    page.locator("#result_list tbody a").first.click()
    page.wait_for_url("**/change/")
    assert violations == []
