"""Statistics on index figures: pure Python, no Django, numbers in and out.

What the dashboards need to read an index against another: is a change between
two periods significant, and how large a sample a population needs. Each
function states its method; the doctests are run by tests/reports/test_statistics.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from reports.indices import SMALL_SAMPLE_N, Z95


@dataclass(frozen=True)
class Estimate:
    """An index value in percent with its n and, when the engine gives one, its
    95 % interval (composites have none)."""

    value: float | None
    n: int
    ci_low: float | None = None
    ci_high: float | None = None

    @property
    def small(self) -> bool:
        """Too few answers to rank or compare (n < SMALL_SAMPLE_N)."""
        return self.n < SMALL_SAMPLE_N


def two_proportion_z(p1: float, n1: int, p2: float, n2: int) -> float:
    """z statistic of the difference of two proportions (pooled variance).

    >>> round(two_proportion_z(0.9, 400, 0.8, 400), 2)
    3.96
    >>> two_proportion_z(0.5, 0, 0.5, 10)
    0.0
    """
    if not n1 or not n2:
        return 0.0
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    return (p1 - p2) / math.sqrt(variance) if variance > 0 else 0.0


def significant_change(current: Estimate, previous: Estimate) -> bool:
    """Is the change against the previous period significant at 95 %?

    When both periods have a 95 % interval, the change is significant when the
    intervals do not overlap (conservative: non-overlap implies p < 0.05). When
    the engine gives no interval (composites), a two-proportion z-test on the
    index read as a share of its n, |z| ≥ 1.96. Never for n < 30.

    >>> significant_change(Estimate(90, 400, 87, 92.5), Estimate(80, 400, 76, 83.5))
    True
    >>> significant_change(Estimate(82, 400, 78, 85.5), Estimate(80, 400, 76, 83.5))
    False
    >>> significant_change(Estimate(90, 400), Estimate(80, 400))
    True
    """
    if current.value is None or previous.value is None:
        return False
    if current.small or previous.small:
        return False
    if None not in (current.ci_low, current.ci_high, previous.ci_low, previous.ci_high):
        return current.ci_low > previous.ci_high or current.ci_high < previous.ci_low
    z = two_proportion_z(
        current.value / 100, current.n, previous.value / 100, previous.n
    )
    return abs(z) >= Z95


def slovin(population: int, margin: float = 0.05) -> int:
    """Slovin's sample size n = N / (1 + N·e²), rounded up.

    >>> slovin(10000)
    385
    >>> slovin(0)
    0
    """
    if population <= 0:
        return 0
    return math.ceil(population / (1 + population * margin * margin))
