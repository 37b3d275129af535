"""The rows of a group of responses: counts in, item and composite index rows
(value, interval, standard error, flag) out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from reports import statistics
from reports.indices.maths import (
    flag_for,
    mean,
    percent,
    wilson,
)
from reports.indices.methodology import Methodology

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
    ``pair_table`` (reports.statistics.PairTable), when given, holds the pair
    counts as arrays instead (what the engine attaches) and is used instead of
    ``pairs``: the same standard errors, without per-pair Python work.
    """

    values: dict[str, dict[int, int]] = field(default_factory=dict)
    masks: dict[int, int] = field(default_factory=dict)
    pairs: dict[tuple[str, str], list[int]] | None = None
    clusters: dict[object, dict[str, list[int]]] | None = None
    pair_table: statistics.PairTable | None = None

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
        if other.pair_table is not None:
            self.pair_table = (
                other.pair_table
                if self.pair_table is None
                else self.pair_table.added(other.pair_table)
            )
        for cluster, items in (other.clusters or {}).items():
            for item, (satisfied, answered) in items.items():
                self.add_cluster(cluster, item, satisfied, answered)

    def same_as(self, other: Counts) -> bool:
        """Whether `other` holds the same sums (so the same rows follow): an
        agency with nothing under it has equal own and subtree groups."""
        if (
            self.masks != other.masks
            or self.values != other.values
            or self.pairs != other.pairs
            or self.clusters != other.clusters
        ):
            return False
        mine, theirs = self.pair_table, other.pair_table
        if mine is None or theirs is None:
            return mine is theirs
        return mine.items == theirs.items and bool((mine.counts == theirs.counts).all())

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


def _item_row(
    kind: str,
    indicator: str,
    hits: int,
    n: int,
    clusters: list[dict[str, tuple[int, int]]] | None = None,
) -> Row:
    """An item-like row: Wilson interval on the answers, binomial se; with
    per-cluster sums {indicator: (hits, answered)} (a cluster sample), the se
    carries the design effect of the indicator (see :func:`_clustered_se`)."""
    value = percent(hits, n)
    se = statistics.proportion_se(hits, n)
    if clusters and se:
        se = _clustered_se(indicator, hits, n, clusters)
    return Row(kind, indicator, value, n, wilson(hits, n), flag_for(n), se)


def _clustered_se(
    indicator: str, hits: int, n: int, clusters: list[dict[str, tuple[int, int]]]
) -> float | None:
    """Binomial se × √(design effect × few-clusters factor) of a percentage of
    a cluster sample: the composites' rule (:func:`_composite_se`) for a
    composite of one item. The published ci95 stays the Wilson interval on
    the answers (docs/formats.md); `ci95_design` is derived from this se."""
    variance = (hits / n) * (1 - hits / n) / n
    clustered = statistics.cluster_variance(
        {indicator: 1.0}, {indicator: (hits, n)}, clusters
    )
    variance *= statistics.design_effect(clustered, variance)
    variance *= statistics.few_clusters_factor(len(clusters))
    return statistics.percent_se(variance)


def _cluster_sums(counts: Counts) -> list[dict[str, tuple[int, int]]] | None:
    """The per-cluster sums of a group as cluster_variance takes them."""
    if not counts.clusters:
        return None
    return [
        {item: tuple(cell) for item, cell in items.items()}
        for items in counts.clusters.values()
    ]


def _composite_se(
    weights: Mapping[str, float],
    totals: Mapping[str, tuple[int, int]],
    counts: Counts,
    n: int,
    terms: statistics.PairTerms | None = None,
) -> float | None:
    """Delta-method se (points) of a composite with these item weights,
    inflated by the cluster design effect when per-cluster sums are given;
    None without pair counts (a group whose pairs are not kept). `terms`: the
    group's pair table's terms for `totals` (:func:`_pair_terms`)."""
    if terms is not None:
        variance = terms.variance(weights, totals, n)
    elif counts.pairs is None:
        return None
    else:
        variance = statistics.composite_variance(weights, totals, counts.pairs, n)
    if variance is not None and counts.clusters:
        clustered = statistics.cluster_variance(weights, totals, _cluster_sums(counts))
        variance *= statistics.design_effect(clustered, variance)
        variance *= statistics.few_clusters_factor(len(counts.clusters))
    return statistics.percent_se(variance)


def _pair_terms(
    counts: Counts, totals: Mapping[str, tuple[int, int]]
) -> statistics.PairTerms | None:
    """What the composites of a group with a pair table share (None without)."""
    return None if counts.pair_table is None else counts.pair_table.terms(totals)


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

    >>> from reports.indices.methodology import SIPAS_1001
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
    clusters = _cluster_sums(counts)
    totals: dict[str, tuple[int, int]] = {}
    for code in catalogue.sat_items:
        options = counts.values.get(code, {})
        n = sum(options.values())
        hits = sum(c for v, c in options.items() if v in satisfied)
        totals[code] = (hits, n)
        rows.append(_item_row("item", code, hits, n, clusters))

    terms = _pair_terms(counts, totals)
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
        se = _composite_se(weights, totals, counts, n, terms) if weights else None
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
        se = _composite_se(weights, totals, counts, n, terms) if weights else None
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
        se = _composite_se(weights, totals, counts, n, terms) if weights else None
        missing = [e for a in method.aspects_for_sipas for e in aspect_missing[a]]
        rows.append(_composite_row("sipas", "SIPAS", value, n, se, missing))

    if catalogue.overall:
        options = counts.values.get(method.overall_item, {})
        hits = sum(c for v, c in options.items() if v in satisfied)
        rows.append(
            _item_row(
                "overall", method.overall_item, hits, sum(options.values()), clusters
            )
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
                    clusters,
                )
            )

    for code, option_values in catalogue.choices.items():
        if code not in method.share_items:
            continue
        options = counts.values.get(code, {})
        n = sum(options.values())
        for option in option_values:
            rows.append(
                _item_row(
                    "share", f"{code}:{option}", options.get(option, 0), n, clusters
                )
            )

    for code in catalogue.choices:
        if not method.is_expectation(code):
            continue
        options = counts.values.get(code, {})
        hits = sum(c for v, c in options.items() if v in method.expectation_values)
        rows.append(
            _item_row("expectation", code, hits, sum(options.values()), clusters)
        )
    return rows
