"""Single numbers: percentages, Wilson intervals, adjusted standard errors,
means, small-sample flags, rounding."""

from __future__ import annotations

import math
from collections.abc import Iterable

Z95 = 1.96
SMALL_SAMPLE_N = 30
SMALL_SAMPLE = "small_sample"


# --- single numbers --------------------------------------------------------------


def percent(hits: int, answered: int) -> float | None:
    """Share of answers that are hits, in percent; None without answers.

    >>> percent(83, 100)
    83.0
    >>> percent(0, 0) is None
    True
    """
    return 100 * hits / answered if answered else None


def item_index(satisfied: int, answered: int) -> float | None:
    """Share of answers that are 4 (Hài lòng) or 5 (Rất hài lòng), in percent.

    >>> item_index(satisfied=83, answered=100)
    83.0
    """
    return percent(satisfied, answered)


def wilson(hits: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval for a proportion, in percent; None when n = 0.

    >>> [round(bound, 2) for bound in wilson(77, 83)]
    [85.11, 96.65]
    >>> wilson(0, 10)[0]
    0.0
    """
    if n <= 0:
        return None
    p = hits / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return (max(0.0, 100 * (centre - half)), min(100.0, 100 * (centre + half)))


def adjusted_se(hits: int, n: int) -> float | None:
    """Agresti–Coull standard error of a percentage; None when n = 0.

    >>> round(adjusted_se(50, 100), 3)
    4.903
    """
    if n <= 0:
        return None
    p = (hits + 2) / (n + 4)
    return 100 * math.sqrt(p * (1 - p) / (n + 4))


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the values that exist; None when none does.

    >>> mean([80.0, None, 90.0])
    85.0
    >>> mean([None]) is None
    True
    """
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def flag_for(n: int) -> str | None:
    """ "small_sample" below n = 30 (such rows are shown but not ranked).

    >>> flag_for(29), flag_for(30)
    ('small_sample', None)
    """
    return SMALL_SAMPLE if n < SMALL_SAMPLE_N else None


def normal_interval(
    value: float | None, se: float | None
) -> tuple[float, float] | None:
    """value ± 1.96·se, clipped to [0, 100].

    >>> normal_interval(90.0, 10.0)
    (70.4, 100.0)
    """
    if value is None or se is None:
        return None
    return (max(0.0, value - Z95 * se), min(100.0, value + Z95 * se))


def rounded(value: float | None, digits: int = 2) -> float | None:
    """Round for publication (docs/formats.md: percent with 2 decimals).

    >>> rounded(83.125), rounded(None)
    (83.12, None)
    """
    return None if value is None else round(value, digits)
