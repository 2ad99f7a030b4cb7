"""The SVG geometry: bars as tall as their numbers, stacks summing, series told apart without colour."""

from datetime import date
from decimal import Decimal

import pytest

from reports.charts import Chart, Series, draw, nice_ceiling

pytestmark = pytest.mark.smoke


def test_the_axis_top_is_four_whole_steps_at_least_the_largest_value():
    assert [nice_ceiling(value) for value in (0, 3, 5, 23, 277, 1000)] == [4, 4, 8, 40, 400, 1000]


def test_stacked_bars_sum_to_the_column_and_grouped_bars_stand_side_by_side():
    chart = Chart(
        name="c",
        title="t",
        description="d",
        columns=[],
        rows=[],
        categories=[date(2026, 11, 23), date(2026, 11, 30)],
        series=[Series("a", [1, 3]), Series("b", [1, 0])],
        stacked=True,
    )
    geometry = draw(chart)
    first = [bar for bar in geometry["bars"] if bar["category"] == date(2026, 11, 23)]
    assert first[0]["y"] == pytest.approx(first[1]["y"] + first[1]["height"], abs=0.2)
    assert first[0]["height"] == pytest.approx(first[1]["height"], abs=0.2)
    tallest = max(bar["height"] for bar in geometry["bars"])
    assert tallest == pytest.approx(geometry["baseline"] - 12 - (geometry["baseline"] - 12) * (1 - 3 / 4), abs=0.2)
    chart.stacked = False
    grouped = [bar for bar in draw(chart)["bars"] if bar["category"] == date(2026, 11, 23)]
    assert grouped[0]["x"] < grouped[1]["x"]


def test_each_series_has_its_own_pattern_as_well_as_its_colour():
    chart = Chart("c", "t", "d", [], [], categories=[1], series=[Series(str(i), [i]) for i in range(4)])
    assert len({series.pattern for series in chart.series}) == 4
    assert len({series.colour for series in chart.series}) == 4


def test_a_chart_of_nothing_is_empty_and_says_so():
    assert Chart("c", "t", "d", [], [], categories=[1, 2], series=[Series("a", [0, None])]).empty


def test_percent_bars_use_a_0_to_100_axis():
    chart = Chart("c", "t", "d", [], [], categories=["x"], series=[Series("a", [Decimal("50.0")])], percent=True)
    geometry = draw(chart)
    assert geometry["ticks"][-1]["text"] == "100 %"
    assert geometry["bars"][0]["height"] == pytest.approx((geometry["baseline"] - 12) / 2, abs=0.2)


@pytest.mark.parametrize(("month_rows", "labels"), [(False, ["01-25", "02-01"]), (True, ["2027-01", "2027-02"])])
def test_a_weeks_monday_on_the_first_reads_as_a_day_and_only_month_charts_name_months(month_rows, labels):
    chart = Chart(
        "c", "t", "d", [], [], categories=[date(2027, 1, 25), date(2027, 2, 1)], series=[Series("a", [1, 2])],
        month_rows=month_rows,
    )  # fmt: skip
    if month_rows:
        chart.categories = [date(2027, 1, 1), date(2027, 2, 1)]
    assert [label["text"] for label in draw(chart)["labels"]] == labels


def test_24_months_label_every_other_month_so_labels_do_not_overlap():
    months = [date(2025 + (m // 12), m % 12 + 1, 1) for m in range(11, 35)]
    chart = Chart("c", "t", "d", [], [], categories=months, series=[Series("a", [1] * 24)], month_rows=True)
    labels = [label["text"] for label in draw(chart)["labels"]]
    assert labels == [f"{month:%Y-%m}" for month in months[::2]]
    assert len(draw(chart)["bars"]) == 24  # every month still has its bar
