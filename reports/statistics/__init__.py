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
(t_{c−1}/1.96)² is folded into it (:func:`few_clusters_factor`). An item-like
row (item, share, expectation) is the composite of one indicator: its se gets
the same two factors (methodology version 3). Its published ci95 stays the
Wilson interval on the answers; the design-based interval is the Wilson
interval on the effective sample size n / (deff · factor) (:func:`effective_n`),
which the change tests of such rows use too.

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

from reports.statistics.composites import (
    ALPHA,
    Z95,
    Z998,
    Pair,
    cluster_variance,
    composite_variance,
    design_effect,
    few_clusters_factor,
    mean_weights,
    normal_interval,
    pair_key,
    percent_se,
    proportion_se,
)
from reports.statistics.differences import (
    ITEM_LIKE,
    MIN_N,
    Difference,
    against_group,
    bh_qvalues,
    change,
    design_interval,
    difference,
    effective_n,
    proportion_difference,
    significant_in_family,
)
from reports.statistics.pairtable import PairTable, PairTerms
from reports.statistics.rankings import (
    funnel_limits,
    rank_intervals,
    unit_sd,
    weighted_mean,
)
from reports.statistics.version1 import (
    Estimate,
    significant_change,
    slovin,
    two_proportion_z,
)

__all__ = [
    "ALPHA",
    "Difference",
    "Estimate",
    "ITEM_LIKE",
    "MIN_N",
    "Pair",
    "PairTable",
    "PairTerms",
    "Z95",
    "Z998",
    "against_group",
    "bh_qvalues",
    "change",
    "cluster_variance",
    "composite_variance",
    "design_effect",
    "design_interval",
    "difference",
    "effective_n",
    "few_clusters_factor",
    "funnel_limits",
    "mean_weights",
    "normal_interval",
    "pair_key",
    "percent_se",
    "proportion_difference",
    "proportion_se",
    "rank_intervals",
    "significant_change",
    "significant_in_family",
    "slovin",
    "two_proportion_z",
    "unit_sd",
    "weighted_mean",
]
