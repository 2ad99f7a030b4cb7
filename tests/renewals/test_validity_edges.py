"""Edges of the date rules that mutation testing showed unpinned: the server's own clock zone, the
last second of a term, and reissue thresholds at the certificate's lifetime and on the day itself."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from renewals.validity import (
    certificate_validity,
    lifetime_allowed,
    reissue_is_due,
    reissue_thresholds_for,
    start_of_day,
)

pytestmark = pytest.mark.smoke

SEOUL = ZoneInfo("Asia/Seoul")


def test_the_cap_in_force_is_read_on_the_utc_date_whatever_the_servers_zone(server_in_honolulu):
    """05:00 UTC on 15 March 2026 is still the 14th in Honolulu: the 200-day cap applies all the same."""
    issued_at = datetime(2026, 3, 15, 5, 0, tzinfo=UTC)
    assert certificate_validity(issued_at=issued_at, term_end=date(2028, 1, 1), zone=SEOUL).cap_days == 200
    assert not lifetime_allowed(not_before=issued_at, not_after=issued_at + timedelta(days=201, seconds=-1))


def test_issuing_at_the_terms_last_second_gives_a_one_second_certificate():
    last_second = datetime(2027, 1, 1, 23, 59, 59, tzinfo=UTC)
    validity = certificate_validity(issued_at=last_second, term_end=date(2027, 1, 1), zone=UTC)
    assert validity.not_before == validity.not_after == last_second


def test_a_cap_ending_exactly_with_the_term_counts_as_the_term_deciding():
    issued_at = datetime(2026, 12, 2, 0, 0, tzinfo=UTC)  # 200 days: notAfter 2027-06-19 23:59:59
    validity = certificate_validity(issued_at=issued_at, term_end=date(2027, 6, 19), zone=UTC)
    assert validity.not_after == datetime(2027, 6, 19, 23, 59, 59, tzinfo=UTC)
    assert not validity.capped


def test_a_day_starts_at_midnight_in_the_customers_zone():
    assert start_of_day(date(2027, 1, 1), SEOUL) == datetime(2026, 12, 31, 15, 0, tzinfo=UTC)


def test_reissue_thresholds_keep_the_day_itself_and_drop_those_after_it_or_as_long_as_the_certificate():
    assert reissue_thresholds_for((30, 14, 7, 0, -7), 200) == (30, 14, 7, 0)
    assert reissue_thresholds_for((30, 14, 7), 30) == (14, 7)


@pytest.mark.parametrize(("days_left", "due"), [(1, False), (0, True), (-1, True)], ids=str)
def test_a_certificate_shorter_than_every_threshold_is_reissued_from_its_expiry_day(days_left, due):
    expires_on = date(2027, 3, 1)
    rule = dict(expires_on=expires_on, term_end=date(2027, 12, 1), thresholds=(30, 14), certificate_days=10)
    assert reissue_is_due(today=expires_on - timedelta(days=days_left), **rule) is due
