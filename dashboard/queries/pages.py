"""The overview page and the raw-response export."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from dashboard.filters import Filters
from dashboard.queries.common import (
    EMPTY,
    G_SHARES,
    ROW_FIELDS,
    Value,
    _results,
    focus_agencies,
    pool,
    resolve_focus,
    subtree_agencies,
)
from dashboard.queries.priorities import kpis, priorities
from reports.indices import SMALL_SAMPLE_N
from sipas.periods import (
    months_of,
    parse_period,
    trend_periods,
)
from surveys.metadata import (
    QUESTIONNAIRE_ELEMENTS,
    element_items,
    element_label,
    sat5_labels,
)
from surveys.models import Questionnaire, Response


def raw_responses(
    user: AbstractBaseUser, filters: Filters
) -> tuple[Questionnaire, QuerySet[Response]]:
    """The questionnaire of the filters and its responses in the focus subtree and
    period (channel or procedure field when chosen), for the raw export; 404 for
    an agency outside the scope or a questionnaire that is not there."""
    focus = resolve_focus(user, filters, strict=True)
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
    """Headline with interval and n, KPI cards (change against the previous
    period, target), trend, elements, G distribution, responses per month,
    small-sample warnings and the priorities panel: three IndexResult reads
    (plus the focus agency and, for an agency, its target), however many
    responses there are."""
    focus = resolve_focus(user, filters)
    _kind, headline = filters.headline
    elements = QUESTIONNAIRE_ELEMENTS[filters.questionnaire]
    items = element_items(filters.questionnaire)
    extra = ["G", *G_SHARES] if filters.questionnaire == "exit-dv" else []
    trend = trend_periods(filters.period)
    months = months_of(filters.period)
    table = pool(
        _results(user, filters)
        .filter(agency__in=focus_agencies(user, focus))
        .filter(
            Q(
                period__in=sorted(set(trend) | set(months)),
                indicator__in=[headline, *elements, *extra],
            )
            # the items, for the priorities panel: this period only
            | Q(period=filters.period, indicator__in=[code for code, _t in items])
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
            n__gt=0,  # no answers at all is "chưa có dữ liệu", not a small sample
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
        "kpis": kpis(table, filters, focus),
        **priorities(user, filters, focus, table, items),
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
