"""Key-driver maths: how much each element (or item) drives overall satisfaction G.

Pure numpy, no Django: numbers in, numbers out.

Method. Johnson's relative weights (Johnson 2000, *Multivariate Behavioral
Research* 35:1): the predictors are replaced by their closest orthogonal
counterparts, G is regressed on those, and each predictor's raw weight is the part
of R² it carries. The raw weights are non-negative and sum to R², and, unlike
regression coefficients, they stay sensible when the predictors are correlated
(as SIPAS elements always are). Importance is shown as the share of R² (%).

Intervals. A bootstrap over respondents from additive aggregates: in one pass
each respondent is put in one of GROUPS random groups and only the groups' n, sums
and cross-products are kept (memory ``GROUPS × (p + 2)²`` numbers, whatever the
number of respondents); each replicate resamples the groups with replacement, and
its moments give its correlation matrix and relative weights. Percentile
intervals (95 %) are read from the replicates.

Claims. A driver is claimed only when it beats a pure-noise predictor (Tonidandel,
LeBreton & Johnson 2009): a standard-normal column is added to the predictors, the
difference between each predictor's raw weight and the noise column's is tested
with its bootstrap standard error, and the p-values are adjusted for the number of
predictors (Benjamini–Hochberg, 5 % false discovery rate). On data where G depends
on nothing, no driver is claimed (except at that controlled rate).

Minimum sample. Relative weights need far more respondents than an index: the
regression rule of thumb N ≥ 50 + 8·p (Green 1991) gives 90 for five elements and
202 for nineteen items, and bootstrap intervals on top of it need more again, so
drivers are computed only from MIN_RESPONDENTS complete respondents on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Complete respondents (every predictor and G answered) needed before drivers
# are computed; below it the page says "not enough responses".
MIN_RESPONDENTS = {"element": 200, "item": 400}
REPLICATES = 400
GROUPS = 500  # random groups of respondents the bootstrap resamples
FDR = 0.05


def correlation(n: float, sums: np.ndarray, cross: np.ndarray) -> np.ndarray | None:
    """Correlation matrix from additive moments: n, Σx and Σxxᵀ.

    None when a variable has no variance (a correlation is then undefined).

    >>> x = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 7.0]])
    >>> c = correlation(3, x.sum(0), x.T @ x)
    >>> round(float(c[0, 1]), 4)
    0.9934
    """
    if n < 3:
        return None
    mean = sums / n
    cov = cross / n - np.outer(mean, mean)
    var = np.diag(cov)
    if np.any(var <= 1e-12 * np.maximum(1.0, np.abs(np.diag(cross)) / n)):
        return None
    scale = np.sqrt(var)
    return cov / np.outer(scale, scale)


def relative_weights(corr: np.ndarray) -> np.ndarray | None:
    """Johnson's raw relative weights of the predictors.

    ``corr`` is the correlation matrix of the predictors followed by the outcome
    (last row and column). Returns one weight per predictor; they sum to R².
    None when the predictors are (numerically) collinear.

    Two uncorrelated predictors: each weight is its squared correlation with G.

    >>> c = np.array([[1.0, 0.0, 0.6], [0.0, 1.0, 0.3], [0.6, 0.3, 1.0]])
    >>> [round(float(w), 4) for w in relative_weights(c)]
    [0.36, 0.09]
    """
    rxx = corr[:-1, :-1]
    rxy = corr[:-1, -1]
    eigenvalues, vectors = np.linalg.eigh(rxx)
    if eigenvalues.min() <= 1e-10:
        return None
    # Λ: correlations between the predictors and their orthogonal counterparts.
    lam = vectors @ np.diag(np.sqrt(eigenvalues)) @ vectors.T
    beta = np.linalg.solve(lam, rxy)  # G regressed on the orthogonal counterparts
    return (lam**2) @ (beta**2)


class BootstrapMoments:
    """Additive moments of the full sample and of random groups of respondents,
    from which bootstrap replicates are drawn.

    Feed complete rows with ``add`` (columns: predictors, then G); the noise
    column used for claims is drawn here, one value per respondent. Every
    respondent falls into one of GROUPS random groups whose n, Σx and Σxxᵀ are
    kept (additive: blocks, agencies and months could be summed). A replicate
    resamples the groups with replacement (multinomial counts), so its moments
    are one matrix product away, and a respondent costs O(p²) whatever the
    number of replicates. With no more respondents than groups this is the
    ordinary bootstrap over respondents (with a Poisson-like sample size); with
    more, a bootstrap over iid groups of respondents, which has the same target.
    Memory: ``GROUPS × (p + 2)²`` floats, independent of the number of rows.
    """

    def __init__(self, predictors: int, *, replicates: int = REPLICATES, seed: int):
        self.p = predictors
        self.replicates = replicates
        self.rng = np.random.default_rng(seed)
        self.size = predictors + 2  # predictors, noise, G
        self.n = 0
        self.group_n = np.zeros(GROUPS)
        self.group_sums = np.zeros((GROUPS, self.size))
        self.group_cross = np.zeros((GROUPS, self.size * self.size))

    @property
    def sums(self) -> np.ndarray:
        return self.group_sums.sum(axis=0)

    @property
    def cross(self) -> np.ndarray:
        return self.group_cross.sum(axis=0).reshape(self.size, self.size)

    def add(self, rows: np.ndarray) -> None:
        """Add a block of complete rows (shape m × (p + 1): predictors, then G)."""
        from scipy import sparse

        rows = np.asarray(rows, dtype=float)
        if rows.size == 0:
            return
        m = rows.shape[0]
        noise = self.rng.standard_normal((m, 1))
        x = np.hstack([rows[:, :-1], noise, rows[:, -1:]])
        outer = (x[:, :, None] * x[:, None, :]).reshape(m, -1)
        groups = self.rng.integers(GROUPS, size=m)
        member = sparse.csr_matrix(
            (np.ones(m), (groups, np.arange(m))), shape=(GROUPS, m)
        )
        self.n += m
        self.group_n += np.bincount(groups, minlength=GROUPS)
        self.group_sums += member @ x
        self.group_cross += member @ outer

    def replicates_moments(self):
        """(n, Σx, Σxxᵀ) of each bootstrap replicate, drawn from the groups."""
        counts = self.rng.multinomial(
            GROUPS, np.full(GROUPS, 1 / GROUPS), size=self.replicates
        ).astype(float)
        return (
            counts @ self.group_n,
            counts @ self.group_sums,
            counts @ self.group_cross,
        )


@dataclass(frozen=True)
class Importance:
    """One predictor's importance: raw weight, share of R² (%) and intervals."""

    index: int
    weight: float
    share: float
    share_low: float
    share_high: float
    p_value: float
    claimed: bool


@dataclass(frozen=True)
class DriverFit:
    n: int
    r2: float
    r2_low: float
    r2_high: float
    importances: list[Importance]


def _fit(n: float, sums: np.ndarray, cross: np.ndarray, keep: list[int]):
    corr = correlation(n, sums, cross)
    if corr is None:
        return None
    return relative_weights(corr[np.ix_(keep, keep)])


def benjamini_hochberg(p_values: list[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (same order as given).

    >>> [round(p, 3) for p in benjamini_hochberg([0.01, 0.04, 0.03, 0.2])]
    [0.04, 0.053, 0.053, 0.2]
    """
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, p_values[i] * m / rank)
        adjusted[i] = min(running, 1.0)
    return adjusted


def _normal_upper_tail(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2))


def fit(moments: BootstrapMoments, *, confidence: float = 0.95) -> DriverFit | None:
    """Relative weights with bootstrap intervals and claims; None if not estimable
    (a predictor or G without variance, or collinear predictors)."""
    p, size = moments.p, moments.p + 2
    plain = list(range(p)) + [p + 1]  # predictors and G, without the noise
    with_noise = list(range(p + 2))
    point = _fit(moments.n, moments.sums, moments.cross, plain)
    point_noise = _fit(moments.n, moments.sums, moments.cross, with_noise)
    if point is None or point_noise is None:
        return None
    shares, r2s, differences = [], [], []
    boot_n, boot_sums, boot_cross = moments.replicates_moments()
    for b in range(moments.replicates):
        cross = boot_cross[b].reshape(size, size)
        weights = _fit(boot_n[b], boot_sums[b], cross, plain)
        noisy = _fit(boot_n[b], boot_sums[b], cross, with_noise)
        if weights is None or noisy is None or weights.sum() <= 0:
            continue  # a degenerate replicate (tiny samples only)
        r2s.append(weights.sum())
        shares.append(100 * weights / weights.sum())
        differences.append(noisy[:p] - noisy[p])
    if len(r2s) < moments.replicates // 2:
        return None
    shares_b, diff_b = np.array(shares), np.array(differences)
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(shares_b, [tail, 100 - tail], axis=0)
    r2_low, r2_high = np.percentile(r2s, [tail, 100 - tail])
    observed = point_noise[:p] - point_noise[p]
    spread = diff_b.std(axis=0, ddof=1)
    p_values = [
        _normal_upper_tail(observed[j] / spread[j]) if spread[j] > 0 else 1.0
        for j in range(p)
    ]
    adjusted = benjamini_hochberg(p_values)
    r2 = float(point.sum())
    return DriverFit(
        n=moments.n,
        r2=r2,
        r2_low=float(r2_low),
        r2_high=float(r2_high),
        importances=[
            Importance(
                index=j,
                weight=float(point[j]),
                share=float(100 * point[j] / r2) if r2 > 0 else 0.0,
                share_low=float(low[j]),
                share_high=float(high[j]),
                p_value=float(adjusted[j]),
                claimed=adjusted[j] < FDR,
            )
            for j in range(p)
        ],
    )


def quadrant(
    importance: float,
    performance: float,
    mean_importance: float,
    mean_performance: float,
) -> str:
    """Quadrant of the importance–performance matrix.

    >>> quadrant(30, 70, 20, 80)
    'priority'
    >>> quadrant(10, 90, 20, 80)
    'surplus'
    """
    important = importance >= mean_importance
    good = performance >= mean_performance
    if important:
        return "maintain" if good else "priority"
    return "surplus" if good else "secondary"
