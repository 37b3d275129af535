"""Statistics of published indices: standard errors, difference tests, multiple
testing and rankings. Pure: numbers in, numbers out (numpy/scipy, no Django).

Standard error of a composite (methodology version 2)
-----------------------------------------------------
Every composite (element, aspect, SIPAS) is a fixed linear combination of item
proportions: an element is the mean of its answered items, an aspect the mean
of its elements with a value, SIPAS the mean of the aspects, so

    C = Σ_i w_i · p_i,   p_i = S_i / A_i

with S_i the satisfied answers to item i, A_i its answers and w_i the product of
the 1/k factors on the way up (:func:`mean_weights`). Respondents are sampled
independently; respondent r contributes the answered/satisfied indicators
a_ri, s_ri. Linearising each ratio (delta method),

    p̂_i − p_i ≈ (1/A_i) Σ_r e_ri,   e_ri = s_ri − p_i · a_ri

so Var(C) ≈ Σ_i Σ_j w_i w_j · Σ_r e_ri e_rj / (A_i A_j), and

    Σ_r e_ri e_rj = SS_ij − p_j·SA_ij − p_i·AS_ij + p_i·p_j·AA_ij

where, over respondents, AA_ij counts "answered both", SA_ij "satisfied with i
and answered j", AS_ij "answered i and satisfied with j", SS_ij "satisfied with
both" (for i = j the term is A_i·p_i·(1 − p_i)). These four pair counts are sums
over respondents, so they add up over days and agencies exactly like the answer
counts: the engine keeps them per agency-month and never rescans answers. No
assumption is made about which items a respondent skips (the two mixed counts
SA, AS make it exact where "both answered"/"both satisfied" alone would need
answers missing completely at random). The factor n/(n − 1) is the usual
small-sample correction of this sandwich estimator.

Cluster samples (hh-1001)
-------------------------
Households are drawn commune by commune. With per-commune sums S_ic, A_ic the
ultimate-cluster estimator of the same linearised statistic is

    V_cl = c/(c − 1) · Σ_c z_c²,   z_c = Σ_i w_i (S_ic − p_i A_ic) / A_i

and the design effect deff = max(1, V_cl / V_srs) multiplies the variance (we
never let clustering *narrow* an interval: with few communes V_cl is noisy).
With c communes that variance has c − 1 degrees of freedom: the factor
(t_{c−1}/1.96)² is folded into it (:func:`few_clusters_factor`).

Difference tests and rankings
-----------------------------
Two periods are independent samples: diff = x − y, se = √(se_x² + se_y²), a
two-sided normal p-value; proportions (items, shares) use the Agresti–Caffo
interval (one success and one failure added to each side), which keeps its
coverage near 0 % and 100 %. Many differences on one page are one family:
Benjamini–Hochberg q-values, "significant" when q < 0.05. Rankings show a
funnel (95 % and 99.8 % limits around the group mean, narrowing with n) and
rank intervals from the estimates' sampling distributions (normal draws with a
fixed seed, so a page shows the same intervals every time).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats as _stats

Z95 = 1.959963984540054
Z998 = 3.090232306167813  # two-sided 99.8 %
ALPHA = 0.05

# pair counts of items i < j: both answered, i satisfied and j answered,
# i answered and j satisfied, both satisfied
Pair = tuple[int, int, int, int]


# --- composites as linear combinations of items -------------------------------------


def mean_weights(parts: Iterable[Mapping[str, float]]) -> dict[str, float]:
    """Item weights of the mean of some composites, each given by its own item
    weights; empty parts (no value) are left out of the mean, as the index
    formulas leave them out.

    >>> mean_weights([{"E1.1": 1.0}, {"E1.2": 1.0}])
    {'E1.1': 0.5, 'E1.2': 0.5}
    >>> mean_weights([{"a": 0.5, "b": 0.5}, {"c": 1.0}, {}])
    {'a': 0.25, 'b': 0.25, 'c': 0.5}
    """
    present = [part for part in parts if part]
    weights: dict[str, float] = {}
    for part in present:
        for item, weight in part.items():
            weights[item] = weights.get(item, 0.0) + weight / len(present)
    return weights


def pair_key(first: str, second: str) -> tuple[str, str]:
    """The order pair counts are kept in: the smaller code first.

    >>> pair_key("E1.2", "E1.1")
    ('E1.1', 'E1.2')
    """
    return (first, second) if first < second else (second, first)


def composite_variance(
    weights: Mapping[str, float],
    totals: Mapping[str, tuple[int, int]],
    pairs: Mapping[tuple[str, str], Sequence[int]],
    n: int,
) -> float | None:
    """Delta-method variance (as a proportion², not percent) of Σ w_i·p_i from
    item totals {item: (satisfied, answered)} and pair counts {(i, j): (AA, SA,
    AS, SS)} with i < j (:func:`pair_key`); `n` is the number of respondents
    behind the composite. None without a weighted item with answers.

    Two items answered by the same 4 people, satisfied together:
    >>> t, w = {"a": (2, 4), "b": (2, 4)}, {"a": 0.5, "b": 0.5}
    >>> round(composite_variance(w, t, {("a", "b"): (4, 2, 2, 2)}, 4), 4)
    0.0833

    ... and never together (the mean is always 50 %):
    >>> round(composite_variance(w, t, {("a", "b"): (4, 2, 2, 0)}, 4), 4)
    0.0
    """
    p: dict[str, float] = {}
    answered: dict[str, int] = {}
    total = 0.0
    for item, weight in weights.items():
        satisfied, count = totals.get(item, (0, 0))
        if count <= 0 or weight == 0:
            continue
        p[item] = satisfied / count
        answered[item] = count
        total += weight * weight * p[item] * (1 - p[item]) / count
    if not p:
        return None
    for (i, j), (aa, sa, as_, ss) in pairs.items():
        if i not in p or j not in p or not aa:
            continue
        cross = ss - p[j] * sa - p[i] * as_ + p[i] * p[j] * aa
        total += 2 * weights[i] * weights[j] * cross / (answered[i] * answered[j])
    correction = n / (n - 1) if n > 1 else 1.0
    return max(total, 0.0) * correction


def cluster_variance(
    weights: Mapping[str, float],
    totals: Mapping[str, tuple[int, int]],
    clusters: Iterable[Mapping[str, tuple[int, int]]],
) -> float | None:
    """Ultimate-cluster variance of Σ w_i·p_i from per-cluster item totals
    {item: (satisfied, answered)}; None with fewer than two clusters.

    >>> total = {"a": (6, 10)}
    >>> round(cluster_variance({"a": 1.0}, total, [{"a": (5, 5)}, {"a": (1, 5)}]), 3)
    0.16
    """
    p = {
        item: totals[item][0] / totals[item][1]
        for item in weights
        if item in totals and totals[item][1] > 0
    }
    scores = []
    for cluster in clusters:
        score = 0.0
        for item, (satisfied, count) in cluster.items():
            if item in p:
                score += weights[item] * (satisfied - p[item] * count) / totals[item][1]
        scores.append(score)
    if len(scores) < 2 or not p:
        return None
    c = len(scores)
    return c / (c - 1) * sum(s * s for s in scores)


def design_effect(v_cluster: float | None, v_srs: float | None) -> float:
    """Variance inflation of a cluster sample, never below 1 (see module doc).

    >>> design_effect(0.02, 0.01), design_effect(0.005, 0.01), design_effect(None, 0.01)
    (2.0, 1.0, 1.0)
    """
    if v_cluster is None or not v_srs:
        return 1.0
    return max(1.0, v_cluster / v_srs)


def few_clusters_factor(clusters: int) -> float:
    """Widening for a variance estimated from few clusters: it has c − 1 degrees
    of freedom, so the interval should use Student's t instead of 1.96; folded
    into the variance, (t_{c−1} / 1.96)², so that every interval stays
    value ± 1.96·se.

    >>> round(few_clusters_factor(30), 3), few_clusters_factor(1)
    (1.089, 1.0)
    """
    if clusters < 2:
        return 1.0
    return float(_stats.t.ppf(0.975, clusters - 1) / Z95) ** 2


def percent_se(variance: float | None) -> float | None:
    """Standard error in percentage points of a proportion's variance.

    >>> percent_se(0.0004)
    2.0
    """
    return None if variance is None else 100 * math.sqrt(variance)


def proportion_se(hits: int, n: int) -> float | None:
    """Binomial standard error of a percentage (items, shares), in points.

    >>> round(proportion_se(80, 100), 2)
    4.0
    """
    if n <= 0:
        return None
    p = hits / n
    return 100 * math.sqrt(p * (1 - p) / n)


def normal_interval(
    value: float | None, se: float | None, z: float = Z95
) -> tuple[float, float] | None:
    """value ± z·se, clipped to [0, 100].

    >>> [round(bound, 2) for bound in normal_interval(90.0, 2.0)]
    [86.08, 93.92]
    """
    if value is None or se is None:
        return None
    return (max(0.0, value - z * se), min(100.0, value + z * se))


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


# --- one function for every change test (compare_indices and the dashboards) ----

ITEM_LIKE = frozenset({"item", "overall", "share", "expectation"})
MIN_N = 30  # below this a row is flagged small_sample and never tested


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
    counts being value·n/100; composites the normal difference of their
    delta-method estimates.

    >>> change("item", 90.0, 400, None, 80.0, 400, None).p < 0.001
    True
    >>> round(change("aspect", 85.0, 400, 1.5, 80.0, 400, 1.5).p, 4)
    0.0184
    >>> change("aspect", 85.0, 20, 1.5, 80.0, 400, 1.5) is None
    True
    """
    if value is None or baseline is None or n < MIN_N or baseline_n < MIN_N:
        return None
    if kind in ITEM_LIKE:
        return proportion_difference(
            round(value * n / 100), n, round(baseline * baseline_n / 100), baseline_n
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
    if kind in ITEM_LIKE:
        se = proportion_se(round(value * n / 100), n)
        group_se = proportion_se(round(group * group_n / 100), group_n)
    if se is None or group_se is None or group_n < n:
        return None
    share = n / group_n
    variance = max((1 - 2 * share) * se * se + group_se * group_se, 0.0)
    spread = math.sqrt(variance)
    diff = value - group
    return Difference(
        diff, diff - Z95 * spread, diff + Z95 * spread, _p_value(diff, spread)
    )


# --- sample size and the version-1 significance rule (dashboards before issue 12) --


@dataclass(frozen=True)
class Estimate:
    """An index value in percent with its n, its 95 % interval when the row has
    one, and (methodology version 2) its standard error and the elements missing
    behind a composite. Compared by value, n and interval."""

    value: float | None
    n: int
    ci_low: float | None = None
    ci_high: float | None = None
    se: float | None = field(default=None, compare=False)
    incomplete: str = field(default="", compare=False)  # e.g. "E5"

    @property
    def small(self) -> bool:
        """Too few answers to rank or compare (n < MIN_N)."""
        return self.n < MIN_N


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
    """The version-1 rule (non-overlapping 95 % intervals, else a two-proportion
    z-test; never for n < 30), kept for reading old rows. The dashboards and
    compare_indices use :func:`change` and :func:`significant_in_family`.

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
    """Slovin's sample size n = N / (1 + N·e²), rounded up (it assumes a simple
    random sample and p = 0.5).

    >>> slovin(10000)
    385
    >>> slovin(0)
    0
    """
    if population <= 0:
        return 0
    return math.ceil(population / (1 + population * margin * margin))
