"""Edges of the reminder rules that mutation testing showed unpinned: late send hours, a partner with
one threshold or none, and the threshold list's bounds and error codes (the form reads the code)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from notifications.policy import (
    RENEWAL,
    THRESHOLD_MAX,
    THRESHOLD_MIN,
    Evaluation,
    Track,
    due_at,
    evaluate,
    parse_thresholds,
    send_time,
    working_hours,
)

pytestmark = pytest.mark.smoke

SEOUL = ZoneInfo("Asia/Seoul")
NEW_YORK = ZoneInfo("America/New_York")


def test_working_hours_of_a_late_send_hour_end_at_midnight():
    start, end = working_hours(date(2026, 12, 1), SEOUL, 20)
    assert (start, end) == (datetime(2026, 12, 1, 20, tzinfo=SEOUL), datetime(2026, 12, 2, 0, 0, tzinfo=SEOUL))


def test_the_customers_evening_is_read_in_their_zone_not_utc():
    """21:00 in New York is 02:00 the next day in UTC: with send hour 20 the email leaves now."""
    now = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    assert send_time(now, NEW_YORK, 20) == now


def test_a_track_without_thresholds_is_never_due():
    track = Track(RENEWAL, date(2027, 1, 1), ())
    assert evaluate(track, now=datetime(2026, 12, 31, 3, tzinfo=UTC), zone=SEOUL, send_hour=9) == Evaluation(None, None)


def test_a_single_threshold_is_looked_at_again_on_its_due_day():
    track = Track(RENEWAL, date(2027, 1, 1), (30,))
    evaluation = evaluate(track, now=datetime(2026, 6, 1, tzinfo=UTC), zone=SEOUL, send_hour=9)
    assert evaluation == Evaluation(None, due_at(date(2027, 1, 1), 30, SEOUL, 9))


def test_threshold_lists_accept_their_bounds_and_skip_empty_entries():
    assert parse_thresholds(f"{THRESHOLD_MAX},, {THRESHOLD_MIN}") == [THRESHOLD_MAX, THRESHOLD_MIN]


@pytest.mark.parametrize(
    ("text", "code"),
    [("90, sixty", "not-a-number"), ("400", "out-of-range"), ("30, 30", "duplicate"), (" , ", "empty")],
)
def test_bad_threshold_lists_name_the_problem_by_the_code_the_form_translates(text, code):
    with pytest.raises(ValueError) as raised:
        parse_thresholds(text)
    assert str(raised.value).partition(":")[0] == code
