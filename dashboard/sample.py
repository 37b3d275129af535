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
    """Responses against Slovin's target for each agency in the focus, one page
    of agencies at a time. N is the transaction volume staff entered; the
    responses are the n of the agency's own headline row (its subtree row when
    the engine wrote no own row)."""
    focus = resolve_focus(user, filters)
    agencies = subtree_agencies(user, focus).filter(valid_until__isnull=True)
    if filters.kind:
        agencies = agencies.filter(kind=filters.kind)
    paginator = Paginator(agencies.order_by("path", "code"), 50)
    page = paginator.get_page(page_number)
    ids = [a.pk for a in page.object_list]
    volumes = dict(
        TransactionVolume.objects.filter(
            agency_id__in=ids, period=filters.period
        ).values_list("agency_id", "count")
    )
    _kind, headline = filters.headline
    counts: dict[tuple[int, str], int] = {}
    for agency_id, scope, n in (
        questionnaire_results(user, filters)
        .filter(
            agency_id__in=ids,
            period=filters.period,
            dimension="",
            dimension_value="",
            indicator=headline,
        )
        .values_list("agency_id", "scope", "n")
    ):
        counts[(agency_id, scope)] = n
    rows = []
    for agency in page.object_list:
        n = counts.get(
            (agency.pk, IndexResult.Scope.OWN),
            counts.get((agency.pk, IndexResult.Scope.SUBTREE), 0),
        )
        volume = volumes.get(agency.pk)
        target = slovin(volume) if volume is not None else None
        rows.append(
            {
                "agency": agency,
                "volume": volume,
                "target": target,
                "responses": n,
                "adequate": target is not None and n >= target,
                "percent": round(100 * n / target) if target else None,
                # responses ÷ transactions: how much of the served public answered
                # (self-selected answers reaching Slovin's n are not thereby
                # representative; a low rate is the warning sign)
                "response_rate": round(100 * n / volume, 1) if volume else None,
            }
        )
    return {"focus": focus, "page": page, "rows": rows}
