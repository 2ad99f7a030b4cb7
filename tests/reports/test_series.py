"""The reports' numbers, each against hand-built data with known answers, month edges read in the
partner's time zone."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from notifications.models import EmailStatus, OutboxItem, Reminder
from renewals.models import NoticeChange, RenewalLinkOpen
from reports.periods import month_period
from reports.report import ReportScope, funnel
from reports.series import lost_reach, months_ahead, reminder_funnel, renewal_by_month, week_starts, weekly_due
from tests.factories import ContactFactory, PartnerFactory, ProductFactory

from .data import TODAY, email, list_price, order, renew

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

SEOUL = ZoneInfo("Asia/Seoul")


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_the_13_weeks_start_on_this_weeks_monday():
    weeks = week_starts(TODAY)  # a Wednesday
    assert weeks[0] == date(2026, 11, 23)
    assert weeks[-1] == date(2027, 2, 15)
    assert len(weeks) == 13


def test_weekly_due_stacks_terms_to_renew_by_window_with_their_value(partner_a):
    product = ProductFactory()
    list_price(partner_a, product, "100000")
    order(partner_a, 0, product=product)  # this week, 0–7 days
    order(partner_a, -3)  # expired this week: not due any more
    order(partner_a, 7, product=product)  # next week, 0–7 days
    order(partner_a, 8, price=Decimal("50000"))  # next week, 8–30 days, its own price
    order(partner_a, 88, product=product)  # the 13th week
    order(partner_a, 89)  # past the 13th week
    order(partner_a, 200, expires_on=TODAY + timedelta(days=2))  # a free reissue

    windows, rows = weekly_due(partner=partner_a, today=TODAY)

    assert [window.key for window in windows] == ["7", "30", "90"]
    by_week = {week: (counts, amount) for week, counts, amount, _unpriced in rows}
    assert by_week[date(2026, 11, 23)] == ({"7": 1}, Decimal("100000"))
    assert by_week[date(2026, 11, 30)] == ({"7": 1, "30": 1}, Decimal("150000"))
    assert by_week[date(2027, 2, 15)] == ({"90": 1}, Decimal("100000"))
    assert sum(sum(counts.values()) for counts, _amount in by_week.values()) == 4


def test_renewal_by_month_counts_due_renewed_early_late_and_lapsed(partner_a):
    renew(order(partner_a, term_end=date(2026, 9, 30)), utc(2026, 8, 20, 1))  # 41 days early
    order(partner_a, term_end=date(2026, 10, 1))  # lapsed
    renew(order(partner_a, term_end=date(2026, 10, 31)), utc(2026, 10, 31, 14))  # 23:00 in Seoul: on the day
    renew(order(partner_a, term_end=date(2026, 10, 15)), utc(2026, 10, 20, 1))  # late
    order(partner_a, term_end=date(2026, 11, 24))  # ended yesterday: lapsed
    order(partner_a, term_end=date(2026, 11, 25))  # ends today: not due yet
    order(partner_a, term_end=date(2026, 8, 31))  # before the period

    period = month_period(date(2026, 9, 1), date(2026, 11, 1), SEOUL)
    rows = renewal_by_month(partner=partner_a, period=period, today=TODAY)

    assert rows == [
        (date(2026, 9, 1), 1, 1, 1, 0, 0, 41.0),
        (date(2026, 10, 1), 3, 1, 0, 1, 1, 0.0),
        (date(2026, 11, 1), 1, 0, 0, 0, 1, None),
    ]


def reminder(target, threshold, created_at, status=None, contact=None):
    made = Reminder.objects.create(order=target, kind="renewal", ends_on=target.term_end, threshold_days=threshold)
    Reminder.objects.filter(pk=made.pk).update(created_at=created_at)
    if status is not None:
        message = email(target.partner, status, created_at=created_at)
        OutboxItem.objects.create(email=message, reminder=made, contact=message.contact)
    return made


def test_the_funnel_credits_opens_and_renewals_to_the_latest_reminder(partner_a):
    first = order(partner_a, 20)
    reminder(first, 30, utc(2026, 11, 1, 1), EmailStatus.SENT)
    RenewalLinkOpen.objects.create(order=first, opened_at=utc(2026, 11, 2, 1))
    reminder(first, 7, utc(2026, 11, 18, 1), EmailStatus.SENT)
    RenewalLinkOpen.objects.create(order=first, opened_at=utc(2026, 11, 19, 1))
    renew(first, utc(2026, 11, 20, 1))

    failed = order(partner_a, 21)
    reminder(failed, 30, utc(2026, 11, 1, 1), EmailStatus.FAILED)
    RenewalLinkOpen.objects.create(order=failed, opened_at=utc(2026, 11, 3, 1))  # not delivered: not counted

    reminder(order(partner_a, 22), 30, utc(2026, 11, 1, 1), EmailStatus.PENDING)  # not sent yet

    # 15:30 UTC on October 31 is 00:30 on November 1 in Seoul: in the period.
    early_hour = order(partner_a, 23)
    reminder(early_hour, 30, utc(2026, 10, 31, 15, 30), EmailStatus.SENT)
    renew(early_hour, utc(2026, 11, 10, 1))
    # 14:30 UTC on October 31 is 23:30 that day in Seoul: before the period.
    reminder(order(partner_a, 24), 30, utc(2026, 10, 31, 14, 30), EmailStatus.SENT)

    period = month_period(date(2026, 11, 1), date(2026, 11, 1), SEOUL)
    assert reminder_funnel(partner=partner_a, period=period) == [(30, 3, 2, 1, 1), (7, 1, 1, 1, 1)]
    # The chart adds renewals per 100 delivered: 1 of 2 and 1 of 1.
    chart = funnel(ReportScope(partner=partner_a, today=TODAY, period=period))
    assert [row[-1] for row in chart.rows] == [Decimal("50.0"), Decimal("100.0")]


def test_months_ahead_are_the_rest_of_this_month_and_all_of_next(partner_a):
    product = ProductFactory()
    list_price(partner_a, product, "100000")
    order(partner_a, 0, product=product)  # today, 25 November: this month
    order(partner_a, 5, product=product)  # 30 November: this month's last day
    order(partner_a, 6, price=Decimal("40000"))  # 1 December: next month, its own price
    order(partner_a, 36, product=product)  # 31 December: next month's last day
    order(partner_a, 37, product=product)  # 1 January: after
    order(partner_a, -1, product=product)  # yesterday: no longer ahead
    order(partner_a, 20, currency="USD", price=Decimal("90"))  # not priced in won
    order(partner_a, 200, product=product, expires_on=TODAY + timedelta(days=10))  # a free reissue

    assert months_ahead(partner=partner_a, today=TODAY) == [
        (date(2026, 11, 1), 2, Decimal("200000"), 0),
        (date(2026, 12, 1), 3, Decimal("140000"), 1),
    ]


def test_lost_reach_counts_each_instant_in_the_partners_month(partner_a, partner_b):
    turned_off = order(partner_a, 30)
    change = NoticeChange.objects.create(order=turned_off, old_value=True, new_value=False)
    NoticeChange.objects.filter(pk=change.pk).update(changed_at=utc(2026, 10, 31, 15, 30))  # Nov 1 in Seoul
    back_on = NoticeChange.objects.create(order=turned_off, old_value=False, new_value=True)
    NoticeChange.objects.filter(pk=back_on.pk).update(changed_at=utc(2026, 11, 5))
    email(partner_a, EmailStatus.FAILED, created_at=utc(2026, 11, 30, 15, 30))  # December 1 in Seoul
    email(partner_a, EmailStatus.SENT, created_at=utc(2026, 11, 3))
    email(partner_b, EmailStatus.FAILED, created_at=utc(2026, 11, 3))
    ContactFactory(customer__partner=partner_a, unsubscribed_at=utc(2026, 10, 31, 14))  # 23:00 Oct 31 in Seoul
    ContactFactory(customer__partner=partner_a)

    period = month_period(date(2026, 10, 1), date(2026, 12, 1), SEOUL)
    assert lost_reach(partner=partner_a, period=period) == [
        (date(2026, 10, 1), 0, 0, 1),
        (date(2026, 11, 1), 1, 0, 0),
        (date(2026, 12, 1), 0, 1, 0),
    ]


def test_month_edges_follow_the_partners_zone_in_new_york(db):
    partner = PartnerFactory(time_zone="America/New_York", currency="USD")
    # 03:00 UTC on December 1 is still November 30 in New York.
    email(partner, EmailStatus.FAILED, created_at=utc(2026, 12, 1, 3))
    period = month_period(date(2026, 11, 1), date(2026, 12, 1), partner.tzinfo)
    assert lost_reach(partner=partner, period=period) == [(date(2026, 11, 1), 0, 1, 0), (date(2026, 12, 1), 0, 0, 0)]


def test_an_empty_partner_has_empty_series(db):
    partner = PartnerFactory()
    period = month_period(date(2026, 10, 1), date(2026, 11, 1), SEOUL)
    assert reminder_funnel(partner=partner, period=period) == []
    assert renewal_by_month(partner=partner, period=period, today=TODAY) == [
        (date(2026, 10, 1), 0, 0, 0, 0, 0, None),
        (date(2026, 11, 1), 0, 0, 0, 0, 0, None),
    ]
    _windows, rows = weekly_due(partner=partner, today=TODAY)
    assert all(counts == {} and amount == 0 for _week, counts, amount, _unpriced in rows)
