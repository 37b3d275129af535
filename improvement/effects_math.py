"""Did an action work? Before/after differences and difference-in-differences.

Pure Python, no Django. Each respondent contributes one score per indicator:
100 if satisfied (4 or 5) with an item, or, for an element, 100 × the share of
the element's answered items they were satisfied with. The window's index is the
mean score (for an item exactly the official ItemIdx; for an element the
respondent-weighted version of ElementIdx, whose variance is honest about several
items coming from one person). Windows are independent samples, so

    difference        = after − before,           var = v_after + v_before
    diff-in-diff      = (after − before)_agency − (after − before)_peers,
                        var = the four variances summed

with normal 95 % intervals. An effect is claimed only when the interval of the
difference-in-differences excludes zero and both windows of the agency and of
its peers hold at least MIN_WINDOW respondents; below that the answer is "not
enough data" (Chưa đủ dữ liệu).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054
MIN_WINDOW = 100  # respondents per window (agency and peers) before any claim


@dataclass
class Moments:
    """n, Σx and Σx² of the scores of one window (additive)."""

    n: int = 0
    total: float = 0.0
    squares: float = 0.0

    def add(self, score: float) -> None:
        self.n += 1
        self.total += score
        self.squares += score * score

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None

    @property
    def variance_of_mean(self) -> float | None:
        """Sample variance / n: the squared standard error of the mean.

        >>> m = Moments()
        >>> for x in (0, 100, 100, 0):
        ...     m.add(x)
        >>> round(m.variance_of_mean, 2)
        833.33
        """
        if self.n < 2:
            return None
        var = (self.squares - self.total * self.total / self.n) / (self.n - 1)
        return max(var, 0.0) / self.n


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float
    high: float

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


def difference(before: Moments, after: Moments) -> Estimate | None:
    """after − before with its 95 % interval; None if a window is (nearly) empty.

    >>> a = Moments(400, 400 * 70.0, 400 * 70.0 * 100)  # 70 % satisfied
    >>> b = Moments(400, 400 * 80.0, 400 * 80.0 * 100)  # 80 % satisfied
    >>> e = difference(a, b)
    >>> round(e.value, 1), e.excludes_zero
    (10.0, True)
    """
    if before.variance_of_mean is None or after.variance_of_mean is None:
        return None
    value = after.mean - before.mean
    se = math.sqrt(before.variance_of_mean + after.variance_of_mean)
    return Estimate(value, value - Z95 * se, value + Z95 * se)


def diff_in_diff(
    before: Moments, after: Moments, peers_before: Moments, peers_after: Moments
) -> Estimate | None:
    """(after − before) − (peers' after − peers' before), 95 % interval."""
    windows = (before, after, peers_before, peers_after)
    if any(w.variance_of_mean is None for w in windows):
        return None
    value = (after.mean - before.mean) - (peers_after.mean - peers_before.mean)
    se = math.sqrt(sum(w.variance_of_mean for w in windows))
    return Estimate(value, value - Z95 * se, value + Z95 * se)


def enough(*windows: Moments) -> bool:
    return all(w.n >= MIN_WINDOW for w in windows)


def score(values: list[float]) -> float | None:
    """A respondent's score over the answered values of an item or element.

    >>> score([5, 2, float("nan")])
    50.0
    >>> score([float("nan")]) is None
    True
    """
    answered = [v for v in values if v == v]  # NaN is blank
    if not answered:
        return None
    return 100 * sum(1 for v in answered if v >= 4) / len(answered)
