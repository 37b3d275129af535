"""Standard errors of composites (linear combinations of item proportions),
with the cluster-sample design effect; intervals."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

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
