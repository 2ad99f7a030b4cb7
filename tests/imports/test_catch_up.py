"""Imported orders enter the reminder schedule at once, with the sweep's catch-up rule: an order
imported 20 days before its end gets the one reminder due now (30 days), never the 90- and 60-day
ones, and then the 7-day one on its day."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from notifications.models import Reminder
from notifications.sweep import run_sweep
from renewals.models import Order

from .helpers import CERTCENTRAL_HEADER, certcentral_row, csv_bytes, import_file

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

# 10:00 in Seoul, after the partner's send hour (09:00): the customer's day is 2027-02-09.
IMPORTED_AT = datetime(2027, 2, 9, 1, tzinfo=UTC)
TERM_END = date(2027, 3, 1)  # 20 days later


def import_order(partner, user, valid_till):
    content = csv_bytes([CERTCENTRAL_HEADER, certcentral_row(1001, valid_from="2026-03-02", valid_till=valid_till)])
    with time_machine.travel(IMPORTED_AT, tick=False):
        import_file(partner, user, "orders", content)
    return Order.objects.get(order_number="1001")


def thresholds(order):
    return sorted(Reminder.objects.filter(order=order).values_list("threshold_days", flat=True))


def test_an_imported_order_is_due_for_the_sweep_at_once(partner_a, admin_a, product):
    order = import_order(partner_a, admin_a, str(TERM_END))
    assert order.next_reminder_at == IMPORTED_AT


def test_an_order_imported_20_days_before_its_end_gets_only_the_reminder_due_now(partner_a, admin_a, product):
    order = import_order(partner_a, admin_a, str(TERM_END))
    run_sweep(now=IMPORTED_AT)
    assert thresholds(order) == [30]
    run_sweep(now=IMPORTED_AT + timedelta(days=5))
    assert thresholds(order) == [30]
    run_sweep(now=datetime(2027, 2, 22, 1, tzinfo=UTC))  # 7 days before, 10:00 in Seoul
    assert thresholds(order) == [7, 30]


def test_an_order_that_ended_long_ago_gets_no_reminder(partner_a, admin_a, product):
    order = import_order(partner_a, admin_a, "2026-12-01")
    run_sweep(now=IMPORTED_AT)
    assert thresholds(order) == []


def test_an_order_far_from_its_end_waits_for_its_first_threshold(partner_a, admin_a, product):
    order = import_order(partner_a, admin_a, "2027-12-01")
    run_sweep(now=IMPORTED_AT)
    order.refresh_from_db()
    assert thresholds(order) == []
    assert order.next_reminder_at.date() == date(2027, 9, 2)  # 90 days before, 09:00 in Seoul (00:00 UTC)
