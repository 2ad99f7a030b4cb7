"""Staff screens on a common laptop (1366x768): the header on one line for every role, the sort control
in view, and Quick View telling renewable, not-yet-open and renewed orders apart, in both languages."""

import re
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.db.models import F
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.timezone import localtime

from notifications.models import OutboxEmail
from notifications.sender import send_pending
from notifications.sweep import run_sweep
from partners.models import Partner
from renewals.models import Order, OrderStatus

from .conftest import log_in

SCREENSHOTS = Path(__file__).parent / "screenshots"
WIDTH, HEIGHT = 1366, 768

pytestmark = [pytest.mark.browser, pytest.mark.browser_context_args(viewport={"width": WIDTH, "height": HEIGHT})]

# Everything the header shows, each a box that must sit on the header's one line.
HEADER_ITEMS = ", ".join(
    [
        ".portal-navbar .navbar-brand",
        ".portal-navbar [data-testid=current-partner]",
        ".portal-navbar [data-testid=current-role]",
        ".portal-navbar .navbar-nav .nav-link",
        ".portal-navbar [data-testid=language-switcher] button",
        ".portal-navbar [data-testid=current-user]",
        ".portal-navbar [data-testid=log-out]",
    ]
)


def boxes(page, selector):
    """The visible boxes of ``selector``, with their text, in page coordinates."""
    return page.eval_on_selector_all(
        selector,
        """elements => elements.filter(e => e.offsetParent !== null).map(e => {
             const r = e.getBoundingClientRect();
             return {text: e.innerText.trim(), left: r.left, right: r.right, top: r.top, bottom: r.bottom};
           })""",
    )


def assert_on_one_line_inside_the_viewport(items):
    assert items
    # On one line: every item's vertical extent overlaps every other's (a wrapped item sits below).
    lowest_top = max(item["top"] for item in items)
    highest_bottom = min(item["bottom"] for item in items)
    assert lowest_top < highest_bottom, [(item["text"], item["top"]) for item in items]
    for item in items:
        assert item["left"] >= 0 and item["right"] <= WIDTH, item


def switch_language(page, name, lang):
    page.get_by_test_id("language-switcher").get_by_role("button", name=name).click()
    page.wait_for_selector(f"html[lang={lang}]")


ROLES = [
    ("sales", "acme-sales", "Sales"),
    ("support", "acme-support", "Support"),
    ("partner-admin", "acme-admin", "Partner admin"),
    ("network-admin", "network-admin", "Partner admin"),
]


@pytest.mark.parametrize(("role", "username", "role_label"), ROLES, ids=[role for role, *_ in ROLES])
def test_the_header_fits_on_one_line_at_1366_for_every_role(page, demo_data, role, username, role_label):
    log_in(page, username)
    page.goto("/expiring/")
    assert page.get_by_test_id("current-role").inner_text() == role_label
    items = boxes(page, HEADER_ITEMS)
    texts = [item["text"] for item in items]
    assert "Expiring Certificates" in texts and "Log out" in texts
    assert ("Settings" in texts) is (role_label == "Partner admin")
    assert_on_one_line_inside_the_viewport(items)
    header = page.locator(".portal-navbar").bounding_box()
    assert header["height"] < 80  # one row, not two
    page.screenshot(path=SCREENSHOTS / f"header-{role}.png", clip={"x": 0, "y": 0, "width": WIDTH, "height": 120})
    if role_label == "Partner admin":  # the partner's settings are one menu away
        page.get_by_test_id("nav-settings").click()
        page.get_by_role("link", name="Reminder policy").click()
        page.wait_for_url("**/settings/reminders/")

    switch_language(page, "한국어", "ko")
    assert_on_one_line_inside_the_viewport(boxes(page, HEADER_ITEMS))
    switch_language(page, "English", "en")


def test_network_admin_switches_partner_from_the_header_menu(page, demo_data):
    log_in(page, "network-admin")
    page.goto("/expiring/")
    first = page.get_by_test_id("current-partner").inner_text()
    menu = page.get_by_test_id("partner-switcher")
    menu.get_by_role("button", name=first).click()
    options = menu.get_by_test_id("switch-to")
    assert options.count() == 3
    other = next(text for text in options.all_inner_texts() if text != first)
    assert_on_one_line_inside_the_viewport(boxes(page, HEADER_ITEMS))
    page.screenshot(
        path=SCREENSHOTS / "header-network-admin-menu.png", clip={"x": 0, "y": 0, "width": WIDTH, "height": 260}
    )
    menu.get_by_role("button", name=other).click()
    page.wait_for_url(re.compile(r"/expiring/\?window=7$"))  # back to the page, on its window
    assert page.get_by_test_id("current-partner").inner_text() == other


@pytest.mark.parametrize(("language", "lang", "button"), [("en", "en", None), ("ko", "ko", "한국어")])
def test_the_dashboards_sort_control_is_fully_in_view(page, demo_data, language, lang, button):
    log_in(page, "acme-admin")
    page.goto("/expiring/?window=30")
    if button:
        switch_language(page, button, lang)
    page.screenshot(path=SCREENSHOTS / f"dashboard-{language}.png")
    sort = page.locator("#filter-sort")
    box = sort.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
    # The chosen option's words fit inside the closed control (not clipped at its arrow).
    fits = sort.evaluate(
        """select => {
             const style = getComputedStyle(select);
             const context = document.createElement("canvas").getContext("2d");
             context.font = style.font;
             const text = context.measureText(select.options[select.selectedIndex].text).width;
             const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
             return text <= room;
           }"""
    )
    assert fits
    for option in ("expires", "-expires"):
        sort.select_option(option)
        assert sort.evaluate("select => select.scrollWidth <= select.clientWidth")
    assert_on_one_line_inside_the_viewport(boxes(page, HEADER_ITEMS))


def open_quick_view(page, order):
    page.goto(f"/expiring/?window=all&q={order.order_number}")
    page.get_by_test_id("quick-view").first.click()
    panel = page.get_by_test_id("quick-view-body")
    panel.get_by_test_id("add-note").wait_for()
    page.locator("#quick-view.show:not(.showing)").wait_for()  # slid in completely
    return panel


def test_quick_view_tells_open_not_yet_open_and_renewed_orders_apart(page, demo_data):
    acme = Partner.objects.get(slug="acme")
    orders = Order.objects.for_partner(acme).exclude(status=OrderStatus.CANCELLED).select_related("renewal")
    renewed = orders.filter(renewal__isnull=False).order_by("order_number").first()
    later = orders.filter(renewal__isnull=True, renewed_from__isnull=True).order_by("-term_end").first()
    log_in(page, "acme-sales")

    panel = open_quick_view(page, renewed)
    assert f"Renewed → #{renewed.renewal.order_number}" in panel.get_by_test_id("renewal-card").inner_text()
    assert panel.get_by_test_id("notices").inner_text() == "Renewed: notices stop"
    assert panel.get_by_test_id("customer-link").count() == 0
    page.screenshot(path=SCREENSHOTS / "quickview-renewed.png")
    page.locator("#quick-view .btn-close").click()
    page.locator("#quick-view").wait_for(state="hidden")

    panel = open_quick_view(page, later)
    assert "Renewal opens on" in panel.get_by_test_id("opens-on").inner_text()
    assert panel.get_by_test_id("renewal-facts").count() == 0
    assert panel.get_by_test_id("customer-link").count() == 0
    page.screenshot(path=SCREENSHOTS / "quickview-not-open.png")


def order_with_a_sent_reminder(partner):
    """An open order 8 to 30 days from its end whose 30-day reminder went out at 10:00 today."""
    today = timezone.localdate(timezone=partner.tzinfo)
    order = (
        Order.objects.for_partner(partner)
        .filter(
            renewal__isnull=True,
            status=OrderStatus.ACTIVE,
            renewal_notices=True,
            expires_on=F("term_end"),
            expires_on__range=(today + timedelta(days=8), today + timedelta(days=30)),
            customer__contacts__isnull=False,
        )
        .order_by("order_number")
        .first()
    )
    at = datetime.combine(today, time(10), tzinfo=partner.tzinfo)
    Order.objects.exclude(pk=order.pk).update(next_reminder_at=None)  # sweep this one order only
    Order.objects.filter(pk=order.pk).update(next_reminder_at=at - timedelta(hours=1))
    swept = run_sweep(now=at)
    sent = send_pending(now=at)
    assert OutboxEmail.objects.filter(items__reminder__order=order).exists(), (order.expires_on, today, swept, sent)
    return order


@pytest.mark.parametrize(("language", "button"), [("en", None), ("ko", "한국어")])
def test_quick_view_of_an_order_with_a_sent_reminder(page, demo_data, language, button):
    acme = Partner.objects.get(slug="acme")
    order = order_with_a_sent_reminder(acme)
    sent_at = OutboxEmail.objects.get(items__reminder__order=order).sent_at
    log_in(page, "acme-sales")
    if button:
        page.goto("/expiring/")
        switch_language(page, button, language)
    panel = open_quick_view(page, order)
    shown = panel.get_by_test_id("sent-at").inner_text()
    with translation.override(language):
        assert shown == date_format(localtime(sent_at, acme.tzinfo), "DATETIME_FORMAT")
    assert shown.endswith(" KST")
    assert panel.get_by_test_id("renew-now").is_visible()
    assert panel.get_by_test_id("customer-link").is_visible()
    page.screenshot(path=SCREENSHOTS / f"quickview-{language}.png")
    panel.get_by_test_id("reminder-timeline").scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / f"quickview-{language}-timeline.png")

    page.goto("/outbox/")  # the outbox shows the same send at the same labelled time
    assert page.get_by_test_id("sent-at").first.inner_text() == shown
    page.screenshot(path=SCREENSHOTS / f"outbox-{language}.png")

    # Resending from the panel answers in the panel, from its top; the list stays behind it.
    panel = open_quick_view(page, order)
    panel.get_by_test_id("resend-reminder").click()
    message = panel.get_by_test_id("panel-message")
    message.wait_for()
    recipients = OutboxEmail.objects.filter(items__reminder__order=order).values_list("to_email", flat=True)
    assert all(address in message.inner_text() for address in recipients)
    assert panel.evaluate("body => body.scrollTop") == 0 and "/expiring/" in page.url
    page.screenshot(path=SCREENSHOTS / f"quickview-{language}-resent.png")
