"""Comparisons: the change of every published index between two periods (the
rows of `compare_indices`), within the token's scope."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from api import serializers as s
from api.auth import CanReadIndices
from api.views.common import (
    KINDS,
    PageQuery,
    _agency_in_scope,
    _check_period,
    _page,
    _query,
    responses,
)
from reports.comparisons import compare_periods
from reports.indices import DEFAULT_METHODOLOGY, METHODOLOGIES
from sipas.periods import local_tz


class ComparisonQuery(PageQuery):
    period = serializers.CharField(max_length=7, help_text="2026, 2026-Q3 or 2026-07")
    baseline = serializers.CharField(
        max_length=7,
        help_text="The period compared against: the previous one (2026-Q2 for "
        "2026-Q3) or the same period last year (2025-Q3)",
    )
    agency = serializers.CharField(
        max_length=32,
        required=False,
        help_text="One agency of the token's subtree (its own and subtree rows); "
        "the rows are then exactly those of compare_indices --agency CODE",
    )
    questionnaire = serializers.CharField(max_length=20, required=False)
    scope = serializers.ChoiceField(choices=["own", "subtree"], required=False)
    kind = serializers.ChoiceField(choices=KINDS, required=False)
    indicator = serializers.CharField(max_length=20, required=False)
    significant = serializers.ChoiceField(
        choices=["true", "false"],
        required=False,
        help_text="Only the significant changes (true) or only the others (false)",
    )
    methodology = serializers.ChoiceField(
        choices=sorted(METHODOLOGIES), default=DEFAULT_METHODOLOGY
    )

    def validate_period(self, value: str) -> str:
        return _check_period(value)

    def validate_baseline(self, value: str) -> str:
        return _check_period(value)

    def validate(self, data: dict) -> dict:
        if data.get("baseline") == data.get("period"):
            raise serializers.ValidationError(
                {"baseline": [_("Kỳ so sánh phải khác kỳ được xem.")]},
                code="same_period",
            )
        return data


NARROWING = ("questionnaire", "scope", "kind", "indicator")


@extend_schema(
    operation_id="comparison_list",
    summary="Change of every published index between two periods (the rows of "
    "compare_indices)",
    description="For each agency of the token's subtree (or the one `agency`), "
    "scope, questionnaire and indicator published in both periods: value, "
    "baseline, diff with its 95 % interval, p, the Benjamini–Hochberg q-value "
    "and `significant` (q < 0.05). The q-values are computed over every row of "
    "the agencies asked for, before `questionnaire`, `scope`, `kind`, "
    "`indicator`, `significant` and pagination narrow what is shown, so a "
    "row's q does not depend on those filters. Rows that cannot be tested "
    "(n < 30 on either side) carry null diff_ci95, p and q.",
    parameters=[ComparisonQuery],
    responses=responses({200: s.ComparisonPageSerializer}),
)
@api_view(["GET"])
@permission_classes([CanReadIndices])
def comparisons(request: Request) -> Response:
    params = _query(ComparisonQuery, request)
    token = request.auth
    agency = _agency_in_scope(token, params["agency"]) if "agency" in params else None
    rows = compare_periods(
        params["period"],
        params["baseline"],
        agency,
        params["methodology"],
        agencies=token.agencies(),
    )
    for name in NARROWING:
        if name in params:
            rows = [row for row in rows if row[name] == params[name]]
    if "significant" in params:
        wanted = params["significant"] == "true"
        rows = [row for row in rows if row["significant"] == wanted]
    page, meta = _page(request, rows, params)
    return Response(
        {
            "period": params["period"],
            "baseline": params["baseline"],
            "methodology": params["methodology"],
            "methodology_version": METHODOLOGIES[params["methodology"]].version,
            "generated_at": timezone.now()
            .astimezone(local_tz())
            .isoformat(timespec="seconds"),
            **meta,
            "results": page,
        }
    )
