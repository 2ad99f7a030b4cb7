"""The reminder rules of DOMAIN.md as pure functions, each with its worked example."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from notifications.policy import (
    RENEWAL,
    Track,
    current_threshold,
    due_at,
    evaluate,
    parse_thresholds,
    working_day,
)
from renewals.validity import reissue_thresholds_for

pytestmark = pytest.mark.smoke

SEOUL = ZoneInfo("Asia/Seoul")
DEFAULTS = (90, 60, 30, 7)


def test_catch_up_at_25_days_left_sends_the_30_day_reminder_not_the_60():
    assert current_threshold(date(2027, 1, 1), DEFAULTS, date(2026, 12, 7)) == 30


def test_nothing_is_due_more_than_90_days_out():
    assert current_threshold(date(2027, 1, 1), DEFAULTS, date(2026, 10, 2)) is None
    assert current_threshold(date(2027, 1, 1), DEFAULTS, date(2026, 10, 3)) == 90


def test_the_day_itself_and_after_the_end_when_the_partner_asks_for_them():
    thresholds = (90, 60, 30, 7, 3, 0, -7)
    assert current_threshold(date(2027, 1, 1), thresholds, date(2027, 1, 1)) == 0
    assert current_threshold(date(2027, 1, 1), thresholds, date(2027, 1, 8)) == -7


def test_reminding_ends_a_week_after_the_last_threshold():
    assert current_threshold(date(2027, 1, 1), DEFAULTS, date(2026, 12, 31)) == 7
    assert current_threshold(date(2027, 1, 1), DEFAULTS, date(2027, 1, 1)) is None


def test_reminders_wait_for_nine_in_the_morning_in_the_customers_zone():
    # 23:30 UTC on 1 December is 08:30 on the 2nd in Seoul: still the 1st for reminders.
    assert working_day(datetime(2026, 12, 1, 23, 30, tzinfo=UTC), SEOUL, 9) == date(2026, 12, 1)
    assert working_day(datetime(2026, 12, 2, 0, 0, tzinfo=UTC), SEOUL, 9) == date(2026, 12, 2)
    assert due_at(date(2027, 1, 1), 30, SEOUL, 9) == datetime(2026, 12, 2, 9, 0, tzinfo=SEOUL)


def test_evaluation_names_the_reminder_due_and_when_to_look_again():
    track = Track(RENEWAL, date(2027, 1, 1), DEFAULTS)
    evaluation = evaluate(track, now=datetime(2026, 12, 7, 3, tzinfo=UTC), zone=SEOUL, send_hour=9)
    assert evaluation.threshold == 30
    assert evaluation.next_check == datetime(2026, 12, 25, 9, tzinfo=SEOUL)


def test_before_the_first_threshold_the_next_check_is_its_due_time():
    track = Track(RENEWAL, date(2027, 1, 1), DEFAULTS)
    evaluation = evaluate(track, now=datetime(2026, 6, 1, tzinfo=UTC), zone=SEOUL, send_hour=9)
    assert evaluation == type(evaluation)(None, datetime(2026, 10, 3, 9, tzinfo=SEOUL))


def test_short_certificates_only_get_reissue_reminders_shorter_than_their_life():
    assert reissue_thresholds_for((30, 14, 7, 3), 200) == (30, 14, 7, 3)
    assert reissue_thresholds_for((30, 14, 7, 3), 10) == (7, 3)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("90, sixty", "not-a-number"),
        ("90, 400", "out-of-range"),
        ("-31", "out-of-range"),
        ("30, 30", "duplicate"),
        (" , ", "empty"),
    ],
)
def test_bad_threshold_lists_are_refused_with_the_reason(text, problem):
    with pytest.raises(ValueError, match=problem):
        parse_thresholds(text)


def test_threshold_lists_are_read_and_sorted():
    assert parse_thresholds("7, 90; 0, -7, 30") == [90, 30, 7, 0, -7]
