"""The ranking page: ranked entries with change tests, funnel and rank intervals."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser

from agencies.models import Agency
from dashboard.filters import Filters
from dashboard.queries.common import (
    EMPTY,
    ROW_FIELDS,
    Value,
    _results,
    pool_by_agency,
    resolve_focus,
    subtree_agencies,
)
from reports import statistics
from sipas.periods import (
    previous_period,
    same_period_last_year,
)


@dataclass
class RankEntry:
    agency: Agency
    current: Value
    previous: Value
    rank: int | None = None
    last_year: Value = EMPTY
    # filled by ranking(): the change tests (reports.statistics.change) with
    # their Benjamini–Hochberg significance over the page's family
    test: statistics.Difference | None = None
    significant: bool = False
    q: float | None = None
    year_test: statistics.Difference | None = None
    year_significant: bool = False
    # rank interval (95 %) and position against the funnel's 95 % limits:
    # "above", "below" or "" (not distinguishable from the group mean)
    rank_low: int | None = None
    rank_high: int | None = None
    against_mean: str = ""
    responses_per_transaction: float | None = None

    @property
    def change(self) -> float | None:
        if self.current.value is None or self.previous.value is None:
            return None
        return round(self.current.value - self.previous.value, 2)

    @property
    def year_change(self) -> float | None:
        if self.current.value is None or self.last_year.value is None:
            return None
        return round(self.current.value - self.last_year.value, 2)

    @property
    def missing(self) -> list[str]:
        return self.current.incomplete.split(",") if self.current.incomplete else []


def ranking(user: AbstractBaseUser, filters: Filters, kind: str) -> dict:
    """Agencies of one kind inside the focus, ranked by the headline index.

    Complete scores with n ≥ 30 are ranked (ties share a rank), each with its
    95 % rank interval (reports.statistics.rank_intervals) and its place in the
    funnel (95 % and 99.8 % limits around the group mean): agencies inside the
    95 % limits are "not distinguishable from the mean". Incomplete composites
    (an element without answers) are listed apart, small samples and agencies
    without data after, unranked. Changes against the previous period and the
    same period last year are tested (reports.statistics.change) as one
    Benjamini–Hochberg family. Response rates from the entered transaction
    volumes. Three reads: agencies, index rows, volumes."""
    from dashboard.models import TransactionVolume

    focus = resolve_focus(user, filters)
    headline_kind, headline = filters.headline
    agencies_qs = subtree_agencies(user, focus).filter(
        kind=kind, valid_until__isnull=True
    )
    agencies = list(agencies_qs.only("id", "code", "name", "kind", "path"))
    previous = previous_period(filters.period)
    last_year = same_period_last_year(filters.period)
    rows = pool_by_agency(
        _results(user, filters)
        .filter(
            agency__in=agencies_qs,
            period__in=[filters.period, previous, last_year],
            indicator=headline,
        )
        .values_list(*ROW_FIELDS)
    )
    volumes = dict(
        TransactionVolume.objects.filter(
            agency__in=agencies_qs, period=filters.period
        ).values_list("agency_id", "count")
    )
    entries = [
        RankEntry(
            agency,
            rows.get((agency.pk, filters.period), EMPTY),
            rows.get((agency.pk, previous), EMPTY),
            last_year=rows.get((agency.pk, last_year), EMPTY),
        )
        for agency in agencies
    ]
    for entry in entries:
        volume = volumes.get(entry.agency.pk)
        if volume:
            entry.responses_per_transaction = round(100 * entry.current.n / volume, 1)
    _test_changes(entries, headline_kind)
    rankable = [
        e for e in entries if e.current.value is not None and not e.current.small
    ]
    ranked = sorted(
        (e for e in rankable if not e.current.incomplete),
        key=lambda e: (-e.current.value, e.agency.code),
    )
    for position, entry in enumerate(ranked, start=1):
        same = (
            position > 1 and ranked[position - 2].current.value == entry.current.value
        )
        entry.rank = ranked[position - 2].rank if same else position
    funnel = _funnel(ranked)
    incomplete = sorted(
        (e for e in rankable if e.current.incomplete),
        key=lambda e: (-e.current.value, e.agency.code),
    )
    unranked = sorted(
        (e for e in entries if e.rank is None and e not in incomplete),
        key=lambda e: e.agency.code,
    )
    with_volume = [e for e in ranked if e.agency.pk in volumes]
    return {
        "focus": focus,
        "headline_code": headline,
        "previous_period": previous,
        "last_year_period": last_year,
        "ranked": ranked,
        "incomplete": incomplete,
        "unranked": unranked,
        "funnel": funnel,
        "weighted_mean": statistics.weighted_mean(
            [e.current.value for e in with_volume],
            [volumes[e.agency.pk] for e in with_volume],
        ),
    }


def _test_changes(entries: list[RankEntry], kind: str) -> None:
    """Both change columns of a page are one family (Benjamini–Hochberg)."""
    tests = []
    for entry in entries:
        now = entry.current
        for before in (entry.previous, entry.last_year):
            tests.append(
                statistics.change(
                    kind, now.value, now.n, now.se, before.value, before.n, before.se
                )
            )
    verdicts = statistics.significant_in_family(tests)
    for position, entry in enumerate(entries):
        entry.test, entry.year_test = tests[2 * position], tests[2 * position + 1]
        (entry.q, entry.significant), (_q, entry.year_significant) = verdicts[
            2 * position : 2 * position + 2
        ]


def _funnel(ranked: list[RankEntry]) -> dict | None:
    """Group mean, funnel limits and rank intervals of the ranked entries (set
    on them); the funnel's points and limit curves for the chart."""
    usable = [e for e in ranked if e.current.se is not None]
    if len(usable) < 2:
        return None
    centre = sum(e.current.value for e in ranked) / len(ranked)
    sd = statistics.unit_sd(
        [e.current.se for e in usable], [e.current.n for e in usable]
    )
    intervals = statistics.rank_intervals(
        [e.current.value for e in ranked], [e.current.se or 0.0 for e in ranked]
    )
    for entry, (low, high) in zip(ranked, intervals, strict=True):
        entry.rank_low, entry.rank_high = low, high
        if sd is None:
            continue
        lower, upper = statistics.funnel_limits(centre, sd, entry.current.n)
        if entry.current.value > upper:
            entry.against_mean = "above"
        elif entry.current.value < lower:
            entry.against_mean = "below"
    if sd is None:
        return None
    ns = [e.current.n for e in ranked]
    low_n, high_n = min(ns), max(ns)
    steps = 40
    grid = sorted(
        {round(low_n * (high_n / low_n) ** (k / steps)) for k in range(steps + 1)}
    )
    limits = {
        name: [statistics.funnel_limits(centre, sd, n, z) for n in grid]
        for name, z in (("95", statistics.Z95), ("998", statistics.Z998))
    }
    return {
        "mean": round(centre, 2),
        "sd": sd,
        "grid": grid,
        "limits": limits,
        "points": [
            {"x": e.current.n, "y": e.current.value, "label": e.agency.code}
            for e in ranked
        ],
    }
