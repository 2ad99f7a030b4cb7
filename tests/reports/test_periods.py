"""The report period: whole months in the partner's zone, validated, with a sensible default."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from reports.periods import PeriodForm, default_period, month_period

pytestmark = pytest.mark.smoke

SEOUL = ZoneInfo("Asia/Seoul")
NEW_YORK = ZoneInfo("America/New_York")


def test_a_period_runs_from_midnight_of_its_first_day_to_midnight_after_its_last():
    period = month_period(date(2026, 2, 1), date(2026, 2, 1), SEOUL)
    assert (period.first_day, period.last_day) == (date(2026, 2, 1), date(2026, 2, 28))
    assert period.starts_at == datetime(2026, 1, 31, 15, tzinfo=UTC)
    assert period.ends_before == datetime(2026, 2, 28, 15, tzinfo=UTC)


def test_month_edges_move_with_daylight_saving_time_in_new_york():
    period = month_period(date(2026, 3, 1), date(2026, 11, 1), NEW_YORK)
    assert period.starts_at == datetime(2026, 3, 1, 5, tzinfo=UTC)  # EST
    assert period.ends_before == datetime(2026, 12, 1, 5, tzinfo=UTC)
    assert month_period(date(2026, 7, 1), date(2026, 7, 1), NEW_YORK).starts_at == datetime(2026, 7, 1, 4, tzinfo=UTC)


def test_a_leap_february_ends_on_the_29th():
    assert month_period(date(2028, 2, 1), date(2028, 2, 1), SEOUL).last_day == date(2028, 2, 29)


def test_the_default_is_the_last_six_months_with_this_one():
    period = default_period(date(2026, 1, 15), SEOUL)
    assert (period.first_day, period.last_day) == (date(2025, 8, 1), date(2026, 1, 31))
    assert len(period.months) == 6


def period_of(data, today=date(2026, 11, 25)):
    form = PeriodForm(data, today=today, zone=SEOUL)
    assert form.is_valid(), form.errors
    return form.period.first_day, form.period.last_day


def test_a_start_alone_runs_six_months_but_not_past_this_month():
    assert period_of({"start": "2026-09"}) == (date(2026, 9, 1), date(2026, 11, 30))
    assert period_of({"start": "2025-01"}) == (date(2025, 1, 1), date(2025, 6, 30))


def test_an_end_alone_runs_the_six_months_up_to_it():
    assert period_of({"end": "2026-03"}) == (date(2025, 10, 1), date(2026, 3, 31))


def test_a_future_start_alone_is_one_month():
    assert period_of({"start": "2027-05"}) == (date(2027, 5, 1), date(2027, 5, 31))


def test_twenty_four_months_are_allowed_and_twenty_five_are_not():
    assert period_of({"start": "2024-12", "end": "2026-11"}) == (date(2024, 12, 1), date(2026, 11, 30))
    assert not PeriodForm({"start": "2024-11", "end": "2026-11"}, today=date(2026, 11, 25), zone=SEOUL).is_valid()
