"""The agency page: one agency's figures for a period, within the user's scope.

Reads IndexResult rows only (a fixed number of queries): the elements × items
heatmap with intervals, the best and worst procedures, the channels and
respondent groups of the headline index, and the trend of the agency with its
merged pre-2025 units as separate series. The PDF report renders the same data.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.models import AbstractBaseUser

from agencies.models import Agency, Procedure
from dashboard.filters import CHANNELS, Filters
from dashboard.labels import short_item_label
from dashboard.queries import (
    EMPTY,
    ROW_FIELDS,
    Value,
    pool_by_agency,
    questionnaire_results,
)
from reports import statistics
from reports.indices import METHODOLOGIES
from reports.models import IndexResult
from sipas.periods import trend_periods
from staff.scope import get_visible_agency, require_profile, visible_agencies
from surveys.metadata import (
    METHODOLOGY,
    QUESTIONNAIRE_ELEMENTS,
    element_label,
    respondent_value_label,
)
from surveys.models import RESPONDENT_LABELS
from surveys.queries import item_labels

SHOWN_PROCEDURES = 5  # best and worst each

# (dimension, dimension value, indicator) → figure, for one agency and period.
Figures = dict[tuple[str, str, str], Value]
Breakdown = dict[str, list[tuple[str, Value]]]


def agency_detail(user: AbstractBaseUser, filters: Filters, code: str | Agency) -> dict:
    """Everything the agency page shows; 404 outside the scope (an Agency given
    instead of a code was found within the scope by the caller)."""
    require_profile(user)
    agency = code if isinstance(code, Agency) else get_visible_agency(user, code)
    _kind, headline = filters.headline
    dimension = filters.dimension
    rows = _period_rows(user, filters, agency)
    figures = {(d, dv, row[1]): _figure(filters, *row) for d, dv, *row in rows}
    heatmap = _heatmap(filters.questionnaire, rows, figures, dimension)
    breakdown: Breakdown = defaultdict(list)
    for d, dv, _k, ind, *_figures in rows:
        if d and ind == headline:
            breakdown[d].append((dv, figures[(d, dv, ind)]))
    best, worst = _best_and_worst(breakdown.get("procedure", []))
    trend = trend_periods(filters.period)
    series, province, against_province = _series(user, filters, agency, trend)
    return {
        "agency": agency,
        "headline_code": headline,
        "headline": figures.get((*dimension, headline), EMPTY),
        "heatmap": heatmap,
        "best": best,
        "worst": worst,
        "channels": [
            (channel, CHANNELS.get(channel, channel), value)
            for channel, value in sorted(breakdown.get("channel", []))
        ],
        "groups": [
            (
                label,
                [(respondent_value_label(d, v), f) for v, f in sorted(breakdown[d])],
            )
            for d, label in RESPONDENT_LABELS.items()
            if d in breakdown
        ],
        "series": series,
        "trend_periods": trend,
        "blank_rates": _blank_rates(
            heatmap, figures.get((*dimension, headline), EMPTY)
        ),
        # the agency against its province (one test on the page: q = p)
        "province": province,
        "against_province": against_province,
    }


def _blank_rates(heatmap: list[dict], headline: Value) -> list[tuple]:
    """Item blank rates, highest first: the share of the headline's respondents
    who left an item blank (an item skipped by many is itself a finding:
    unclear, or not applicable to most people)."""
    respondents = headline.n
    return sorted(
        (
            (code, label, round(100 * (1 - value.n / respondents), 1))
            for element in heatmap
            for code, label, value in element["items"]
            if respondents and value.n <= respondents
        ),
        key=lambda row: (-row[2], row[0]),
    )


def _period_rows(user: AbstractBaseUser, filters: Filters, agency: Agency) -> list:
    """The agency's subtree rows of the period, every breakdown (one query)."""
    return list(
        questionnaire_results(user, filters)
        .filter(agency=agency, period=filters.period, scope=IndexResult.Scope.SUBTREE)
        .values_list(
            "dimension",
            "dimension_value",
            "kind",
            "indicator",
            "value",
            "n",
            "ci_low",
            "ci_high",
            "se",
        )
    )


def _figure(filters: Filters, kind, _indicator, value, n, low, high, se) -> Value:
    """A row as the page shows it. Item-like rows of a cluster sample (hh-1001)
    show their design-based interval (docs/method.md), not the Wilson one."""
    method = METHODOLOGIES[METHODOLOGY[filters.questionnaire]]
    if kind in statistics.ITEM_LIKE and filters.questionnaire in (
        method.cluster_questionnaires
    ):
        low, high = statistics.design_interval(value, n, se) or (low, high)
    return Value(value, n, low, high, se)


def _heatmap(
    questionnaire: str, rows: list, figures: Figures, dimension: tuple[str, str]
) -> list[dict]:
    """Each element with its items (in their numeric order) and their figures;
    items are named by their short label (dashboard.labels), shown beside the
    code on the page."""
    labels = item_labels(questionnaire)
    heatmap = []
    for element in QUESTIONNAIRE_ELEMENTS[questionnaire]:
        items = sorted(
            (
                ind
                for d, dv, kind, ind, *_rest in rows
                if (d, dv) == dimension
                and kind == "item"
                and ind.startswith(element + ".")
            ),
            key=lambda ind: [int(part) for part in ind[1:].split(".")],
        )
        heatmap.append(
            {
                "code": element,
                "label": element_label(element),
                "value": figures.get((*dimension, element), EMPTY),
                "items": [
                    (
                        ind,
                        short_item_label(labels.get(ind, ind)),
                        figures[(*dimension, ind)],
                    )
                    for ind in items
                ],
            }
        )
    return heatmap


def _best_and_worst(procedures: list[tuple[str, Value]]) -> tuple[list, list]:
    """The five best and (with more than five) the five worst procedures by the
    headline index, small samples left out, each as (code, name, figure)."""
    ranked = sorted(
        (
            (code, value)
            for code, value in procedures
            if value.value is not None and not value.small
        ),
        key=lambda pair: -pair[1].value,
    )
    top, bottom = ranked[:SHOWN_PROCEDURES], ranked[-SHOWN_PROCEDURES:]
    shown = top + bottom if len(ranked) > 2 * SHOWN_PROCEDURES else ranked
    names = (
        dict(
            Procedure.objects.filter(code__in=[c for c, _v in shown]).values_list(
                "code", "name"
            )
        )
        if shown
        else {}
    )
    best = [(c, names.get(c, c), v) for c, v in top]
    worst = (
        [(c, names.get(c, c), v) for c, v in reversed(bottom)]
        if len(ranked) > SHOWN_PROCEDURES
        else []
    )
    return best, worst


def _series(
    user: AbstractBaseUser, filters: Filters, agency: Agency, trend: list[str]
) -> list:
    """The headline trend of the agency and of each merged pre-2025 unit, and
    the agency against its province (the root of its tree, read in the same
    query): (series, province figure, difference test), the last two None for
    a province itself."""
    kind, headline = filters.headline
    predecessors = list(visible_agencies(user).filter(successor=agency))
    root = int(agency.path.strip("/").split("/")[0]) if agency.path else agency.pk
    rows = pool_by_agency(
        questionnaire_results(user, filters)
        .filter(
            agency__in=[agency.pk, root] + [p.pk for p in predecessors],
            period__in=trend,
            scope=IndexResult.Scope.SUBTREE,
            dimension="",
            dimension_value="",
            indicator=headline,
        )
        .values_list(*ROW_FIELDS)
    )
    series = [
        (unit, [(p, rows.get((unit.pk, p), EMPTY)) for p in trend])
        for unit in [agency, *predecessors]
    ]
    if root == agency.pk:
        return series, None, None
    own = rows.get((agency.pk, filters.period), EMPTY)
    province = rows.get((root, filters.period), EMPTY)
    test = statistics.against_group(
        kind, own.value, own.n, own.se, province.value, province.n, province.se
    )
    return series, province, test
