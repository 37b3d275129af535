"""Rankings: funnel limits, rank intervals, weighted means."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from reports.statistics.composites import Z95

# --- rankings -------------------------------------------------------------------


def unit_sd(ses: Sequence[float], ns: Sequence[int]) -> float | None:
    """The per-respondent standard deviation behind a group's standard errors
    (se ≈ sd/√n), pooled over the group weighted by n: what the funnel's
    limits narrow with.

    >>> round(unit_sd([4.0, 2.0], [100, 400]), 2)
    40.0
    """
    pairs = [(se, n) for se, n in zip(ses, ns, strict=True) if se is not None and n > 0]
    if not pairs:
        return None
    total = sum(n for _se, n in pairs)
    return math.sqrt(sum(se * se * n * n for se, n in pairs) / total)


def funnel_limits(
    centre: float, sd: float, n: int, z: float = Z95
) -> tuple[float, float]:
    """The funnel's limits at sample size n around the group mean, in percent.

    >>> [round(limit, 2) for limit in funnel_limits(80.0, 40.0, 400)]
    [76.08, 83.92]
    """
    half = z * sd / math.sqrt(n) if n > 0 else math.inf
    return (max(0.0, centre - half), min(100.0, centre + half))


def rank_intervals(
    values: Sequence[float],
    ses: Sequence[float],
    *,
    draws: int = 2000,
    seed: int = 20261,
    level: float = 0.95,
) -> list[tuple[int, int]]:
    """For each estimate, the range of ranks (1 = highest) it takes in `level`
    of draws from the estimates' normal sampling distributions (fixed seed:
    the same input gives the same intervals).

    >>> rank_intervals([90.0, 50.0, 10.0], [1.0, 1.0, 1.0])
    [(1, 1), (2, 2), (3, 3)]
    >>> rank_intervals([80.0, 80.5], [3.0, 3.0])
    [(1, 2), (1, 2)]
    """
    if not values:
        return []
    rng = np.random.default_rng(seed)
    centre = np.asarray(values, dtype=float)
    spread = np.asarray([se or 0.0 for se in ses], dtype=float)
    sample = centre + rng.standard_normal((draws, len(values))) * spread
    # rank 1 = highest in each draw
    ranks = (-sample).argsort(axis=1, kind="stable").argsort(axis=1) + 1
    tail = (1 - level) / 2
    low = np.floor(np.quantile(ranks, tail, axis=0, method="lower"))
    high = np.ceil(np.quantile(ranks, 1 - tail, axis=0, method="higher"))
    return [(int(a), int(b)) for a, b in zip(low, high, strict=True)]


def weighted_mean(
    values: Sequence[float | None], weights: Sequence[float]
) -> float | None:
    """Mean of the values weighted by (e.g. transaction volumes); None when no
    value has a positive weight.

    >>> weighted_mean([80.0, 90.0, None], [1, 3, 5])
    87.5
    """
    pairs = [
        (v, w) for v, w in zip(values, weights, strict=True) if v is not None and w > 0
    ]
    total = sum(w for _v, w in pairs)
    return sum(v * w for v, w in pairs) / total if total else None
