"""Early-warning tests, pure Python: is a drop (or a rise in a bad share) real?

Each test compares an index in a period with the same index in a reference
period (the previous period, or the same period last year). Standard errors come
from the stored 95 % intervals (the engine's Wilson interval for items, its
documented interval for composites): se ≈ (high − low) / (2 · 1.96); without an
interval, the binomial se √(p(1 − p)/n). The one-sided p-value of a drop is
Φ((current − reference) / √(se₁² + se₂²)).

False discoveries are controlled per agency: all the tests of one agency in one
run (headline, elements, share of G ≤ 2, share of negative comments, each
against two references) form one Benjamini–Hochberg family at 5 %. Under no true
change the chance that an agency raises any alert is then at most 5 %, whatever
the number of agencies; a true 8-point drop of the headline at n = 400
(z ≈ 2.9, p ≈ 0.002) passes the first BH step of a family of 14 (0.05 / 14).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from improvement.drivers_math import benjamini_hochberg

Z95 = 1.959963984540054
FDR = 0.05
MIN_N = 30  # an index below this is flagged "too few answers" and never tested


@dataclass(frozen=True)
class Figure:
    """An index (or share) in percent with its n and optional 95 % interval."""

    value: float | None
    n: int
    low: float | None = None
    high: float | None = None

    @property
    def se(self) -> float | None:
        if self.value is None or self.n < MIN_N:
            return None
        if self.low is not None and self.high is not None and self.high > self.low:
            return (self.high - self.low) / (2 * Z95)
        p = min(max(self.value / 100, 0.0), 1.0)
        # Never zero: a 100 % (or 0 %) index still has sampling error.
        return 100 * math.sqrt(max(p * (1 - p), 0.25 / self.n) / self.n)


def _normal_cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2))


def change_p_value(current: Figure, reference: Figure, *, worse: str) -> float | None:
    """One-sided p-value that ``current`` is worse than ``reference``: lower when
    ``worse`` is "down" (an index), higher when "up" (a bad share). None when
    either figure is missing or too small to test.

    >>> round(change_p_value(Figure(77, 400, 72.9, 81.1), Figure(85, 400, 81.2, 88.2),
    ...                      worse="down"), 4)
    0.0028
    """
    if current.se is None or reference.se is None:
        return None
    se = math.sqrt(current.se**2 + reference.se**2)
    z = (current.value - reference.value) / se
    return _normal_cdf(z) if worse == "down" else _normal_cdf(-z)


def significant(p_values: list[float], q: float = FDR) -> list[bool]:
    """Which tests of one family are discoveries at false discovery rate q.

    >>> significant([0.001, 0.2, 0.03, 0.04])
    [True, False, False, False]
    """
    adjusted = benjamini_hochberg(p_values)
    return [a <= q for a in adjusted]
