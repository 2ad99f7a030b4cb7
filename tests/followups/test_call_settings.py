"""The partner admin sets the follow-up call threshold and minimum value on the reminder policy page."""

from decimal import Decimal

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

POLICY = {"reminder_thresholds": "90, 60, 30, 7", "reissue_thresholds": "30, 14, 7, 3", "reminder_send_hour": 9}


def test_the_admin_sets_the_call_threshold_and_minimum(client, admin_a, partner_a):
    client.force_login(admin_a)
    response = client.post(
        reverse("reminder-settings"), {**POLICY, "call_threshold_days": 45, "call_min_value": "300000"}
    )
    assert response.status_code == 302
    partner_a.refresh_from_db()
    assert (partner_a.call_threshold_days, partner_a.call_min_value) == (45, Decimal("300000"))


def test_the_page_shows_the_current_values_and_the_currency(client, admin_a, partner_a):
    partner_a.call_threshold_days = 21
    partner_a.save()
    client.force_login(admin_a)
    html = client.get(reverse("reminder-settings")).content.decode()
    assert 'name="call_threshold_days" value="21"' in html
    assert "(KRW)" in html


def test_left_empty_the_call_settings_keep_their_values(client, admin_a, partner_a):
    partner_a.call_threshold_days, partner_a.call_min_value = 21, Decimal("1000")
    partner_a.save()
    client.force_login(admin_a)
    assert client.post(reverse("reminder-settings"), POLICY).status_code == 302
    partner_a.refresh_from_db()
    assert (partner_a.call_threshold_days, partner_a.call_min_value) == (21, Decimal("1000"))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"call_threshold_days": 400}, "less than or equal to 365"),
        ({"call_threshold_days": -1}, "greater than or equal to 0"),
        ({"call_min_value": "-5"}, "greater than or equal to 0"),
        ({"call_min_value": "1000.50"}, "won has no smaller unit"),
        ({"call_min_value": "lots"}, "Enter a number"),
    ],
)
def test_bad_call_settings_get_a_clear_error(client, admin_a, partner_a, fields, message):
    client.force_login(admin_a)
    response = client.post(reverse("reminder-settings"), {**POLICY, **fields})
    assert response.status_code == 400
    assert message in response.content.decode()
    partner_a.refresh_from_db()
    assert (partner_a.call_threshold_days, partner_a.call_min_value) == (30, Decimal("0"))


def test_cents_are_allowed_in_dollars(client, admin_a, partner_a):
    partner_a.currency = "USD"
    partner_a.save()
    client.force_login(admin_a)
    assert client.post(reverse("reminder-settings"), {**POLICY, "call_min_value": "99.50"}).status_code == 302
    partner_a.refresh_from_db()
    assert partner_a.call_min_value == Decimal("99.50")


def test_sales_staff_cannot_change_the_call_settings(client, sales_a, partner_a):
    client.force_login(sales_a)
    assert client.post(reverse("reminder-settings"), {**POLICY, "call_threshold_days": 10}).status_code == 403
    partner_a.refresh_from_db()
    assert partner_a.call_threshold_days == 30
