"""SIPAS index maths: numbers in, numbers out (no Django, no database).

The formulas are docs/method.md (methodology sipas-1001); the rows are published
as docs/formats.md describes ("Index results"):

* item index      = 100 · satisfied / answered  (satisfied = option 4 or 5)
* element index   = mean of the item indices of the element's items that have answers
* aspect index    = mean of the element indices of the aspect's elements with a value
* SIPAS           = mean of the aspect indices (household form: A_CS and A_DV)
* overall (G)     = item index of G, reported on its own
* share  (N4:1)   = 100 · answers choosing option 1 / answers to N4
* expectation (M) = 100 · answers "Rất nhiều" (1) or "Nhiều" (2) / answers to M

``n`` of an item is its number of non-blank answers; ``n`` of a composite is the
number of responses with at least one answer inside it, which the caller counts
(it cannot be derived from item counts) and passes in.

Intervals and standard errors (methodology version 2). Item-like rows (item,
overall, share, expectation) keep the Wilson 95 % score interval (z = 1.96) and
publish the binomial standard error beside it. Composites (element, aspect,
SIPAS) get a delta-method standard error from additive pair counts (see
reports.statistics: a composite is a fixed linear combination of item
proportions, and the four counts per item pair — both answered, first
satisfied and second answered, first answered and second satisfied, both
satisfied — give its variance exactly as a sandwich estimator would from the
respondents), multiplied by the design effect of a cluster sample when the
caller passes per-cluster sums (household form: communes), and the interval
value ± 1.96·se.

Version 1 (until 2026-11) published for composites the perfect-correlation
bound (the mean of the parts' Agresti–Coull standard errors): never too
narrow, but 1.6–2.7 times wider than the respondent bootstrap. Its rows stay in
the database under ``method_version`` 1; the values of both versions are the
same formulas.

Incomplete composites. An element without any answer has no value and is left
out of its aspect's mean (docs/method.md); the aspect and SIPAS then carry the
missing elements in ``incomplete`` (e.g. ``("E5",)``), so that they are shown
as such and ranked apart. ``flag`` keeps its meaning (small sample).

A methodology is a named, versioned :class:`Methodology`; a corrected formula is
a new entry in :data:`METHODOLOGIES`, never an edit of an existing one.
"""

from reports.indices.maths import (
    SMALL_SAMPLE,
    SMALL_SAMPLE_N,
    Z95,
    adjusted_se,
    flag_for,
    item_index,
    mean,
    normal_interval,
    percent,
    rounded,
    wilson,
)
from reports.indices.methodology import (
    DEFAULT_METHODOLOGY,
    METHOD_VERSIONS,
    METHODOLOGIES,
    SIPAS_1001,
    Methodology,
    get_methodology,
)
from reports.indices.rows import (
    Catalogue,
    Counts,
    Row,
    compute_rows,
)

__all__ = [
    "Catalogue",
    "Counts",
    "DEFAULT_METHODOLOGY",
    "METHODOLOGIES",
    "METHOD_VERSIONS",
    "Methodology",
    "Row",
    "SIPAS_1001",
    "SMALL_SAMPLE",
    "SMALL_SAMPLE_N",
    "Z95",
    "adjusted_se",
    "compute_rows",
    "flag_for",
    "get_methodology",
    "item_index",
    "mean",
    "normal_interval",
    "percent",
    "rounded",
    "wilson",
]
