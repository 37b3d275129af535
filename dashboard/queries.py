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
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from dashboard.filters import Filters
from reports.indices import SMALL_SAMPLE_N
from reports.models import IndexResult
from reports.statistics import Estimate, significant_change
from sipas.periods import months_of, parse_period, previous_period, trend_periods
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
ROW_FIELDS = ("agency_id", "period", "indicator", "value", "n", "ci_low", "ci_high")


@dataclass(frozen=True)
class Value(Estimate):
    """One index figure as dashboards show it: value, 95 % interval and n."""

    @property
    def ci_text(self) -> str:
        if self.ci_low is None or self.ci_high is None:
            return ""
        return f"{self.ci_low:.2f}–{self.ci_high:.2f}"


EMPTY = Value(None, 0)


def scoped_results(user: AbstractBaseUser) -> QuerySet[IndexResult]:
    """IndexResult rows of the agencies the user may see (nothing for outsiders)."""
    condition = scope_filter(get_profile(user))
    rows = IndexResult.objects.all()
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
    """Rows (agency, period, indicator, value, n, lo, hi) keyed by (period,
    indicator). One agency: its figures as they are. Several (the national view):
    the unweighted mean of their values ("trung bình cả nước"), n summed, no
    interval (a mean of provinces has no simple binomial interval).

    >>> pool([(1, "2026", "A_DV", 80.0, 100, 75.0, 85.0)])[("2026", "A_DV")].ci_low
    75.0
    >>> pool([(1, "2026", "A_DV", 80.0, 100, 75.0, 85.0),
    ...       (2, "2026", "A_DV", 90.0, 50, 85.0, 95.0)])[("2026", "A_DV")]
    Value(value=85.0, n=150, ci_low=None, ci_high=None)
    """
    grouped: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for row in rows:
        grouped[(row[1], row[2])].append(row)
    pooled = {}
    for key, group in grouped.items():
        if len(group) == 1:
            _a, _p, _i, value, n, low, high = group[0]
            pooled[key] = Value(value, n, low, high)
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

    @property
    def change(self) -> float | None:
        if self.current.value is None or self.previous.value is None:
            return None
        return round(self.current.value - self.previous.value, 2)

    @property
    def significant(self) -> bool:
        return significant_change(self.current, self.previous)


def ranking(user: AbstractBaseUser, filters: Filters, kind: str) -> dict:
    """Agencies of one kind inside the focus, ranked by the headline index; those
    with n < 30 (or no data) listed after, unranked. Ties share a rank."""
    focus = resolve_focus(user, filters)
    _kind, headline = filters.headline
    agencies_qs = subtree_agencies(user, focus).filter(
        kind=kind, valid_until__isnull=True
    )
    agencies = list(agencies_qs.only("id", "code", "name", "kind", "path"))
    previous = previous_period(filters.period)
    rows = pool_by_agency(
        _results(user, filters)
        .filter(
            agency__in=agencies_qs,
            period__in=[filters.period, previous],
            indicator=headline,
        )
        .values_list(*ROW_FIELDS)
    )
    entries = [
        RankEntry(
            agency,
            rows.get((agency.pk, filters.period), EMPTY),
            rows.get((agency.pk, previous), EMPTY),
        )
        for agency in agencies
    ]
    ranked = sorted(
        (e for e in entries if e.current.value is not None and not e.current.small),
        key=lambda e: (-e.current.value, e.agency.code),
    )
    for position, entry in enumerate(ranked, start=1):
        same = (
            position > 1 and ranked[position - 2].current.value == entry.current.value
        )
        entry.rank = ranked[position - 2].rank if same else position
    unranked = sorted(
        (e for e in entries if e.rank is None), key=lambda e: e.agency.code
    )
    return {
        "focus": focus,
        "headline_code": headline,
        "previous_period": previous,
        "ranked": ranked,
        "unranked": unranked,
    }


def pool_by_agency(rows: Iterable[tuple]) -> dict[tuple[int, str], Value]:
    return {
        (agency, period): Value(value, n, low, high)
        for agency, period, _i, value, n, low, high in rows
    }
