"""Reporting periods, for every app: ``2026`` (year), ``2026-Q3`` (quarter),
``2026-07`` (month).

A response belongs to the period of its ``submitted_at`` in the configured
``TIME_ZONE`` (Asia/Ho_Chi_Minh; docs/formats.md, "Periods"), so a period is a
range of local days and, for queries on raw timestamps, a half-open range of
aware datetimes. This is the one parser: the engine, the dashboards, the
commands and the admin all read period codes here.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.utils import timezone

PERIOD_HELP = "use 2026, 2026-Q3 or 2026-07"

_PATTERN = re.compile(r"^(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$")
# Periods per year and the number of periods a trend shows, by granularity.
_PER_YEAR = {"year": 1, "quarter": 4, "month": 12}
_TREND_LENGTH = {"year": 5, "quarter": 8, "month": 12}


@dataclass(frozen=True)
class Period:
    """A calendar period; ``first`` and ``last`` are local days (inclusive)."""

    code: str
    first: datetime.date
    last: datetime.date

    @property
    def year(self) -> int:
        return self.first.year

    @property
    def granularity(self) -> str:
        """ "year", "quarter" or "month"."""
        if "Q" in self.code:
            return "quarter"
        return "month" if "-" in self.code else "year"

    @property
    def number(self) -> int:
        """The quarter (1-4) or month (1-12) within the year; 0 for a year."""
        if self.granularity == "quarter":
            return (self.first.month + 2) // 3
        return self.first.month if self.granularity == "month" else 0

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """[start, end) as aware datetimes, for filters on submitted_at."""
        return day_start(self.first), day_start(self.last + datetime.timedelta(days=1))

    def shift(self, steps: int) -> Period:
        """The period ``steps`` units later (negative: earlier), same granularity.

        >>> parse_period("2026-Q1").shift(-1).code
        '2025-Q4'
        """
        size = _PER_YEAR[self.granularity]
        index = self.year * size + max(self.number - 1, 0) + steps
        return _make(index // size, self.granularity, index % size + 1)

    def previous(self) -> Period:
        return self.shift(-1)

    def same_period_last_year(self) -> Period:
        """The same quarter or month a year earlier (a year: the year before).

        >>> parse_period("2026-Q3").same_period_last_year().code
        '2025-Q3'
        """
        return self.shift(-_PER_YEAR[self.granularity])

    def months(self) -> list[Period]:
        """The months the period covers, in order."""
        return [
            _make(self.year, "month", m)
            for m in range(self.first.month, self.last.month + 1)
        ]

    def __str__(self) -> str:
        return self.code


def parse_period(code: str) -> Period:
    """Parse a period code; ValueError names what is wrong.

    >>> parse_period("2026-Q1").last
    datetime.date(2026, 3, 31)
    >>> parse_period("2026-02").last
    datetime.date(2026, 2, 28)
    >>> parse_period("2026-13")
    Traceback (most recent call last):
    ...
    ValueError: invalid period '2026-13': use 2026, 2026-Q3 or 2026-07
    """
    match = _PATTERN.match(code or "")
    if not match or match.group(1) == "0000":
        raise ValueError(f"invalid period {code!r}: {PERIOD_HELP}")
    year = int(match.group(1))
    if match.group(2):
        return _make(year, "quarter", int(match.group(2)))
    if match.group(3):
        return _make(year, "month", int(match.group(3)))
    return _make(year, "year", 0)


def is_period(code: str) -> bool:
    """Whether ``code`` is a period code (see :func:`parse_period`).

    >>> is_period("2026-Q3"), is_period("2026-Q5")
    (True, False)
    """
    try:
        parse_period(code)
    except ValueError:
        return False
    return True


def _make(year: int, granularity: str, number: int) -> Period:
    if granularity == "quarter":
        first = datetime.date(year, 3 * number - 2, 1)
        return Period(f"{year}-Q{number}", first, _month_end(year, 3 * number))
    if granularity == "month":
        first = datetime.date(year, number, 1)
        return Period(f"{year}-{number:02d}", first, _month_end(year, number))
    return Period(f"{year}", datetime.date(year, 1, 1), datetime.date(year, 12, 31))


def _month_end(year: int, month: int) -> datetime.date:
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


def parse_day_range(value: str) -> tuple[datetime.date, datetime.date]:
    """First and last day of a period code (any case) or of a day range.

    A range is ``2024-01-01..2025-06-30``; either end may be left open.
    Raises ValueError on anything else.

    >>> parse_day_range("2026-q3")
    (datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))
    >>> parse_day_range("..2025-06-30")
    (datetime.date(1, 1, 1), datetime.date(2025, 6, 30))
    """
    value = value.strip().upper()
    if ".." not in value:
        period = parse_period(value)
        return period.first, period.last
    first, _sep, last = value.partition("..")
    start = datetime.date.fromisoformat(first) if first else datetime.date.min
    end = datetime.date.fromisoformat(last) if last else datetime.date.max
    if start > end:
        raise ValueError(f"invalid range {value!r}: the start is after the end")
    return start, end


def local_tz() -> datetime.tzinfo:
    """The configured ``TIME_ZONE`` (the calendar periods are counted in)."""
    return timezone.get_default_timezone()


def local_day(moment: datetime.datetime) -> datetime.date:
    """The local calendar day of an aware datetime.

    >>> local_day(datetime.datetime(2025, 12, 31, 17, tzinfo=datetime.UTC))
    datetime.date(2026, 1, 1)
    """
    return moment.astimezone(local_tz()).date()


def day_start(day: datetime.date) -> datetime.datetime:
    """Local midnight at the start of a day, as an aware datetime."""
    return datetime.datetime.combine(day, datetime.time(), tzinfo=local_tz())


def current_year() -> int:
    return timezone.localdate().year


def periods_of_day(day: datetime.date) -> list[str]:
    """The year, quarter and month a local day belongs to.

    >>> periods_of_day(datetime.date(2026, 8, 5))
    ['2026', '2026-Q3', '2026-08']
    """
    quarter = (day.month - 1) // 3 + 1
    return [f"{day.year}", f"{day.year}-Q{quarter}", f"{day.year}-{day.month:02d}"]


def periods_of_year(year: int) -> list[str]:
    """The year, its quarters and its months (17 periods)."""
    return (
        [f"{year}"]
        + [f"{year}-Q{q}" for q in range(1, 5)]
        + [f"{year}-{m:02d}" for m in range(1, 13)]
    )


def recent_periods(today: datetime.date) -> list[str]:
    """Current and previous year, quarter and month (what beat rebuilds nightly).

    >>> recent_periods(datetime.date(2026, 1, 15))
    ['2026', '2026-Q1', '2026-01', '2025', '2025-Q4', '2025-12']
    """
    current = [parse_period(code) for code in periods_of_day(today)]
    previous = [period.previous() for period in current]
    return list(dict.fromkeys(p.code for p in current + previous))


def shift_period(code: str, steps: int) -> str:
    """The period ``steps`` units later (negative: earlier), same granularity.

    >>> shift_period("2026-01", -2)
    '2025-11'
    >>> shift_period("2026", -1)
    '2025'
    """
    return parse_period(code).shift(steps).code


def previous_period(code: str) -> str:
    """The period just before, same granularity.

    >>> previous_period("2026-Q1")
    '2025-Q4'
    """
    return shift_period(code, -1)


def same_period_last_year(code: str) -> str:
    """The code of the same period a year earlier.

    >>> same_period_last_year("2026-07")
    '2025-07'
    """
    return parse_period(code).same_period_last_year().code


def trend_periods(code: str) -> list[str]:
    """The period and the ones before it, oldest first (5 years, 8 quarters or
    12 months).

    >>> trend_periods("2026")
    ['2022', '2023', '2024', '2025', '2026']
    """
    period = parse_period(code)
    count = _TREND_LENGTH[period.granularity]
    return [period.shift(-k).code for k in range(count - 1, -1, -1)]


def months_of(code: str) -> list[str]:
    """The months a period covers (a month: the 12 months up to it).

    >>> months_of("2026-Q3")
    ['2026-07', '2026-08', '2026-09']
    """
    period = parse_period(code)
    if period.granularity == "month":
        return trend_periods(code)
    return [month.code for month in period.months()]


def period_choices(year: int | None = None) -> list[str]:
    """Periods offered in the dashboard filter: this year and the two before, each
    with its quarters and months, newest first."""
    year = year or current_year()
    choices = []
    for y in range(year, year - 3, -1):
        codes = periods_of_year(y)
        choices += [codes[0], *reversed(codes[1:5]), *reversed(codes[5:])]
    return choices
