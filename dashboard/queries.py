"""Dashboard reads: precomputed index rows, always within the user's scope.

Every function here starts from `scoped_results(user)` or
`staff.scope.visible_agencies(user)`, so the scope is enforced in this layer and
no page, chart, filter or export can reach another agency's rows. Pages read
IndexResult only (a constant number of queries, whatever the number of
responses); the comments list (dashboard/comments.py) is the one read of raw
responses, paginated. The agency page is dashboard/agency.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from dashboard.filters import Filters
from reports import statistics
from reports.indices import METHODOLOGIES, SMALL_SAMPLE_N
from reports.models import IndexResult
from reports.statistics import Estimate
from sipas.periods import (
    months_of,
    parse_period,
    previous_period,
    same_period_last_year,
    trend_periods,
)
from staff.models import StaffProfile
from staff.scope import (
    get_profile,
    get_visible_agency,
    home_agency,
    require_profile,
    scope_filter,
    visible_agencies,
)
from surveys.metadata import (
    METHODOLOGY,
    QUESTIONNAIRE_ELEMENTS,
    element_label,
    sat5_labels,
)
from surveys.models import Questionnaire, Response

G_SHARES = [f"G:{level}" for level in range(1, 6)]
ROW_FIELDS = (
    "agency_id",
    "period",
    "indicator",
    "value",
    "n",
    "ci_low",
    "ci_high",
    "se",
    "incomplete",
)


@dataclass(frozen=True)
class Value(Estimate):
    """One index figure as dashboards show it: value, 95 % interval and n."""

    @property
    def ci_text(self) -> str:
        if self.ci_low is None or self.ci_high is None:
            return ""
        return f"{self.ci_low:.2f}–{self.ci_high:.2f}"


EMPTY = Value(None, 0)


def current_rows() -> Q:
    """Rows of the current version of every methodology (older versions' rows
    stay in the table for exports, dashboards never mix them in)."""
    condition = Q()
    for code, method in METHODOLOGIES.items():
        condition |= Q(methodology=code, method_version=method.version)
    return condition


def scoped_results(user: AbstractBaseUser) -> QuerySet[IndexResult]:
    """IndexResult rows of the agencies the user may see (nothing for outsiders),
    of the current methodology versions."""
    condition = scope_filter(get_profile(user))
    rows = IndexResult.objects.filter(current_rows())
    if condition is not None:
        rows = rows.filter(agency__in=Agency.objects.filter(condition))
    return rows


def questionnaire_results(
    user: AbstractBaseUser, filters: Filters
) -> QuerySet[IndexResult]:
    """The user's rows of the filters' questionnaire, by its methodology."""
    return scoped_results(user).filter(
        methodology=METHODOLOGY[filters.questionnaire],
        questionnaire=filters.questionnaire,
    )


def _results(user: AbstractBaseUser, filters: Filters) -> QuerySet[IndexResult]:
    """Subtree rows of the filters' breakdown (channel, field or none)."""
    dimension, dimension_value = filters.dimension
    return questionnaire_results(user, filters).filter(
        scope=IndexResult.Scope.SUBTREE,
        dimension=dimension,
        dimension_value=dimension_value,
    )


def pool(rows: Iterable[tuple]) -> dict[tuple[str, str], Value]:
    """Rows (agency, period, indicator, value, n, lo, hi[, se, incomplete])
    keyed by (period, indicator). One agency: its figures as they are. Several
    (the national view): the unweighted mean of their values ("trung bình cả
    nước"), n summed, no interval (a mean of provinces has no simple binomial interval).

    >>> pool([(1, "2026", "A_DV", 80.0, 100, 75.0, 85.0)])[("2026", "A_DV")].ci_low
    75.0
    >>> pool([(1, "2026", "A_DV", 80.0, 100, 75.0, 85.0),
    ...       (2, "2026", "A_DV", 90.0, 50, 85.0, 95.0)])[("2026", "A_DV")]
    Value(value=85.0, n=150, ci_low=None, ci_high=None, se=None, incomplete='')
    """
    grouped: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for row in rows:
        grouped[(row[1], row[2])].append(row)
    pooled = {}
    for key, group in grouped.items():
        if len(group) == 1:
            _a, _p, _i, *figures = group[0]
            pooled[key] = Value(*figures)
            continue
        values = [row[3] for row in group if row[3] is not None]
        mean = round(sum(values) / len(values), 2) if values else None
        pooled[key] = Value(mean, sum(row[4] for row in group))
    return pooled


# --- Focus: which agency (subtree) a page is about -------------------------------


@dataclass
class Focus:
    profile: StaffProfile
    agency: Agency | None  # None: national (pooled over the provinces)

    @property
    def label(self) -> str:
        return self.agency.name if self.agency else str(_("Toàn quốc"))


def resolve_focus(user: AbstractBaseUser, filters: Filters) -> Focus:
    """The agency chosen in the filters (404 outside the scope) or the user's home
    agency. PermissionDenied for users without a staff profile."""
    profile = require_profile(user)
    if filters.agency:
        return Focus(profile, get_visible_agency(user, filters.agency))
    return Focus(profile, home_agency(profile))


def focus_agencies(user: AbstractBaseUser, focus: Focus):
    """The agencies whose subtree rows describe the focus: the agency itself, or
    the visible provincial People's Committees for the national view."""
    if focus.agency is not None:
        return [focus.agency.pk]
    return visible_agencies(user).filter(
        kind=Agency.Kind.PEOPLES_COMMITTEE_PROVINCE, valid_until__isnull=True
    )


def subtree_agencies(user: AbstractBaseUser, focus: Focus) -> QuerySet[Agency]:
    agencies = visible_agencies(user)
    if focus.agency is not None:
        agencies = agencies.filter(path__startswith=focus.agency.path)
    return agencies


def raw_responses(
    user: AbstractBaseUser, filters: Filters
) -> tuple[Questionnaire, QuerySet[Response]]:
    """The questionnaire of the filters and its responses in the focus subtree and
    period (channel or procedure field when chosen), for the raw export; 404 for
    an agency outside the scope or a questionnaire that is not there."""
    focus = resolve_focus(user, filters)
    questionnaire = get_object_or_404(Questionnaire, code=filters.questionnaire)
    start, end = parse_period(filters.period).bounds()
    responses = Response.objects.filter(
        agency__in=subtree_agencies(user, focus),
        submitted_at__gte=start,
        submitted_at__lt=end,
        version__questionnaire=questionnaire,
    )
    if filters.channel:
        responses = responses.filter(channel=filters.channel)
    if filters.field:
        responses = responses.filter(procedure__field=filters.field)
    return questionnaire, responses


# --- Pages --------------------------------------------------------------------------


def overview(user: AbstractBaseUser, filters: Filters) -> dict:
    """Headline with interval and n, trend, elements, G distribution, responses
    per month and small-sample warnings: two IndexResult reads (plus the focus
    agency), however many responses there are."""
    focus = resolve_focus(user, filters)
    _kind, headline = filters.headline
    elements = QUESTIONNAIRE_ELEMENTS[filters.questionnaire]
    extra = ["G", *G_SHARES] if filters.questionnaire == "exit-dv" else []
    trend = trend_periods(filters.period)
    months = months_of(filters.period)
    table = pool(
        _results(user, filters)
        .filter(
            agency__in=focus_agencies(user, focus),
            period__in=sorted(set(trend) | set(months)),
            indicator__in=[headline, *elements, *extra],
        )
        .values_list(*ROW_FIELDS)
    )
    period = filters.period
    small = list(
        _results(user, filters)
        .filter(
            agency__in=subtree_agencies(user, focus),
            period=period,
            indicator=headline,
            n__lt=SMALL_SAMPLE_N,
        )
        .select_related("agency")
        .order_by("n", "agency__code")[:20]
    )
    return {
        "focus": focus,
        "headline_code": headline,
        "headline": table.get((period, headline), EMPTY),
        "overall": table.get((period, "G"), EMPTY),
        "trend": [(p, table.get((p, headline), EMPTY)) for p in trend],
        "elements": [
            (code, element_label(code), table.get((period, code), EMPTY))
            for code in elements
        ],
        "g_distribution": g_distribution(table, period) if extra else [],
        "months": [(m, table.get((m, headline), EMPTY).n) for m in months],
        "small": small,
    }


def g_distribution(table: dict[tuple[str, str], Value], period: str) -> list:
    """(label, count, percent) for each level of G, from the engine's share rows
    `G:1` … `G:5` (percent of the n answers to G). Empty levels when absent."""
    rows = []
    for level, label in enumerate(sat5_labels(), start=1):
        share = table.get((period, f"G:{level}"), EMPTY)
        count = round(share.value * share.n / 100) if share.value is not None else 0
        rows.append((label, count, share.value))
    return rows


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


def pool_by_agency(rows: Iterable[tuple]) -> dict[tuple[int, str], Value]:
    return {(agency, period): Value(*figures) for agency, period, _i, *figures in rows}
