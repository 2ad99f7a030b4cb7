"""Staff pages at the widths people use them, in English and Korean (whose report headers are longer):
a phone (390 px), a laptop (1366 px; 1100 px is the same screen at 125 % text scaling) and a desktop
(1920 px). The tables of /reports/ fit their cards, and the dashboard's filter bar shows every label
and every first choice whole. Screenshots of each."""

from itertools import product
from pathlib import Path

import pytest

from partners.models import Partner

from .test_reports import add_history

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).parent / "screenshots"
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
