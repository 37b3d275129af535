"""Writes of the improvement app (services: side effects, one path each)."""

from __future__ import annotations

from improvement import drivers
from sipas.periods import parse_period


def after_recompute(periods: list[str]) -> dict[str, int]:
    """What follows a recompute of the indices of some periods: the key drivers
    of the years and quarters among them (months hold too few respondents for
    drivers almost everywhere). Returns the analyses written per period."""
    written = {}
    for code in periods:
        if parse_period(code).granularity in ("year", "quarter"):
            written[code] = drivers.refresh_drivers(code)
    return written
