"""Staff pages at the widths people use them, in English and Korean (whose report headers are longer):
a phone (390 px), a laptop (1366 px; 1100 px is the same screen at 125 % text scaling) and a desktop
(1920 px). The tables of /reports/ fit their cards, and the dashboard's filter bar shows every label
and every first choice whole; no staff page scrolls sideways on a phone. Screenshots of each."""

from itertools import product
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from api.models import ApiToken, WebhookEndpoint, WebhookEvent, hash_secret
from imports import services
from imports.models import ImportKind
from notifications.models import OutboxEmail
from offers.models import Offer
from partners.models import Partner, StaffMembership
from renewals.models import Order, OrderStatus

from .test_reports import add_history

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).parent / "screenshots"
SAMPLE_EXPORT = Path(__file__).resolve().parents[2] / "docs" / "samples" / "certcentral-export.csv"
LOCALES = {"en": "en-US", "ko": "ko-KR"}

# Per table of /reports/: how far it reaches past its scroll box and past its card (px), whether it is
# inside a scroll box (.table-responsive) and whether the card itself reaches past the page.
TABLES = """() => [...document.querySelectorAll('figure.card')].map(card => {
  const table = card.querySelector('table'); const box = table.closest('.table-responsive');
  const cardRect = card.getBoundingClientRect(); const boxRect = (box || table).getBoundingClientRect();
  return {name: card.dataset.chart, scrolls: box ? box.scrollWidth - box.clientWidth : null,
          pastCard: Math.round(boxRect.right - cardRect.right), cardPastPage: Math.round(cardRect.right - innerWidth)};
})"""

# Per filter of the dashboard: its label's lines and whether the label, the select's chosen option or
# the search box's placeholder is wider than the room it has.
FILTERS = """() => {
  const measure = document.createElement('canvas').getContext('2d');
  const cut = (control, text) => {
    const style = getComputedStyle(control);
    measure.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    return measure.measureText(text).width > control.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  };
  return [...document.querySelectorAll('[data-testid=filters] label')].map(label => {
    const control = document.getElementById(label.htmlFor);
    const text = control.tagName === 'SELECT' ? control.options[control.selectedIndex].text : control.placeholder;
    return {label: label.innerText, lines: Math.round(label.getBoundingClientRect().height / parseFloat(getComputedStyle(label).lineHeight)),
            labelCut: label.scrollWidth > label.clientWidth, value: text, valueCut: cut(control, text)};
  });
}"""


def open_page(browser, base_url, path, *, width, language):
    """A fresh context at ``width`` whose browser asks for ``language``, logged in as Acme's admin."""
    context = browser.new_context(base_url=base_url, viewport={"width": width, "height": 900}, locale=LOCALES[language])
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "acme-admin")
    page.fill("input[name=password]", "demo-pass-2026")
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/")
    page.goto(path)
    assert page.locator("html").get_attribute("lang") == language
    return context, page


def test_the_report_tables_fit_their_cards_on_a_phone_a_laptop_and_a_desktop(browser, base_url, demo_data):
    """Bug (fixed): the renewal-rate and offer tables were wider than their half-row cards at 1366 and
    1920 px (cut off at the card's edge); such charts now take the whole row. On a phone a table
    scrolls inside its card, and nothing reaches past the card or the page."""
    add_history(Partner.objects.get(slug="acme"))
    for language, width in product(LOCALES, (1366, 1920, 390)):
        context, page = open_page(browser, base_url, "/reports/", width=width, language=language)
        tables = page.evaluate(TABLES)
        assert {"renewal-rate", "lost-reach"} <= {table["name"] for table in tables}
        assert any(table["name"].startswith("offer-") for table in tables)
        for table in tables:
            assert table["scrolls"] is not None, f"{table['name']}: not in a .table-responsive box"
            assert table["pastCard"] <= 0 and table["cardPastPage"] <= 0, (width, table)
            if width > 390:
                assert table["scrolls"] <= 1, f"{table['name']} at {width} px needs scrolling: {table}"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=SCREENSHOTS / f"reports-tables-{language}-{width}.png", full_page=True)
        context.close()


def test_every_filter_label_and_first_choice_on_the_dashboard_reads_whole(browser, base_url, demo_data):
    """Bug (fixed): the filters shared the row equally, so below about 1280 px "Renewal notices" broke
    over two lines and "All products", "Unfiltered" and the search hint were cut; on a phone the sort
    box cut "Expires soonest first". Each filter is now at least as wide as its words and wraps."""
    for language, width in product(LOCALES, (390, 1100, 1366, 1920)):
        context, page = open_page(browser, base_url, "/expiring/", width=width, language=language)
        for item in page.evaluate(FILTERS):
            assert item["lines"] == 1 and not item["labelCut"], f"label cut at {width} px: {item}"
            assert not item["valueCut"], f"value cut at {width} px: {item}"
        bar = page.get_by_test_id("filters")
        assert bar.evaluate(
            "bar => bar.scrollWidth <= bar.clientWidth && bar.getBoundingClientRect().right <= innerWidth"
        )
        bar.screenshot(path=SCREENSHOTS / f"filter-bar-{language}-{width}.png")
        context.close()


# Each element that reaches past the viewport and whose parent does not (where the overflow starts),
# unless a box that scrolls or clips it holds it: an absolute box escapes every such box below its
# containing block, a fixed one never widens the page.
PAST_THE_PAGE = """() => {
  const width = document.documentElement.clientWidth;
  const held = element => {
    if (getComputedStyle(element).position === 'fixed') return true;  // the hidden Quick View panel
    let escaping = getComputedStyle(element).position === 'absolute';
    for (let box = element.parentElement; box && box !== document.body; box = box.parentElement) {
      const style = getComputedStyle(box);
      if (style.position === 'fixed') return true;
      if (escaping && style.position === 'static') continue;
      escaping = style.position === 'absolute';
      if (style.overflowX !== 'visible' && box.getBoundingClientRect().right <= width) return true;
    }
    return false;
  };
  const name = element => element.tagName.toLowerCase() + [...element.classList].map(c => '.' + c).join('')
    + (element.dataset.testid ? `[data-testid=${element.dataset.testid}]` : '');
  const past = [...document.body.querySelectorAll('*')].filter(element => {
    const box = element.getBoundingClientRect();
    return box.width && box.right > width && !held(element);
  });
  const first = past.filter(element => !past.includes(element.parentElement));
  return {scrollWidth: document.documentElement.scrollWidth, width,
          past: [...new Set(first.map(element => `${name(element.parentElement)} > ${name(element)}`))]};
}"""


def staff_pages(partner):
    """Every page partner staff open, at an address with something to show: the demo plus some history,
    call tasks, an API token, a webhook and two imports (one waiting for its columns, one checked)."""
    add_history(partner)
    call_command("make_call_tasks", verbosity=0)
    admin = StaffMembership.objects.get(partner=partner, user__username="acme-admin")
    secret = ApiToken.new_secret()
    ApiToken.objects.create(
        partner=partner,
        name="Billing sync (nightly)",
        prefix=secret[:8],
        hashed_secret=hash_secret(secret),
        scope="write",
        created_by=admin,
    )
    webhook = WebhookEndpoint.objects.create(
        partner=partner,
        url="https://hooks.billing.example.com/portal/renewals/receiver",
        events=[event.value for event in WebhookEvent],
        secret=WebhookEndpoint.new_secret(),
    )
    export = SAMPLE_EXPORT.read_bytes()
    jobs = [
        services.create_job(
            partner=partner,
            user=admin.user,
            kind=ImportKind.ORDERS,
            upload=SimpleUploadedFile("certcentral-export.csv", export),
        )
        for _ in range(2)
    ]
    services.claim(jobs[1], dry_run=True)
    services.run_phase(jobs[1].pk)
    order = Order.objects.for_partner(partner).filter(status=OrderStatus.ACTIVE, renewal__isnull=True).first()
    return {
        "home": "/",
        "expiring": "/expiring/?window=all",
        "quick-view": "/expiring/?window=all",
        "order": f"/orders/{order.order_number}/",
        "renew": f"/orders/{order.order_number}/renew/",
        "customer-recipients": f"/customers/{order.customer_id}/recipients/",
        "auto-renewals": "/auto-renewals/",
        "outbox": "/outbox/",
        "outbox-email": f"/outbox/{OutboxEmail.objects.filter(partner=partner).first().pk}/",
        "email-preview": "/reminders/preview/",
        "reminder-policy": "/settings/reminders/",
        "branding": "/settings/branding/",
        "price-list": "/settings/prices/",
        "api-tokens": "/settings/api/",
        "webhooks": "/settings/webhooks/",
        "webhook": f"/settings/webhooks/{webhook.pk}/",
        "api-docs": "/api/docs/",
        "import": "/import/",
        "import-certificates": "/import/certificates/",
        "import-columns": f"/import/{jobs[0].pk}/",
        "import-checked": f"/import/{jobs[1].pk}/",
        "offers": "/offers/",
        "new-offer": "/offers/new/",
        "offer": f"/offers/{Offer.objects.filter(partner=partner).first().pk}/",
        "offer-edit": f"/offers/{Offer.objects.filter(partner=partner).first().pk}/edit/",
        "reports": "/reports/",
        "call-tasks": "/tasks/",
    }


def test_no_staff_page_scrolls_sideways_on_a_phone(browser, base_url, demo_data, settings, tmp_path):
    """Bug (fixed): at 390 px the Expiring Certificates list scrolled sideways (its rows' hidden
    "Renewal notices" labels escaped the table's scroll box: not the Quick View panel), and so did the
    reminder policy, API token, webhook and import pages (tables without a scroll box). A wide table now
    scrolls inside its box and the page never does, in either language, Quick View open or not."""
    settings.MEDIA_ROOT = tmp_path  # the uploaded files stay out of the checkout
    pages = staff_pages(Partner.objects.get(slug="acme"))
    wider = {}
    for language in LOCALES:
        context, page = open_page(browser, base_url, "/", width=390, language=language)
        for name, path in pages.items():
            page.goto(path)
            assert page.locator("html").get_attribute("lang") == language, path
            if name == "quick-view":
                page.get_by_test_id("quick-view").first.click()
                page.locator("#quick-view.show:not(.showing) [data-testid=quick-view-body] *").first.wait_for()
            measured = page.evaluate(PAST_THE_PAGE)
            if measured["scrollWidth"] > measured["width"]:
                wider[f"{name} ({language})"] = f"{measured['scrollWidth']} px wide, from {measured['past']}"
            page.screenshot(path=SCREENSHOTS / f"phone-{name}-{language}.png")
        context.close()
    assert not wider, "\n".join(f"{page}: {why}" for page, why in wider.items())
