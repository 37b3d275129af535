"""The reports/statistics/ package and the composite intervals of reports/indices/:
exact algebra against respondent-level computations, and seeded simulations of the
issue's acceptance figures (coverage, width against a respondent bootstrap,
power and false discovery proportion of the change test).

The simulated respondents answer the 19 service items of exit-dv: satisfaction
is a latent normal with a respondent factor (all items) and an element factor
(items of one element), so answers of one person are positively correlated
(tetrachoric 0.26 across elements, 0.36 within); 5 % of answers are blank at
random and element E5 (complaints) is skipped more often by dissatisfied
respondents, so blanks are not ignorable for a naive pairwise method. True
item values are computed by Gauss–Hermite quadrature.
"""

import doctest
import math

import numpy as np
import pytest
from scipy import stats as sps

from reports import statistics
from reports.indices import SIPAS_1001, Catalogue, Counts, compute_rows
from reports.statistics import composites, differences, rankings, version1

ELEMENT_SIZES = {"E1": 4, "E2": 4, "E3": 5, "E4": 3, "E5": 3}
ITEMS = [f"{e}.{k}" for e, size in ELEMENT_SIZES.items() for k in range(1, size + 1)]
ELEMENT_OF = {code: code.split(".")[0] for code in ITEMS}
ALPHA = np.linspace(0.55, 1.45, len(ITEMS))  # item thresholds: 71–93 % satisfied
PERSON, ELEMENT = 0.65, 0.45  # loadings of the respondent and element factors
BLANK = 0.05
NODES, NODE_WEIGHTS = np.polynomial.hermite_e.hermegauss(60)
NODE_WEIGHTS = NODE_WEIGHTS / NODE_WEIGHTS.sum()
CATALOGUE = Catalogue(ELEMENT_OF, False, {})


def skip_e5(u):
    """Probability of leaving the whole element E5 blank: higher when unhappy."""
    return sps.norm.cdf(-0.9 - 0.6 * u)


def true_items(alpha, cluster_sd=0.0):
    """P(satisfied | answered) of each item, by quadrature over the person factor."""
    scale = math.sqrt(1 + ELEMENT**2 + cluster_sd**2)
    given_u = sps.norm.cdf((alpha[:, None] + PERSON * NODES[None, :]) / scale)
    answered = np.ones((len(ITEMS), len(NODES)))
    if cluster_sd == 0.0:
        answered[[ELEMENT_OF[c] == "E5" for c in ITEMS]] = 1 - skip_e5(NODES)
    return (given_u * answered) @ NODE_WEIGHTS / (answered @ NODE_WEIGHTS)


def true_composites(alpha, cluster_sd=0.0):
    p = 100 * true_items(alpha, cluster_sd)
    elements = {e: p[[ELEMENT_OF[c] == e for c in ITEMS]].mean() for e in ELEMENT_SIZES}
    return {**elements, "A_DV": float(np.mean(list(elements.values())))}


def respondents(rng, n, alpha, clusters=0, cluster_sd=0.0):
    """(answered, satisfied) boolean matrices of n respondents × 19 items."""
    u = rng.standard_normal(n)
    if clusters:
        u = (
            u
            + cluster_sd
            / PERSON
            * rng.standard_normal(clusters)[np.arange(n) % clusters]
        )
    columns = [list(ELEMENT_SIZES).index(ELEMENT_OF[c]) for c in ITEMS]
    v = rng.standard_normal((n, len(ELEMENT_SIZES)))[:, columns]
    latent = alpha + PERSON * u[:, None] + ELEMENT * v + rng.standard_normal((n, 19))
    answered = rng.random((n, 19)) >= BLANK
    if not clusters:
        skipped = rng.random(n) < skip_e5(u)
        answered[np.ix_(skipped, [ELEMENT_OF[c] == "E5" for c in ITEMS])] = False
    return answered, answered & (latent > 0)


def counts_of(answered, satisfied, cluster_of=None):
    """What the engine keeps for a group: option counts, masks, pair counts (and
    per-cluster sums), computed from the respondents like the SQL does."""
    counts = Counts()
    # integer products: exact, and no BLAS threads fighting over shared CPUs
    a, s = answered.astype(np.int32), satisfied.astype(np.int32)
    for i, code in enumerate(ITEMS):
        counts.add_value(code, 5, int(s[:, i].sum()))
        counts.add_value(code, 1, int(a[:, i].sum() - s[:, i].sum()))
    both, sat_ans, sat_sat = (m.tolist() for m in (a.T @ a, s.T @ a, s.T @ s))
    for i in range(19):
        for j in range(i + 1, 19):
            first, second = ITEMS[i], ITEMS[j]
            assert statistics.pair_key(first, second) == (first, second)
            counts.add_pair(
                first,
                second,
                [both[i][j], sat_ans[i][j], sat_ans[j][i], sat_sat[i][j]],
            )
    bits = np.array([SIPAS_1001.element_bit(ELEMENT_OF[c]) for c in ITEMS])
    masks = np.bitwise_or.reduce(np.where(answered, bits, 0), axis=1)
    for mask, count in zip(*np.unique(masks, return_counts=True), strict=True):
        counts.add_mask(int(mask), int(count))
    if cluster_of is not None:
        for cluster in np.unique(cluster_of):
            rows = cluster_of == cluster
            for i, code in enumerate(ITEMS):
                counts.add_cluster(
                    int(cluster), code, int(s[rows, i].sum()), int(a[rows, i].sum())
                )
    return counts


def composite_rows(counts):
    return {r.indicator: r for r in compute_rows(SIPAS_1001, CATALOGUE, counts)}


def composite_of(p):
    """A_DV of item proportions p (… × 19), all items answered."""
    parts = [
        p[..., [ELEMENT_OF[c] == e for c in ITEMS]].mean(axis=-1) for e in ELEMENT_SIZES
    ]
    return 100 * np.mean(parts, axis=0)


# --- algebra -----------------------------------------------------------------------


@pytest.mark.parametrize("module", [composites, differences, rankings, version1])
def test_the_doctest_examples_hold(module):
    # a package re-exports its names: testmod(statistics) would find no examples
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_pair_counts_give_exactly_the_respondent_level_delta_method_variance():
    rng = np.random.default_rng(5)
    answered, satisfied = respondents(rng, 300, ALPHA)
    counts = counts_of(answered, satisfied)
    rows = composite_rows(counts)
    # respondent by respondent: Var = n/(n-1) Σ_r (Σ_i w_i e_ri / A_i)²
    a, s = answered.astype(float), satisfied.astype(float)
    p = s.sum(0) / a.sum(0)
    weights = np.array([1 / 5 / ELEMENT_SIZES[ELEMENT_OF[c]] for c in ITEMS])
    scores = ((s - p * a) * weights / a.sum(0)).sum(1)
    n = rows["A_DV"].n
    direct = 100 * math.sqrt(n / (n - 1) * (scores**2).sum())
    assert rows["A_DV"].se == pytest.approx(direct, rel=1e-9)


def test_composite_of_composites_weights_items_through_every_level():
    counts = Counts()
    for code, (sat, unsat) in {"E1.1": (8, 2), "E1.2": (6, 4), "E2.1": (5, 5)}.items():
        counts.add_value(code, 5, sat)
        counts.add_value(code, 1, unsat)
    counts.add_mask(SIPAS_1001.element_bit("E1") | SIPAS_1001.element_bit("E2"), 10)
    # pair counts all zero (no one answered two items together), so the
    # variance is Σ w² p(1-p)/A · n/(n-1) with w = 1/4, 1/4, 1/2
    counts.pairs = {}
    catalogue = Catalogue({"E1.1": "E1", "E1.2": "E1", "E2.1": "E2"}, False, {})
    rows = {r.indicator: r for r in compute_rows(SIPAS_1001, catalogue, counts)}
    expected = (0.25**2 * (0.16 + 0.24) / 10 + 0.5**2 * 0.25 / 10) * 10 / 9
    assert rows["A_DV"].se == pytest.approx(100 * math.sqrt(expected))
    assert rows["A_DV"].value == pytest.approx((70 + 50) / 2)


def test_cluster_variance_is_the_ultimate_cluster_estimator():
    weights = {"a": 0.5, "b": 0.5}
    totals = {"a": (9, 20), "b": (12, 20)}
    clusters = [{"a": (6, 10), "b": (7, 10)}, {"a": (3, 10), "b": (5, 10)}]
    z = [
        0.5 * (6 - 0.45 * 10) / 20 + 0.5 * (7 - 0.6 * 10) / 20,
        0.5 * (3 - 0.45 * 10) / 20 + 0.5 * (5 - 0.6 * 10) / 20,
    ]
    expected = 2 * (z[0] ** 2 + z[1] ** 2)
    assert statistics.cluster_variance(weights, totals, clusters) == pytest.approx(
        expected
    )
    assert statistics.cluster_variance(weights, totals, clusters[:1]) is None


def test_benjamini_hochberg_matches_the_step_up_rule():
    p = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216]
    q = statistics.bh_qvalues(p)
    assert q[0] == pytest.approx(0.01)
    assert q[1] == pytest.approx(0.04)
    assert q[2:5] == pytest.approx([0.084] * 3)
    assert [x < 0.05 for x in q] == [True, True] + [False] * 8
    assert q == sorted(q)


def test_rank_intervals_are_reproducible_and_widen_with_uncertainty():
    values, ses = [85.0, 84.0, 80.0, 70.0], [0.5, 0.5, 0.5, 0.5]
    tight = statistics.rank_intervals(values, ses)
    assert tight == statistics.rank_intervals(values, ses)
    assert tight[3] == (4, 4) and tight[0][0] == 1
    loose = statistics.rank_intervals(values, [5.0] * 4)
    assert loose[0] == (1, 3) or loose[0][1] > tight[0][1]
    assert loose[3][0] < 4


def test_funnel_limits_narrow_with_n_and_the_998_limit_is_wider():
    narrow = statistics.funnel_limits(80.0, 40.0, 1600)
    wide = statistics.funnel_limits(80.0, 40.0, 100)
    outer = statistics.funnel_limits(80.0, 40.0, 100, statistics.Z998)
    assert wide[0] < narrow[0] < 80 < narrow[1] < wide[1]
    assert outer[0] < wide[0] and outer[1] > wide[1]


# --- simulations (the "Done when") ------------------------------------------


def test_composite_intervals_cover_93_to_97_percent_and_are_tight():
    """1,000 replicates of 2,000 respondents; widths against a 200-resample
    respondent bootstrap on the first 100 replicates."""
    rng = np.random.default_rng(20261129)
    truth = true_composites(ALPHA)
    covered = {"E3": 0, "E5": 0, "A_DV": 0}
    widths, boot_widths = [], []
    replicates = 1000
    for replicate in range(replicates):
        answered, satisfied = respondents(rng, 2000, ALPHA)
        rows = composite_rows(counts_of(answered, satisfied))
        for code in covered:
            low, high = rows[code].ci95
            covered[code] += low <= truth[code] <= high
        if replicate < 100:
            weights = rng.multinomial(2000, np.full(2000, 1 / 2000), size=200)
            weights = weights.astype(np.int32)
            p = (weights @ satisfied.astype(np.int32)) / (
                weights @ answered.astype(np.int32)
            )
            boot = composite_of(p)
            boot_widths.append(np.quantile(boot, 0.975) - np.quantile(boot, 0.025))
            widths.append(rows["A_DV"].ci95[1] - rows["A_DV"].ci95[0])
    coverage = {code: hits / replicates for code, hits in covered.items()}
    ratio = float(np.mean(widths) / np.mean(boot_widths))
    print(f"coverage {coverage}, width / bootstrap width {ratio:.3f}")
    for code, share in coverage.items():
        assert 0.93 <= share <= 0.97, (code, share)
    assert ratio <= 1.15
    assert ratio >= 0.85  # and not too narrow either


def test_the_design_effect_restores_coverage_of_a_cluster_sample():
    """Household form: 30 communes × 60 households with a commune effect; the
    plain (simple random sample) interval under-covers, the clustered one not."""
    rng = np.random.default_rng(1001)
    cluster_sd = 0.25
    truth = true_composites(ALPHA, cluster_sd)["A_DV"]
    plain = clustered = 0
    replicates = 400
    deffs = []
    for _ in range(replicates):
        answered, satisfied = respondents(rng, 1800, ALPHA, 30, cluster_sd)
        communes = np.arange(1800) % 30
        srs = composite_rows(counts_of(answered, satisfied))["A_DV"]
        cl = composite_rows(counts_of(answered, satisfied, communes))["A_DV"]
        plain += srs.ci95[0] <= truth <= srs.ci95[1]
        clustered += cl.ci95[0] <= truth <= cl.ci95[1]
        deffs.append((cl.se / srs.se) ** 2)
    print(
        f"cluster sample: coverage plain {plain / replicates:.3f}, "
        f"with design effect {clustered / replicates:.3f}, "
        f"mean deff {np.mean(deffs):.2f}"
    )
    assert plain / replicates < 0.90
    assert 0.93 <= clustered / replicates <= 0.97


def test_the_design_effect_restores_coverage_of_a_cluster_samples_items():
    """The same household sample, item by item: the Wilson interval on the
    answers under-covers, the design-based one (Wilson on the effective sample
    size) covers 93–97 % of the time over the 19 items."""
    rng = np.random.default_rng(1002)
    cluster_sd = 0.25
    truth = 100 * true_items(ALPHA, cluster_sd)
    plain = design = tests = 0
    replicates = 200
    for _ in range(replicates):
        answered, satisfied = respondents(rng, 1800, ALPHA, 30, cluster_sd)
        rows = composite_rows(counts_of(answered, satisfied, np.arange(1800) % 30))
        for code, true in zip(ITEMS, truth, strict=True):
            row = rows[code]
            low, high = statistics.design_interval(row.value, row.n, row.se)
            plain += row.ci95[0] <= true <= row.ci95[1]
            design += low <= true <= high
            tests += 1
    print(f"items: coverage Wilson {plain / tests:.3f}, design {design / tests:.3f}")
    assert plain / tests < 0.90
    assert 0.93 <= design / tests <= 0.97


def test_a_clustered_items_change_test_uses_its_effective_sample():
    plain = statistics.change("item", 87.0, 400, None, 80.0, 400, None)
    clustered = statistics.change("item", 87.0, 400, 3.6, 80.0, 400, 4.0)
    assert plain.p < 0.05 < clustered.p
    assert clustered.high - clustered.low > plain.high - plain.low


def _shift_for(alpha, points):
    """The shift of every item threshold that raises the true A_DV by `points`."""
    base = true_composites(alpha)["A_DV"]
    low, high = 0.0, 2.0
    for _ in range(25):
        middle = (low + high) / 2
        if true_composites(alpha + middle)["A_DV"] - base < points:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def test_change_test_finds_80_percent_of_5_point_changes_with_fdp_under_10_percent():
    """12 families (one dashboard page each) of 60 agencies, 400 respondents per
    period; 18 agencies of each family truly change by 5 points, the others not.
    Benjamini–Hochberg within each family, significant when q < 0.05."""
    rng = np.random.default_rng(4000)
    found = true_changes = 0
    fdps = []
    for _family in range(12):
        offsets = rng.uniform(-0.3, 0.3, 60)
        changed = np.zeros(60, dtype=bool)
        changed[rng.choice(60, 18, replace=False)] = True
        p_values = []
        for offset, change in zip(offsets, changed, strict=True):
            alpha = ALPHA + offset
            later = alpha + (_shift_for(alpha, 5.0) if change else 0.0)
            before = composite_rows(counts_of(*respondents(rng, 400, alpha)))["A_DV"]
            after = composite_rows(counts_of(*respondents(rng, 400, later)))["A_DV"]
            d = statistics.difference(after.value, after.se, before.value, before.se)
            p_values.append(d.p)
        q = np.array(statistics.bh_qvalues(p_values))
        discovered = q < statistics.ALPHA
        found += int((discovered & changed).sum())
        true_changes += int(changed.sum())
        fdps.append((discovered & ~changed).sum() / max(1, discovered.sum()))
    power, fdp = found / true_changes, float(np.mean(fdps))
    print(f"power at 5 points, n = 400: {power:.3f}; mean FDP {fdp:.3f}")
    assert power >= 0.80
    assert fdp <= 0.10


# --- the version-1 rule and Slovin (reports/statistics/version1.py) ---------------


def test_significance_uses_non_overlapping_intervals_or_a_two_proportion_test():
    from reports.statistics import Estimate, significant_change

    assert significant_change(Estimate(90, 400, 87, 93), Estimate(80, 400, 76, 84))
    assert not significant_change(Estimate(84, 400, 80, 88), Estimate(82, 400, 78, 86))
    assert significant_change(Estimate(95, 1000), Estimate(90, 1000))
    assert not significant_change(Estimate(95, 20), Estimate(50, 20))  # too few


def test_a_missing_value_is_never_a_significant_change():
    from reports.statistics import Estimate, significant_change

    assert not significant_change(Estimate(None, 400), Estimate(80, 400))


def test_equal_shares_have_no_difference():
    from reports.statistics import two_proportion_z

    assert two_proportion_z(0.8, 400, 0.8, 900) == 0.0
    assert two_proportion_z(1.0, 50, 1.0, 50) == 0.0  # no variance


def test_slovin_grows_towards_four_hundred_at_five_percent():
    from reports.statistics import slovin

    assert slovin(100) == 80
    assert slovin(1_000_000) == 400
    assert slovin(10_000, margin=0.1) == 100
