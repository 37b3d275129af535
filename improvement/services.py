"""Writes of the improvement app (services: side effects, one path each)."""

from __future__ import annotations

from improvement import alerts, drivers, effects
from sipas.periods import parse_period


def after_recompute(periods: list[str]) -> dict[str, int]:
    """What follows a recompute of the indices of some periods: the key drivers
    of the years and quarters among them (months hold too few respondents for
    drivers almost everywhere), the early warnings of every period, and the
    measured effects of the actions. Returns what was written, by step."""
    written = {}
    for code in periods:
        if parse_period(code).granularity in ("year", "quarter"):
            written[code] = drivers.refresh_drivers(code)
        written[f"alerts {code}"] = alerts.detect(code)
    # New responses may fall in the windows of the actions' effects.
    written["effects"] = effects.measure_actions()
    return written
