"""Shared dashboard reads: the scoped IndexResult rows, pooling into values and
the focus (which agency subtree a page is about)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from dashboard.filters import Filters
from dashboard.queries.picker import find_agency
from reports.indices import METHODOLOGIES
from reports.models import IndexResult
from reports.statistics import Estimate
from sipas.numbers import format_interval
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
)

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
        """The interval as the active language writes it ("47,97–60,61")."""
        return format_interval(self.ci_low, self.ci_high)


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


def resolve_focus(
    user: AbstractBaseUser, filters: Filters, strict: bool = False
) -> Focus:
    """The agency chosen in the filters, by code or by name (dashboard.queries.
    picker), or the user's home agency. PermissionDenied for users without a
    staff profile.

    An agency the user cannot see (absent, mistyped or outside the scope) is a
    404 when `strict` (exports: never a file of another scope than asked), else
    the page falls back to the home agency and the filters keep what was typed
    and the suggestions (`agency_query`, `agency_suggestions`) for an inline
    note, the other filters unchanged."""
    profile = require_profile(user)
    if filters.agency:
        if strict:
            return Focus(profile, get_visible_agency(user, filters.agency))
        agency, suggestions = find_agency(user, filters.agency)
        if agency is not None:
            filters.agency = agency.code
            return Focus(profile, agency)
        filters.agency_query, filters.agency = filters.agency, ""
        filters.agency_suggestions = suggestions
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


def pool_by_agency(rows: Iterable[tuple]) -> dict[tuple[int, str], Value]:
    return {(agency, period): Value(*figures) for agency, period, _i, *figures in rows}
