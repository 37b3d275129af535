"""What every API view shares: documented error answers, query parameters
validated by serializers, scope checks and pagination."""

from __future__ import annotations

from django.core.paginator import EmptyPage, Paginator
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request

from api import serializers as s
from sipas.periods import parse_period

ERRORS = {
    400: OpenApiResponse(s.ErrorsSerializer, description="Invalid input"),
    401: OpenApiResponse(s.ErrorsSerializer, description="Missing or invalid token"),
    403: OpenApiResponse(s.ErrorsSerializer, description="Token lacks permission"),
    404: OpenApiResponse(s.ErrorsSerializer, description="Not found in scope"),
    429: OpenApiResponse(s.ErrorsSerializer, description="Too many requests"),
}


def responses(ok: dict) -> dict:
    return {**ok, **ERRORS}


# --- Query parameters -------------------------------------------------------------

KINDS = ["item", "element", "aspect", "sipas", "overall", "share", "expectation"]


class PageQuery(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, max_value=1_000_000, default=1)
    page_size = serializers.IntegerField(min_value=1, max_value=1000, default=100)


def _check_period(value: str) -> str:
    try:
        period = parse_period(value)
        period.bounds()
    except (ValueError, OverflowError) as exc:
        raise serializers.ValidationError(str(exc), code="invalid_period")
    return value


def _query(serializer_class, request: Request) -> dict:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _agency_in_scope(token, code: str):
    agency = token.agencies().filter(code=code).first()
    if agency is None:
        raise ValidationError(
            {"agency": [_("Không có cơ quan mã này trong phạm vi của mã truy cập.")]},
            code="unknown_agency",
        )
    return agency


def _page(request: Request, rows, params: dict) -> tuple[list, dict]:
    paginator = Paginator(rows, params["page_size"])
    try:
        page = paginator.page(params["page"])
    except EmptyPage:
        if params["page"] != 1:
            raise NotFound(_("Không có trang này."))
        page = paginator.page(1)

    def link(number: int) -> str:
        query = request.query_params.copy()
        query["page"] = str(number)
        return request.build_absolute_uri(request.path + "?" + query.urlencode())

    meta = {
        "count": paginator.count,
        "next": link(page.next_page_number()) if page.has_next() else None,
        "previous": link(page.previous_page_number()) if page.has_previous() else None,
    }
    return list(page.object_list), meta
