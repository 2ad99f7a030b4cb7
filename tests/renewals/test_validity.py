"""The validity rules of DOMAIN.md, each pinned by its worked example."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from renewals.validity import (
    certificate_validity,
    days_left,
    expiry_day,
    has_expired,
    is_renewal_open,
    lifetime_allowed,
    max_certificate_days,
    quote_renewal,
    quote_renewal_at,
    reissue_is_due,
    renewal_opens_on,
    within_term,
)
from renewals.windows import urgency

pytestmark = pytest.mark.smoke

SEOUL = ZoneInfo("Asia/Seoul")
NEW_YORK = ZoneInfo("America/New_York")


def test_guides_example_renewing_31_days_early_gives_396_days_with_31_carried():
    quote = quote_renewal(term_end=date(2021, 1, 1), renew_on=date(2020, 12, 1), plan_years=1)
    assert quote.new_term_end == date(2022, 1, 1)
    assert quote.total_days == 396
    assert quote.carried_days == 31
    assert quote.is_open


def test_renewing_after_the_end_starts_on_the_renewal_date_and_carries_nothing():
    quote = quote_renewal(term_end=date(2021, 1, 1), renew_on=date(2021, 1, 10), plan_years=1)
    assert quote.new_term_end == date(2022, 1, 10)
    assert quote.carried_days == 0
    assert quote.total_days == 365


def test_renewing_on_the_last_day_itself_carries_nothing():
    quote = quote_renewal(term_end=date(2021, 1, 1), renew_on=date(2021, 1, 1), plan_years=1)
    assert (quote.new_term_end, quote.carried_days) == (date(2022, 1, 1), 0)


def test_renewal_opens_exactly_90_days_before_the_end():
    assert renewal_opens_on(date(2021, 1, 1)) == date(2020, 10, 3)
    assert is_renewal_open(term_end=date(2021, 1, 1), today=date(2020, 10, 3))


def test_renewal_is_not_open_91_days_before_the_end():
    assert not is_renewal_open(term_end=date(2021, 1, 1), today=date(2020, 10, 2))
    assert not quote_renewal(term_end=date(2021, 1, 1), renew_on=date(2020, 10, 2), plan_years=1).is_open


def test_term_ending_on_29_february_renews_to_28_february():
    quote = quote_renewal(term_end=date(2024, 2, 29), renew_on=date(2024, 2, 1), plan_years=1)
    assert quote.new_term_end == date(2025, 2, 28)
    assert (quote.carried_days, quote.total_days) == (28, 393)


def test_term_ending_on_a_months_last_day_keeps_that_day():
    quote = quote_renewal(term_end=date(2026, 1, 31), renew_on=date(2026, 1, 15), plan_years=1)
    assert quote.new_term_end == date(2027, 1, 31)
    assert (quote.carried_days, quote.total_days) == (16, 381)


@pytest.mark.parametrize(("years", "new_end", "total"), [(2, date(2023, 1, 1), 761), (3, date(2024, 1, 1), 1126)])
def test_multi_year_plans_add_calendar_years(years, new_end, total):
    quote = quote_renewal(term_end=date(2021, 1, 1), renew_on=date(2020, 12, 1), plan_years=years)
    assert (quote.new_term_end, quote.total_days, quote.carried_days) == (new_end, total, 31)


def test_the_renewal_day_is_the_customers_day_not_utcs():
    # 15:30 UTC on 2 October is already 00:30 on 3 October in Seoul: the window is open there.
    at = datetime(2020, 10, 2, 15, 30, tzinfo=UTC)
    assert quote_renewal_at(term_end=date(2021, 1, 1), at=at, zone=SEOUL, plan_years=1).is_open
    assert not quote_renewal_at(term_end=date(2021, 1, 1), at=at, zone=UTC, plan_years=1).is_open
    assert quote_renewal_at(term_end=date(2021, 1, 1), at=at, zone=SEOUL, plan_years=1).carried_days == 90


@pytest.mark.parametrize(
    ("issued_on", "days"),
    [
        (date(2026, 3, 14), 398),
        (date(2026, 3, 15), 200),
        (date(2027, 3, 14), 200),
        (date(2027, 3, 15), 100),
        (date(2029, 3, 14), 100),
        (date(2029, 3, 15), 47),
        (date(2035, 1, 1), 47),
    ],
)
def test_certificate_cap_in_force_on_each_date(issued_on, days):
    assert max_certificate_days(issued_on) == days


def test_a_200_day_certificate_issued_on_1_december_2026_at_10_expires_19_june_2027():
    """DOMAIN.md's example: notAfter 2027-06-19 09:59:59, read as "expires 2027-06-19"."""
    issued_at = datetime(2026, 12, 1, 10, 0, tzinfo=SEOUL)
    validity = certificate_validity(issued_at=issued_at, term_end=date(2028, 1, 1), zone=SEOUL)
    # The X.509 counts both ends: notAfter is notBefore + cap − 1 second.
    assert validity.not_after == datetime(2027, 6, 19, 9, 59, 59, tzinfo=SEOUL)
    assert validity.expires_on(SEOUL) == date(2027, 6, 19)
    assert validity.lifetime_days == 200
    assert validity.capped


def test_a_certificate_running_to_the_end_of_its_term_works_until_23_59_59_on_the_last_day():
    issued_at = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    validity = certificate_validity(issued_at=issued_at, term_end=date(2027, 2, 1), zone=SEOUL)
    assert validity.not_after == datetime(2027, 2, 1, 23, 59, 59, tzinfo=SEOUL)
    assert validity.expires_on(SEOUL) == date(2027, 2, 1)
    assert not validity.capped


def test_the_expiry_date_is_the_last_day_that_works_and_the_next_day_is_expired():
    expires_on = expiry_day(datetime(2026, 12, 5, 23, 59, 59, tzinfo=SEOUL), SEOUL)
    assert expires_on == date(2026, 12, 5)
    assert days_left(expires_on, date(2026, 12, 5)) == 0
    assert not has_expired(expires_on, date(2026, 12, 5))
    assert has_expired(expires_on, date(2026, 12, 6))


def test_the_expiry_date_is_the_customers_day_of_not_after():
    # 2026-12-05 16:00 UTC is already the 6th in Seoul, still the 5th in New York.
    not_after = datetime(2026, 12, 5, 16, 0, tzinfo=UTC)
    assert expiry_day(not_after, SEOUL) == date(2026, 12, 6)
    assert expiry_day(not_after, NEW_YORK) == date(2026, 12, 5)


def test_a_certificate_may_serve_until_the_last_second_of_the_terms_last_day():
    last_second = datetime(2027, 1, 1, 23, 59, 59, tzinfo=SEOUL)
    assert within_term(not_after=last_second, term_end=date(2027, 1, 1), zone=SEOUL)
    assert not within_term(not_after=last_second + timedelta(seconds=1), term_end=date(2027, 1, 1), zone=SEOUL)


def test_a_lifetime_counts_both_ends_against_the_cap():
    not_before = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    assert lifetime_allowed(not_before=not_before, not_after=not_before + timedelta(days=200, seconds=-1))
    assert not lifetime_allowed(not_before=not_before, not_after=not_before + timedelta(days=200))


def test_partner_setting_may_shorten_the_cap_but_never_lengthen_it():
    issued_at = datetime(2026, 12, 1, tzinfo=UTC)
    shorter = certificate_validity(issued_at=issued_at, term_end=date(2028, 1, 1), zone=UTC, max_days=199)
    longer = certificate_validity(issued_at=issued_at, term_end=date(2028, 1, 1), zone=UTC, max_days=398)
    assert shorter.cap_days == 199
    assert longer.cap_days == 200


def test_issuing_after_the_term_has_ended_is_refused():
    with pytest.raises(ValueError):
        certificate_validity(issued_at=datetime(2027, 1, 2, tzinfo=UTC), term_end=date(2027, 1, 1), zone=UTC)


def test_issuing_on_the_terms_last_day_gives_a_certificate_for_the_rest_of_that_day():
    validity = certificate_validity(issued_at=datetime(2027, 1, 1, 9, tzinfo=UTC), term_end=date(2027, 1, 1), zone=UTC)
    assert validity.not_after == datetime(2027, 1, 1, 23, 59, 59, tzinfo=UTC)


dates = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31))
offsets = st.integers(min_value=-400, max_value=400)
plans = st.integers(min_value=1, max_value=3)


@given(term_end=dates, offset=offsets, plan_years=plans)
def test_carried_days_are_never_negative(term_end, offset, plan_years):
    quote = quote_renewal(term_end=term_end, renew_on=term_end + timedelta(days=offset), plan_years=plan_years)
    assert quote.carried_days >= 0
    assert quote.total_days == (quote.new_term_end - quote.renew_on).days


@given(term_end=dates, days_early=st.integers(min_value=1, max_value=90), plan_years=plans)
def test_renewal_inside_the_window_never_ends_before_old_end_plus_plan(term_end, days_early, plan_years):
    renew_on = term_end - timedelta(days=days_early)
    quote = quote_renewal(term_end=term_end, renew_on=renew_on, plan_years=plan_years)
    assert quote.is_open
    assert quote.new_term_end >= term_end + timedelta(days=365 * plan_years - 1)
    assert quote.carried_days == days_early
    assert quote.total_days >= 365 * plan_years + days_early - 1


@given(
    issued_at=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2032, 1, 1), timezones=st.just(UTC)),
    days_to_term_end=st.integers(min_value=1, max_value=1200),
    zone=st.sampled_from([UTC, SEOUL, NEW_YORK]),
)
def test_no_certificate_exceeds_its_cap_or_its_term(issued_at, days_to_term_end, zone):
    term_end = issued_at.astimezone(zone).date() + timedelta(days=days_to_term_end)
    validity = certificate_validity(issued_at=issued_at, term_end=term_end, zone=zone)
    lifetime = validity.not_after + timedelta(seconds=1) - validity.not_before
    assert timedelta(0) < lifetime <= timedelta(days=max_certificate_days(issued_at.date()))
    assert validity.not_after <= datetime.combine(term_end, time(23, 59, 59), tzinfo=zone)
    assert validity.expires_on(zone) <= term_end


@pytest.mark.parametrize(("days_before_expiry", "due"), [(31, False), (30, True), (0, True), (-1, True)], ids=str)
def test_a_reissue_is_due_from_the_largest_threshold_that_applies(days_before_expiry, due):
    expires_on = date(2027, 3, 1)
    today = expires_on - timedelta(days=days_before_expiry)
    assert (
        reissue_is_due(
            expires_on=expires_on,
            term_end=date(2027, 12, 1),
            today=today,
            thresholds=(30, 14, 7, 3),
            certificate_days=200,
        )
        is due
    )


def test_no_reissue_once_the_term_itself_has_ended_or_when_the_certificate_lasts_it():
    rule = dict(thresholds=(30,), certificate_days=200)
    assert not reissue_is_due(expires_on=date(2027, 3, 1), term_end=date(2027, 3, 1), today=date(2027, 2, 20), **rule)
    assert not reissue_is_due(expires_on=date(2027, 3, 1), term_end=date(2027, 3, 5), today=date(2027, 3, 6), **rule)


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [(-3, "critical"), (0, "critical"), (7, "critical"), (8, "warning"), (30, "warning"), (31, "notice")],
)
def test_urgency_rises_at_30_and_7_days_left(days_left, expected):
    assert urgency(days_left) == expected
