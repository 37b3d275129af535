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

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from reports import statistics

Z95 = 1.96
SMALL_SAMPLE_N = 30
SMALL_SAMPLE = "small_sample"


@dataclass(frozen=True)
class Methodology:
    """What a named method counts; everything else is the shared formulas above.

    ``elements`` maps each element to its aspect. ``share_items`` are the
    single-choice perception questions published option by option (N3 … N7);
    the household form's other single-choice questions (N1 interest, N8 own
    experience) describe the respondent and are not published as indicators.
    """

    code: str
    satisfied_values: frozenset[int]
    elements: Mapping[str, str]
    overall_item: str
    share_items: frozenset[str]
    expectation_prefix: str
    expectation_values: frozenset[int]
    aspects_for_sipas: tuple[str, ...]
    headline: Mapping[str, str] = field(default_factory=dict)
    # The version of the interval method (see the module docstring and
    # METHOD_VERSIONS); rows are stored with the version they were computed by.
    version: int = 2
    # Questionnaires sampled in clusters (households commune by commune): their
    # composite intervals carry the design effect of the per-agency sums.
    cluster_questionnaires: frozenset[str] = frozenset()

    def element_of(self, item_code: str) -> str | None:
        """The element an item belongs to, from its stable code ("E1.2" → "E1").

        >>> SIPAS_1001.element_of("E1.2"), SIPAS_1001.element_of("G")
        ('E1', None)
        """
        element = item_code.split(".", 1)[0]
        return element if "." in item_code and element in self.elements else None

    def is_expectation(self, item_code: str) -> bool:
        """Whether an item is an expectation question (M1 … M10).

        >>> SIPAS_1001.is_expectation("M10"), SIPAS_1001.is_expectation("N4")
        (True, False)
        """
        rest = item_code[len(self.expectation_prefix) :]
        return item_code.startswith(self.expectation_prefix) and rest.isdigit()

    def element_bit(self, element: str) -> int:
        """The bit of an element in a response's "answered elements" mask.

        >>> SIPAS_1001.element_bit("E1"), SIPAS_1001.element_bit("P1")
        (1, 32)
        """
        return 1 << list(self.elements).index(element)

    def aspect_bits(self, aspect: str) -> int:
        """Mask of all elements of an aspect.

        >>> SIPAS_1001.aspect_bits("A_DV")
        31
        """
        bits = 0
        for element, its_aspect in self.elements.items():
            if its_aspect == aspect:
                bits |= self.element_bit(element)
        return bits


SIPAS_1001 = Methodology(
    code="sipas-1001",
    satisfied_values=frozenset({4, 5}),
    elements={
        "E1": "A_DV",
        "E2": "A_DV",
        "E3": "A_DV",
        "E4": "A_DV",
        "E5": "A_DV",
        "P1": "A_CS",
        "P2": "A_CS",
        "P3": "A_CS",
        "P4": "A_CS",
    },
    overall_item="G",
    share_items=frozenset({"N3", "N4", "N5", "N6", "N7"}),
    expectation_prefix="M",
    expectation_values=frozenset({1, 2}),
    aspects_for_sipas=("A_CS", "A_DV"),
    headline={"exit-dv": "A_DV", "hh-1001": "SIPAS"},
    cluster_questionnaires=frozenset({"hh-1001"}),
)

METHODOLOGIES: dict[str, Methodology] = {SIPAS_1001.code: SIPAS_1001}
# What changed between versions of the interval method (the method page lists
# them; values are the same formulas in every version).
METHOD_VERSIONS: dict[int, str] = {
    1: "composites: mean of the parts' Agresti-Coull standard errors",
    2: "composites: delta method from pair counts, cluster design effect for "
    "hh-1001; se and incomplete published",
}
DEFAULT_METHODOLOGY = SIPAS_1001.code


def get_methodology(code: str) -> Methodology:
    """The registered methodology; KeyError names the unknown code."""
    try:
        return METHODOLOGIES[code]
    except KeyError:
        raise KeyError(f"unknown methodology {code!r}") from None


# --- single numbers --------------------------------------------------------------


def percent(hits: int, answered: int) -> float | None:
    """Share of answers that are hits, in percent; None without answers.

    >>> percent(83, 100)
    83.0
    >>> percent(0, 0) is None
    True
    """
    return 100 * hits / answered if answered else None


def item_index(satisfied: int, answered: int) -> float | None:
    """Share of answers that are 4 (Hài lòng) or 5 (Rất hài lòng), in percent.

    >>> item_index(satisfied=83, answered=100)
    83.0
    """
    return percent(satisfied, answered)


def wilson(hits: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval for a proportion, in percent; None when n = 0.

    >>> [round(bound, 2) for bound in wilson(77, 83)]
    [85.11, 96.65]
    >>> wilson(0, 10)[0]
    0.0
    """
    if n <= 0:
        return None
    p = hits / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return (max(0.0, 100 * (centre - half)), min(100.0, 100 * (centre + half)))


def adjusted_se(hits: int, n: int) -> float | None:
    """Agresti–Coull standard error of a percentage; None when n = 0.

    >>> round(adjusted_se(50, 100), 3)
    4.903
    """
    if n <= 0:
        return None
    p = (hits + 2) / (n + 4)
    return 100 * math.sqrt(p * (1 - p) / (n + 4))


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the values that exist; None when none does.

    >>> mean([80.0, None, 90.0])
    85.0
    >>> mean([None]) is None
    True
    """
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def flag_for(n: int) -> str | None:
    """ "small_sample" below n = 30 (such rows are shown but not ranked).

    >>> flag_for(29), flag_for(30)
    ('small_sample', None)
    """
    return SMALL_SAMPLE if n < SMALL_SAMPLE_N else None


def normal_interval(
    value: float | None, se: float | None
) -> tuple[float, float] | None:
    """value ± 1.96·se, clipped to [0, 100].

    >>> normal_interval(90.0, 10.0)
    (70.4, 100.0)
    """
    if value is None or se is None:
        return None
    return (max(0.0, value - Z95 * se), min(100.0, value + Z95 * se))


# --- a group of responses --------------------------------------------------------


@dataclass
class Row:
    """One published indicator: the result object of docs/formats.md minus agency
    and scope."""

    kind: str
    indicator: str
    value: float | None
    n: int
    ci95: tuple[float, float] | None
    flag: str | None
    se: float | None = None
    incomplete: tuple[str, ...] = ()


@dataclass
class Counts:
    """Aggregated answers of a group of responses (one agency/scope/period).

    ``values[item][option]`` counts answers; ``masks[mask]`` counts responses by
    the set of elements they answered (bit per element, see
    :meth:`Methodology.element_bit`; mask 0 = a response with no satisfaction
    answer). Both add up over days and agencies, which is what makes composite
    n exact from aggregates. ``pairs[(i, j)]`` (i < j) are the four pair counts
    of reports.statistics (both answered, i satisfied and j answered, i answered
    and j satisfied, both satisfied), added up the same way. ``clusters`` (cluster
    → item → [satisfied, answered]), when given, are the per-commune sums of a
    cluster sample. Without pairs (None) composites get no standard error.
    """

    values: dict[str, dict[int, int]] = field(default_factory=dict)
    masks: dict[int, int] = field(default_factory=dict)
    pairs: dict[tuple[str, str], list[int]] | None = None
    clusters: dict[object, dict[str, list[int]]] | None = None

    def add_value(self, item: str, option: int, count: int) -> None:
        options = self.values.setdefault(item, {})
        options[option] = options.get(option, 0) + count

    def add_mask(self, mask: int, count: int) -> None:
        self.masks[mask] = self.masks.get(mask, 0) + count

    def add_pair(self, first: str, second: str, counts: Sequence[int]) -> None:
        """Add the four pair counts of items `first` < `second`."""
        if self.pairs is None:
            self.pairs = {}
        cell = self.pairs.setdefault((first, second), [0, 0, 0, 0])
        for position, count in enumerate(counts):
            cell[position] += count

    def add_cluster(self, cluster: object, item: str, satisfied: int, answered: int):
        if self.clusters is None:
            self.clusters = {}
        cell = self.clusters.setdefault(cluster, {}).setdefault(item, [0, 0])
        cell[0] += satisfied
        cell[1] += answered

    def merge(self, other: Counts) -> None:
        for item, options in other.values.items():
            for option, count in options.items():
                self.add_value(item, option, count)
        for mask, count in other.masks.items():
            self.add_mask(mask, count)
        for (first, second), counts in (other.pairs or {}).items():
            self.add_pair(first, second, counts)
        for cluster, items in (other.clusters or {}).items():
            for item, (satisfied, answered) in items.items():
                self.add_cluster(cluster, item, satisfied, answered)

    @property
    def responses(self) -> int:
        return sum(self.masks.values())

    def responses_in(self, bits: int) -> int:
        """Responses with at least one answer in the elements of `bits`."""
        return sum(c for mask, c in self.masks.items() if mask & bits)


@dataclass(frozen=True)
class Catalogue:
    """The items of a questionnaire the indicators are computed for.

    ``sat_items`` maps each satisfaction item (in an element) to its element,
    ``overall`` says whether G is asked, ``choices`` maps each single-choice item
    to its option numbers.
    """

    sat_items: Mapping[str, str]
    overall: bool
    choices: Mapping[str, Sequence[int]]


def _item_row(kind: str, indicator: str, hits: int, n: int) -> Row:
    value = percent(hits, n)
    se = statistics.proportion_se(hits, n)
    return Row(kind, indicator, value, n, wilson(hits, n), flag_for(n), se)


def _composite_se(
    weights: Mapping[str, float],
    totals: Mapping[str, tuple[int, int]],
    counts: Counts,
    n: int,
) -> float | None:
    """Delta-method se (points) of a composite with these item weights,
    inflated by the cluster design effect when per-cluster sums are given;
    None without pair counts (a group whose pairs are not kept)."""
    if counts.pairs is None:
        return None
    variance = statistics.composite_variance(weights, totals, counts.pairs, n)
    if variance is not None and counts.clusters:
        clustered = statistics.cluster_variance(
            weights,
            totals,
            [
                {item: tuple(cell) for item, cell in items.items()}
                for items in counts.clusters.values()
            ],
        )
        variance *= statistics.design_effect(clustered, variance)
        variance *= statistics.few_clusters_factor(len(counts.clusters))
    return statistics.percent_se(variance)


def _composite_row(
    kind: str,
    indicator: str,
    value: float | None,
    n: int,
    se: float | None,
    incomplete: Iterable[str] = (),
) -> Row:
    return Row(
        kind,
        indicator,
        value,
        n,
        statistics.normal_interval(value, se),
        flag_for(n),
        se,
        tuple(incomplete) if value is not None else (),
    )


def compute_rows(
    method: Methodology, catalogue: Catalogue, counts: Counts
) -> list[Row]:
    """Every indicator of one questionnaire for one group of responses.

    Rows come in a fixed order: items, elements, aspects, SIPAS (when the
    questionnaire has both aspects), overall, shares, expectations. An indicator
    with n = 0 is returned with value None (callers decide whether to publish a
    group that has no response at all).

    >>> cat = Catalogue({"E1.1": "E1", "E1.2": "E1"}, overall=True, choices={})
    >>> c = Counts()
    >>> c.add_value("E1.1", 5, 3); c.add_value("E1.1", 3, 1); c.add_value("G", 4, 2)
    >>> c.add_mask(SIPAS_1001.element_bit("E1"), 4)
    >>> for r in compute_rows(SIPAS_1001, cat, c):
    ...     print(r.kind, r.indicator, r.value, r.n)
    item E1.1 75.0 4
    item E1.2 None 0
    element E1 75.0 4
    aspect A_DV 75.0 4
    overall G 100.0 2
    share G:1 0.0 2
    share G:2 0.0 2
    share G:3 0.0 2
    share G:4 100.0 2
    share G:5 0.0 2
    """
    rows: list[Row] = []
    satisfied = method.satisfied_values
    totals: dict[str, tuple[int, int]] = {}
    for code in catalogue.sat_items:
        options = counts.values.get(code, {})
        n = sum(options.values())
        hits = sum(c for v, c in options.items() if v in satisfied)
        totals[code] = (hits, n)
        rows.append(_item_row("item", code, hits, n))

    # Each composite as item weights (reports.statistics.mean_weights): the mean
    # of its answered parts, so the se is that of the published value.
    element_weights: dict[str, dict[str, float]] = {}
    elements = [e for e in method.elements if e in set(catalogue.sat_items.values())]
    for element in elements:
        codes = [c for c, e in catalogue.sat_items.items() if e == element]
        weights = statistics.mean_weights({c: 1.0} for c in codes if totals[c][1])
        element_weights[element] = weights
        value = mean(percent(*totals[c]) for c in codes)
        n = counts.responses_in(method.element_bit(element))
        se = _composite_se(weights, totals, counts, n) if weights else None
        rows.append(_composite_row("element", element, value, n, se))

    aspect_weights: dict[str, dict[str, float]] = {}
    aspect_missing: dict[str, list[str]] = {}
    aspects = list(dict.fromkeys(method.elements[e] for e in elements))
    for aspect in aspects:
        parts = [e for e in elements if method.elements[e] == aspect]
        weights = statistics.mean_weights(element_weights[e] for e in parts)
        aspect_weights[aspect] = weights
        aspect_missing[aspect] = [e for e in parts if not element_weights[e]]
        value = mean(
            mean(percent(*totals[c]) for c in element_weights[e]) for e in parts
        )
        n = counts.responses_in(method.aspect_bits(aspect))
        se = _composite_se(weights, totals, counts, n) if weights else None
        rows.append(
            _composite_row("aspect", aspect, value, n, se, aspect_missing[aspect])
        )

    if all(a in aspect_weights for a in method.aspects_for_sipas):
        weights = statistics.mean_weights(
            aspect_weights[a] for a in method.aspects_for_sipas
        )
        value = mean(
            mean(
                mean(percent(*totals[c]) for c in element_weights[e])
                for e in elements
                if method.elements[e] == a
            )
            for a in method.aspects_for_sipas
        )
        bits = 0
        for a in method.aspects_for_sipas:
            bits |= method.aspect_bits(a)
        n = counts.responses_in(bits)
        se = _composite_se(weights, totals, counts, n) if weights else None
        missing = [e for a in method.aspects_for_sipas for e in aspect_missing[a]]
        rows.append(_composite_row("sipas", "SIPAS", value, n, se, missing))

    if catalogue.overall:
        options = counts.values.get(method.overall_item, {})
        hits = sum(c for v, c in options.items() if v in satisfied)
        rows.append(
            _item_row("overall", method.overall_item, hits, sum(options.values()))
        )
        # The distribution of G for the dashboards ("G:1" … "G:5", % of the answers
        # to G). Not part of the published contract (its shares are the household
        # form's single-choice items), so export_indices leaves these rows out.
        for option in range(1, 6):
            rows.append(
                _item_row(
                    "share",
                    f"{method.overall_item}:{option}",
                    options.get(option, 0),
                    sum(options.values()),
                )
            )

    for code, option_values in catalogue.choices.items():
        if code not in method.share_items:
            continue
        options = counts.values.get(code, {})
        n = sum(options.values())
        for option in option_values:
            rows.append(
                _item_row("share", f"{code}:{option}", options.get(option, 0), n)
            )

    for code in catalogue.choices:
        if not method.is_expectation(code):
            continue
        options = counts.values.get(code, {})
        hits = sum(c for v, c in options.items() if v in method.expectation_values)
        rows.append(_item_row("expectation", code, hits, sum(options.values())))
    return rows


def rounded(value: float | None, digits: int = 2) -> float | None:
    """Round for publication (docs/formats.md: percent with 2 decimals).

    >>> rounded(83.125), rounded(None)
    (83.12, None)
    """
    return None if value is None else round(value, digits)
