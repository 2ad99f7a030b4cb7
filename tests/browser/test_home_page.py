"""A sales user logs in, reads the home page counts and switches the portal to Korean."""

from pathlib import Path

import pytest
from django.utils import timezone

from partners.models import Partner
from renewals.expiring import action_counts

from .conftest import log_in

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).parent / "screenshots"


def test_sales_sees_home_counts_and_switches_to_korean(page, demo_data):
    acme = Partner.objects.get(slug="acme")
    expected = action_counts(partner=acme, today=timezone.localdate(timezone=acme.tzinfo))

    log_in(page, "acme-sales")
    assert page.get_by_test_id("current-partner").inner_text() == "Acme Certificates"
    assert page.get_by_test_id("current-role").inner_text() == "Sales"
    for window, by_action in expected:
        assert by_action["renew"] > 0
        for action, count in by_action.items():
            assert page.get_by_test_id(f"{action}-{window.key}").inner_text() == f"{count:,}"
    page.screenshot(path=SCREENSHOTS / "home-en.png", full_page=True)

    page.get_by_test_id("language-switcher").get_by_role("button", name="한국어").click()
    page.wait_for_selector("html[lang=ko]")
    assert "갱신 현황" in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_test_id("current-role").inner_text() == "영업"
    assert page.get_by_role("button", name="로그아웃").is_visible()
    page.screenshot(path=SCREENSHOTS / "home-ko.png", full_page=True)
