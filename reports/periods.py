"""Reporting periods: ``2026`` (year), ``2026-Q3`` (quarter), ``2026-07`` (month).

A response belongs to the period of its ``submitted_at`` in Asia/Ho_Chi_Minh
(CONTRACT.md), so a period is a range of local days and, for queries on raw
timestamps, a half-open range of aware datetimes.
"""

from __future__ import annotations

import datetime
import re
import zoneinfo
from dataclasses import dataclass

LOCAL_TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")

_PATTERN = re.compile(r"^(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$")


@dataclass(frozen=True)
class Period:
    """A calendar period; ``first`` and ``last`` are local days (inclusive)."""

    code: str
    first: datetime.date
    last: datetime.date

    @property
    def granularity(self) -> str:
        if "Q" in self.code:
            return "quarter"
        return "month" if "-" in self.code else "year"

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """[start, end) as aware datetimes, for filters on submitted_at."""
        return day_start(self.first), day_start(self.last + datetime.timedelta(days=1))

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
    if not match:
        raise ValueError(f"invalid period {code!r}: use 2026, 2026-Q3 or 2026-07")
    year = int(match.group(1))
    if match.group(2):
        quarter = int(match.group(2))
        first = datetime.date(year, 3 * quarter - 2, 1)
        last = _month_end(year, 3 * quarter)
    elif match.group(3):
        month = int(match.group(3))
        first = datetime.date(year, month, 1)
        last = _month_end(year, month)
    else:
        first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    return Period(code, first, last)


def _month_end(year: int, month: int) -> datetime.date:
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


def local_day(moment: datetime.datetime) -> datetime.date:
    """The Vietnamese calendar day of an aware datetime.

    >>> local_day(datetime.datetime(2025, 12, 31, 17, tzinfo=datetime.UTC))
    datetime.date(2026, 1, 1)
    """
    return moment.astimezone(LOCAL_TZ).date()


def day_start(day: datetime.date) -> datetime.datetime:
    """Local midnight at the start of a day, as an aware datetime."""
    return datetime.datetime.combine(day, datetime.time(), tzinfo=LOCAL_TZ)


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
    previous_month = today.replace(day=1) - datetime.timedelta(days=1)
    quarter_start = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    previous_quarter = quarter_start - datetime.timedelta(days=1)
    previous_year = datetime.date(today.year - 1, 12, 31)
    current = periods_of_day(today)
    previous = [
        periods_of_day(previous_year)[0],
        periods_of_day(previous_quarter)[1],
        periods_of_day(previous_month)[2],
    ]
    return list(dict.fromkeys(current + previous))
