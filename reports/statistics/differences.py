"""Difference tests between periods or against a group, multiple testing
(Benjamini–Hochberg) and the one change test of compare_indices and the
dashboards."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats as _stats

from reports.statistics.composites import ALPHA, Z95, proportion_se

# --- differences and multiple testing -----------------------------------------------


@dataclass(frozen=True)
class Difference:
    """value − baseline (points), its 95 % interval and two-sided p-value."""

    diff: float
    low: float
    high: float
    p: float


def _p_value(diff: float, se: float) -> float:
    if se <= 0:
        return 1.0 if diff == 0 else 0.0
    return float(2 * _stats.norm.sf(abs(diff) / se))


def difference(
    value: float, se: float, baseline: float, baseline_se: float
) -> Difference:
    """Difference of two independent estimates (percent, se in points).

    >>> d = difference(85.0, 1.5, 80.0, 1.5)
    >>> round(d.diff, 2), round(d.low, 2), round(d.high, 2), round(d.p, 4)
    (5.0, 0.84, 9.16, 0.0184)
    """
    diff = value - baseline
    se = math.hypot(se, baseline_se)
    return Difference(diff, diff - Z95 * se, diff + Z95 * se, _p_value(diff, se))


def proportion_difference(hits: int, n: int, base_hits: int, base_n: int) -> Difference:
    """Difference of two independent percentages: the observed difference, the
    Agresti–Caffo 95 % interval and the p-value of the same adjusted statistic.

    >>> d = proportion_difference(90, 100, 80, 100)
    >>> round(d.diff, 2), round(d.low, 2), round(d.high, 2), round(d.p, 3)
    (10.0, -0.09, 19.69, 0.052)
    >>> proportion_difference(30, 30, 30, 30).p
    1.0
    """
    diff = 100 * (hits / n - base_hits / base_n)
    p1, p2 = (hits + 1) / (n + 2), (base_hits + 1) / (base_n + 2)
    se = 100 * math.sqrt(p1 * (1 - p1) / (n + 2) + p2 * (1 - p2) / (base_n + 2))
    centre = 100 * (p1 - p2)
    return Difference(diff, centre - Z95 * se, centre + Z95 * se, _p_value(centre, se))


def bh_qvalues(p_values: Sequence[float | None]) -> list[float | None]:
    """Benjamini–Hochberg adjusted p-values (q-values) of one family, in input
    order; None stays None and is not counted in the family.

    >>> bh_qvalues([0.01, 0.04, 0.03, None, 0.5])
    [0.04, 0.0533..., 0.0533..., None, 0.5]
    """
    present = [(p, i) for i, p in enumerate(p_values) if p is not None]
    m = len(present)
    q: list[float | None] = [None] * len(p_values)
    running = 1.0
    for rank, (p, i) in reversed(list(enumerate(sorted(present), start=1))):
        running = min(running, p * m / rank)
        q[i] = min(1.0, running)
    return q


# --- one function for every change test (compare_indices and the dashboards) ----

ITEM_LIKE = frozenset({"item", "overall", "share", "expectation"})
MIN_N = 30  # below this a row is flagged small_sample and never tested


def effective_n(value: float, n: int, se: float | None) -> float:
    """The sample size behind a percentage once its design effect is counted:
    n × (binomial se / published se)², when the published se (a cluster
    sample's, hh-1001) is wider than the binomial one; else n (rounding of the
    stored figures is not taken for a design effect).

    >>> effective_n(80.0, 400, 2.0), effective_n(80.0, 400, 4.0)
    (400, 100.0)
    """
    binomial = proportion_se(round(value * n / 100), n) if n > 0 else None
    if se is None or not binomial or se <= binomial * 1.001:
        return n
    return n * (binomial / se) ** 2


def design_interval(
    value: float | None, n: int, se: float | None
) -> tuple[float, float] | None:
    """The 95 % interval of a cluster sample's percentage: the Wilson interval
    on its effective sample size (:func:`effective_n`); the plain Wilson
    interval when there is no design effect. None without a value.

    >>> [round(b, 2) for b in design_interval(80.0, 400, 2.0)]
    [75.8, 83.63]
    >>> [round(b, 2) for b in design_interval(80.0, 400, 4.0)]
    [71.12, 86.66]
    """
    if value is None or n <= 0:
        return None
    m, p, z2 = effective_n(value, n, se), value / 100, Z95 * Z95
    centre = (p + z2 / (2 * m)) / (1 + z2 / m)
    half = Z95 * math.sqrt(p * (1 - p) / m + z2 / (4 * m * m)) / (1 + z2 / m)
    return (max(0.0, 100 * (centre - half)), min(100.0, 100 * (centre + half)))


def _hits_and_n(value: float, n: int, se: float | None) -> tuple[float, float]:
    """The counts a percentage stands for: (value·n/100 rounded, n), or on
    the effective sample size of a cluster sample."""
    effective = effective_n(value, n, se)
    if effective == n:
        return round(value * n / 100), n
    return value * effective / 100, effective


def change(
    kind: str,
    value: float | None,
    n: int,
    se: float | None,
    baseline: float | None,
    baseline_n: int,
    baseline_se: float | None,
) -> Difference | None:
    """The change of one published row against its baseline period, or None
    when it cannot be tested (a value missing, n < 30 on either side, a
    composite without a standard error). Item-like rows (percentages of
    answers) use the Agresti–Caffo difference of the two proportions, the
    counts being value·n/100 on their effective sample sizes (n, or less for
    a cluster sample: :func:`effective_n`); composites the normal difference of
    their delta-method estimates.

    >>> change("item", 90.0, 400, None, 80.0, 400, None).p < 0.001
    True
    >>> round(change("aspect", 85.0, 400, 1.5, 80.0, 400, 1.5).p, 4)
    0.0184
    >>> change("aspect", 85.0, 20, 1.5, 80.0, 400, 1.5) is None
    True
    >>> change("item", 90.0, 400, 3.0, 80.0, 400, 4.0).p > 0.01  # clustered
    True
    """
    if value is None or baseline is None or n < MIN_N or baseline_n < MIN_N:
        return None
    if kind in ITEM_LIKE:
        return proportion_difference(
            *_hits_and_n(value, n, se), *_hits_and_n(baseline, baseline_n, baseline_se)
        )
    if se is None or baseline_se is None:
        return None
    return difference(value, se, baseline, baseline_se)


def significant_in_family(
    differences: Sequence[Difference | None],
) -> list[tuple[float | None, bool]]:
    """(q-value, significant) of each test of one family (one page, one file):
    Benjamini–Hochberg, significant when q < 0.05.

    >>> tests = [difference(85, 1, 80, 1), None, difference(80.5, 1, 80, 1)]
    >>> [(round(q, 4) if q is not None else None, s)
    ...  for q, s in significant_in_family(tests)]
    [(0.0008, True), (None, False), (0.7237, False)]
    """
    qs = bh_qvalues([d.p if d is not None else None for d in differences])
    return [(q, q is not None and q < ALPHA) for q in qs]


def against_group(
    kind: str,
    value: float | None,
    n: int,
    se: float | None,
    group: float | None,
    group_n: int,
    group_se: float | None,
) -> Difference | None:
    """An agency against a group it belongs to (its province's subtree): the
    two estimates share the agency's respondents, so they are not independent.
    With the agency's share w = n / group_n of the group's respondents, the
    group is P ≈ w·A + (1 − w)·R (R the rest) and

        Var(A − P) = (1 − 2w)·Var(A) + Var(P)

    (exact for item-like rows, whose weights are these shares). None when it
    cannot be tested (as :func:`change`).

    >>> d = against_group("aspect", 90.0, 100, 2.0, 85.0, 1000, 1.0)
    >>> round(d.diff, 2), round(d.high - d.diff, 2), round(d.p, 4)
    (5.0, 4.02, 0.0147)
    """
    if value is None or group is None or n < MIN_N or group_n < MIN_N:
        return None
    if kind in ITEM_LIKE:  # binomial, or the design-effect se when wider
        se = proportion_se(*_hits_and_n(value, n, se))
        group_se = proportion_se(*_hits_and_n(group, group_n, group_se))
    if se is None or group_se is None or group_n < n:
        return None
    share = n / group_n
    variance = max((1 - 2 * share) * se * se + group_se * group_se, 0.0)
    spread = math.sqrt(variance)
    diff = value - group
    return Difference(
        diff, diff - Z95 * spread, diff + Z95 * spread, _p_value(diff, spread)
    )
