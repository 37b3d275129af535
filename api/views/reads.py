"""The calling token, indices (export_indices rows) and comments."""

from __future__ import annotations

from django.db.models import Max
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from api import serializers as s
from api.auth import CanReadComments, CanReadIndices, HasToken
from api.views.common import (
    KINDS,
    PageQuery,
    _agency_in_scope,
    _check_period,
    _page,
    _query,
    responses,
)
from reports.indices import DEFAULT_METHODOLOGY, METHODOLOGIES
from reports.management.commands.export_indices import as_object, published
from sipas.periods import local_tz, parse_period
from surveys.models import Response as SurveyResponse


class IndexQuery(PageQuery):
    period = serializers.CharField(max_length=7, help_text="2026, 2026-Q3 or 2026-07")
    agency = serializers.CharField(max_length=32, required=False)
    questionnaire = serializers.CharField(max_length=20, required=False)
    scope = serializers.ChoiceField(choices=["own", "subtree"], required=False)
    kind = serializers.ChoiceField(choices=KINDS, required=False)
    indicator = serializers.CharField(max_length=20, required=False)
    methodology = serializers.ChoiceField(
        choices=sorted(METHODOLOGIES), default=DEFAULT_METHODOLOGY
    )

    def validate_period(self, value: str) -> str:
        return _check_period(value)


class CommentQuery(PageQuery):
    period = serializers.CharField(max_length=7, help_text="2026, 2026-Q3 or 2026-07")
    agency = serializers.CharField(max_length=32, required=False)
    questionnaire = serializers.CharField(max_length=20, required=False)

    def validate_period(self, value: str) -> str:
        return _check_period(value)


# --- Token ------------------------------------------------------------------------


@extend_schema(
    operation_id="token_info",
    summary="The calling token: agency and permissions",
    responses=responses({200: s.TokenInfoSerializer}),
)
@api_view(["GET"])
@permission_classes([HasToken])
def token_info(request: Request) -> Response:
    token = request.auth
    permissions = [
        name
        for name, field in (
            ("invitations", "can_invite"),
            ("indices", "can_read_indices"),
            ("comments", "can_read_comments"),
            ("submissions", "can_submit"),
        )
        if getattr(token, field)
    ]
    return Response(
        {
            "name": token.name,
            "prefix": token.prefix,
            "agency": token.agency.code,
            "permissions": permissions,
            "expires_at": token.expires_at,
            "rate_per_minute": token.rate_per_minute,
        }
    )


# --- Indices and comments ----------------------------------------------------------


@extend_schema(
    operation_id="index_list",
    summary="Published indices of a period (the rows of export_indices)",
    parameters=[IndexQuery],
    responses=responses({200: s.IndexPageSerializer}),
)
@api_view(["GET"])
@permission_classes([CanReadIndices])
def indices(request: Request) -> Response:
    params = _query(IndexQuery, request)
    token = request.auth
    rows = published(params["period"], None, params["methodology"]).filter(
        agency__in=token.agencies()
    )
    if "agency" in params:
        rows = rows.filter(agency=_agency_in_scope(token, params["agency"]))
    for name in ("questionnaire", "scope", "kind", "indicator"):
        if name in params:
            rows = rows.filter(**{name: params[name]})
    generated = rows.aggregate(at=Max("computed_at"))["at"] or timezone.now()
    page, meta = _page(request, rows, params)
    return Response(
        {
            "period": params["period"],
            "methodology": params["methodology"],
            "generated_at": generated.astimezone(local_tz()).isoformat(
                timespec="seconds"
            ),
            **meta,
            "results": [as_object(row) for row in page],
        }
    )


@extend_schema(
    operation_id="comment_list",
    summary="Citizens' comments of a period, newest first (never reply contacts)",
    parameters=[CommentQuery],
    responses=responses({200: s.CommentPageSerializer}),
)
@api_view(["GET"])
@permission_classes([CanReadComments])
def comments(request: Request) -> Response:
    params = _query(CommentQuery, request)
    token = request.auth
    start, end = parse_period(params["period"]).bounds()
    rows = (
        SurveyResponse.objects.filter(
            agency__in=token.agencies(),
            flagged=False,
            submitted_at__gte=start,
            submitted_at__lt=end,
        )
        .exclude(comment="")
        .select_related("agency", "procedure", "version__questionnaire")
        .order_by("-submitted_at", "id")
    )
    if "agency" in params:
        rows = rows.filter(agency=_agency_in_scope(token, params["agency"]))
    if "questionnaire" in params:
        rows = rows.filter(version__questionnaire__code=params["questionnaire"])
    page, meta = _page(request, rows, params)
    results = [
        {
            "response_id": r.id,
            "agency": r.agency.code,
            "questionnaire": r.version.questionnaire.code,
            "procedure": r.procedure.code if r.procedure_id else None,
            "channel": r.channel,
            "submitted_at": r.submitted_at,
            "comment": r.comment,
        }
        for r in page
    ]
    return Response({**meta, "results": results})
