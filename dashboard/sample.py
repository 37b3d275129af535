"""Reads of the sample adequacy page: responses against Slovin's target."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Paginator

from dashboard.filters import Filters
from dashboard.models import TransactionVolume
from dashboard.queries import questionnaire_results, resolve_focus, subtree_agencies
from reports.models import IndexResult
from reports.statistics import slovin


def sample_adequacy(user: AbstractBaseUser, filters: Filters, page_number: str) -> dict:
    """Responses against Slovin's target for each agency in the focus, the
    furthest behind first, one page of agencies at a time.

    N is the transaction volume staff entered; the responses are the n of the
    agency's own headline row (its subtree row when the engine wrote no own row).
    Order: agencies short of their target by the number of responses missing
    (largest first), then those that reached it (closest to the line first), then
    those without a volume. Sorting needs every agency of the focus, so the three
    reads (agencies, volumes, index rows) cover the focus and the page is cut in
    Python: a few thousand small tuples at most (the national view's communes).
    """
    focus = resolve_focus(user, filters)
    agencies = subtree_agencies(user, focus).filter(valid_until__isnull=True)
    if filters.kind:
        agencies = agencies.filter(kind=filters.kind)
    agencies = list(agencies.only("id", "code", "name", "kind", "path"))
    volumes = dict(
        TransactionVolume.objects.filter(
            agency_id__in=[a.pk for a in agencies], period=filters.period
        ).values_list("agency_id", "count")
    )
    _kind, headline = filters.headline
    counts: dict[tuple[int, str], int] = {}
    for agency_id, scope, n in (
        questionnaire_results(user, filters)
        .filter(
            agency_id__in=[a.pk for a in agencies],
            period=filters.period,
            dimension="",
            dimension_value="",
            indicator=headline,
        )
        .values_list("agency_id", "scope", "n")
    ):
        counts[(agency_id, scope)] = n
    rows = [_row(agency, volumes, counts) for agency in agencies]
    rows.sort(key=_shortfall_order)
    page = Paginator(rows, 50).get_page(page_number)
    with_target = [r for r in rows if r["target"] is not None]
    summary = {
        "agencies": len(rows),
        "adequate": sum(r["adequate"] for r in with_target),
        "short": sum(not r["adequate"] for r in with_target),
        "missing": sum(r["shortfall"] for r in with_target),
        "without_volume": len(rows) - len(with_target),
    }
    return {
        "focus": focus,
        "page": page,
        "rows": page.object_list,
        "all_rows": rows,  # the download holds every agency (to fill in, import back)
        "summary": summary,
    }


def _row(agency, volumes: dict, counts: dict) -> dict:
    n = counts.get(
        (agency.pk, IndexResult.Scope.OWN),
        counts.get((agency.pk, IndexResult.Scope.SUBTREE), 0),
    )
    volume = volumes.get(agency.pk)
    target = slovin(volume) if volume is not None else None
    return {
        "agency": agency,
        "volume": volume,
        "target": target,
        "responses": n,
        "adequate": target is not None and n >= target,
        "shortfall": max(target - n, 0) if target is not None else None,
        "percent": round(100 * n / target) if target else None,
        # responses ÷ transactions: how much of the served public answered
        # (self-selected answers reaching Slovin's n are not thereby
        # representative; a low rate is the warning sign)
        "response_rate": round(100 * n / volume, 1) if volume else None,
    }


def _shortfall_order(row: dict) -> tuple:
    """Short of the target first (most missing first), then reached (smallest
    margin first), then no volume; ties by the agency tree."""
    path = (row["agency"].path, row["agency"].code)
    if row["target"] is None:
        return (2, 0, *path)
    if not row["adequate"]:
        return (0, -row["shortfall"], *path)
    return (1, row["responses"] - row["target"], *path)
