"""The one period module (sipas/periods.py): codes, bounds, arithmetic."""

import datetime
import doctest

import pytest
from django.test import override_settings

from sipas import periods


def test_the_doctest_examples_hold():
    assert doctest.testmod(periods).failed == 0


@pytest.mark.parametrize(
    "moment, expected",
    [
        ("2025-12-31T17:00:00+00:00", "2026-01-01"),
        ("2026-12-31T16:59:59+00:00", "2026-12-31"),
        ("2026-03-31T17:30:00+00:00", "2026-04-01"),
        ("2026-06-30T23:30:00-05:00", "2026-07-01"),
    ],
)
def test_a_timestamp_in_another_offset_falls_on_its_vietnamese_day(moment, expected):
    day = periods.local_day(datetime.datetime.fromisoformat(moment))
    assert day.isoformat() == expected


def test_period_codes_are_validated():
    assert periods.parse_period("2026-Q4").first.isoformat() == "2026-10-01"
    for bad in ["2026-Q5", "26", "2026-7", "2026-00", ""]:
        with pytest.raises(ValueError):
            periods.parse_period(bad)


def test_bounds_are_local_midnights_in_the_configured_time_zone():
    start, end = periods.parse_period("2026-Q3").bounds()
    assert start.isoformat() == "2026-07-01T00:00:00+07:00"
    assert end.isoformat() == "2026-10-01T00:00:00+07:00"
    with override_settings(TIME_ZONE="Europe/Paris"):
        start, _end = periods.parse_period("2026-07").bounds()
        assert start.isoformat() == "2026-07-01T00:00:00+02:00"


@pytest.mark.parametrize(
    ("code", "previous", "last_year"),
    [
        ("2026", "2025", "2025"),
        ("2026-Q1", "2025-Q4", "2025-Q1"),
        ("2026-01", "2025-12", "2025-01"),
        ("2026-07", "2026-06", "2025-07"),
    ],
)
def test_previous_and_same_period_last_year_keep_the_granularity(
    code, previous, last_year
):
    assert periods.previous_period(code) == previous
    assert periods.same_period_last_year(code) == last_year


def test_a_trend_shows_five_years_eight_quarters_or_twelve_months():
    assert len(periods.trend_periods("2026")) == 5
    assert periods.trend_periods("2026-Q2")[0] == "2024-Q3"
    assert periods.trend_periods("2026-03")[0] == "2025-04"
    assert periods.months_of("2026") == [f"2026-{m:02d}" for m in range(1, 13)]
    assert periods.months_of("2026-05") == periods.trend_periods("2026-05")


def test_the_dashboard_offers_three_years_newest_first():
    choices = periods.period_choices(2026)
    assert len(choices) == 3 * 17
    assert choices[:6] == ["2026"] + [f"2026-Q{q}" for q in (4, 3, 2, 1)] + ["2026-12"]
    assert choices[-1] == "2024-01"


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2026", datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)),
        ("2026-Q1", datetime.date(2026, 1, 1), datetime.date(2026, 3, 31)),
        ("2026-q4", datetime.date(2026, 10, 1), datetime.date(2026, 12, 31)),
        ("2024-02", datetime.date(2024, 2, 1), datetime.date(2024, 2, 29)),
        ("2025-12", datetime.date(2025, 12, 1), datetime.date(2025, 12, 31)),
        (
            "2024-01-01..2025-06-30",
            datetime.date(2024, 1, 1),
            datetime.date(2025, 6, 30),
        ),
        ("2025-07-01..", datetime.date(2025, 7, 1), datetime.date.max),
    ],
)
def test_a_period_or_a_day_range_is_read_as_first_and_last_day(text, first, last):
    assert periods.parse_day_range(text) == (first, last)


@pytest.mark.parametrize(
    "text", ["", "26", "2026-Q0", "2026-13", "2026-02-30..", "b..a"]
)
def test_malformed_periods_and_ranges_are_refused(text):
    with pytest.raises(ValueError):
        periods.parse_day_range(text)


def test_reversed_ranges_are_refused():
    with pytest.raises(ValueError):
        periods.parse_day_range("2026-12-31..2026-01-01")
