"""Invitations through the API: one or a batch, status, QR codes."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import renderers, serializers, status
from rest_framework.decorators import api_view, permission_classes, renderer_classes
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api import links, services
from api import serializers as s
from api.auth import CanInvite
from api.models import InvitationDelivery
from api.views.common import (
    PageQuery,
    _agency_in_scope,
    _page,
    _query,
    responses,
)
from invitations import posters
from invitations.models import Invitation


class InvitationQuery(PageQuery):
    dossier_code = serializers.CharField(max_length=200, required=False)
    agency = serializers.CharField(max_length=32, required=False)
    status = serializers.ChoiceField(choices=s.INVITATION_STATUSES, required=False)


# --- Invitations -------------------------------------------------------------------


def invitation_data(request: Request, invitation: Invitation) -> dict:
    link = links.link_of(invitation)
    qr = {"qr_png": None, "qr_svg": None}
    if link:
        for fmt in ("png", "svg"):
            path = reverse(f"api:invitation-qr-{fmt}", kwargs={"pk": invitation.pk})
            qr[f"qr_{fmt}"] = request.build_absolute_uri(path)
    return {
        "id": invitation.pk,
        "agency": invitation.agency.code,
        "procedure": invitation.procedure.code if invitation.procedure_id else None,
        "service_point": (
            invitation.service_point.code if invitation.service_point_id else None
        ),
        "channel": invitation.channel,
        "questionnaire": invitation.questionnaire_code,
        "status": invitation.status,
        "link": link,
        **qr,
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
        "opened_at": invitation.opened_at,
        "answered_at": invitation.used_at,
        "delivery": _delivery_data(invitation),
    }


def _delivery_data(invitation: Invitation) -> dict | None:
    try:
        sending = invitation.delivery
    except InvitationDelivery.DoesNotExist:
        return None
    return {
        "channel": sending.channel,
        "status": sending.status,
        "attempts": sending.attempts,
        "finished_at": sending.finished_at,
    }


def _issued_data(request: Request, issued: services.Issued) -> dict:
    return {
        **invitation_data(request, issued.invitation),
        "dossier_code": issued.dossier_code,
        "created": issued.created,
    }


def _issue(request: Request, items: list[dict], prefix: str) -> list:
    try:
        return services.issue_invitations(request.auth, items, field_prefix=prefix)
    except services.InputError as exc:
        raise ValidationError(
            {
                field or "detail": [serializers.ErrorDetail(message, code=code)]
                for code, field, message in exc.errors
            }
        )


@extend_schema(
    methods=["POST"],
    operation_id="invitation_create",
    summary="Invite the citizen of one returned dossier",
    description="Idempotent by (agency, dossier code): asking again answers 200 "
    "with the same invitation and link.",
    request=s.InvitationInSerializer,
    responses=responses(
        {201: s.IssuedInvitationSerializer, 200: s.IssuedInvitationSerializer}
    ),
)
@extend_schema(
    methods=["GET"],
    operation_id="invitation_list",
    summary="Invitations in the token's scope, newest first",
    parameters=[InvitationQuery],
    responses=responses({200: s.InvitationPageSerializer}),
)
@api_view(["GET", "POST"])
@permission_classes([CanInvite])
def invitations(request: Request) -> Response:
    if request.method == "POST":
        data = s.InvitationInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issued = _issue(request, [data.validated_data], "")[0]
        code = status.HTTP_201_CREATED if issued.created else status.HTTP_200_OK
        return Response(_issued_data(request, issued), status=code)
    params = _query(InvitationQuery, request)
    rows = services.visible_invitations(request.auth).order_by("-created_at", "-pk")
    if "agency" in params:
        rows = rows.filter(agency=_agency_in_scope(request.auth, params["agency"]))
    if "dossier_code" in params:
        from invitations.services import dossier_hash

        rows = rows.filter(dossier_hash=dossier_hash(params["dossier_code"]))
    if "status" in params:
        now = timezone.now()
        rows = {
            "answered": rows.filter(used_at__isnull=False),
            "expired": rows.filter(used_at__isnull=True, expires_at__lte=now),
            "opened": rows.filter(
                used_at__isnull=True, expires_at__gt=now, opened_at__isnull=False
            ),
            "sent": rows.filter(
                used_at__isnull=True, expires_at__gt=now, opened_at__isnull=True
            ),
        }[params["status"]]
    page, meta = _page(request, rows, params)
    return Response({**meta, "results": [invitation_data(request, i) for i in page]})


@extend_schema(
    operation_id="invitation_batch_create",
    summary="Invite the citizens of up to 1,000 returned dossiers at once",
    description="All or nothing; each invitation is idempotent by (agency, "
    "dossier code). Errors name `invitations.<index>.<field>`.",
    request=s.InvitationBatchInSerializer,
    responses=responses({200: s.InvitationBatchSerializer}),
)
@api_view(["POST"])
@permission_classes([CanInvite])
def invitation_batch(request: Request) -> Response:
    data = s.InvitationBatchInSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    issued = _issue(request, data.validated_data["invitations"], "invitations")
    made = sum(1 for one in issued if one.created)
    return Response(
        {
            "created": made,
            "existing": len(issued) - made,
            "invitations": [_issued_data(request, one) for one in issued],
        }
    )


@extend_schema(
    operation_id="invitation_status",
    summary="One invitation: status (sent, opened, answered, expired) and link",
    responses=responses({200: s.InvitationSerializer}),
)
@api_view(["GET"])
@permission_classes([CanInvite])
def invitation_detail(request: Request, pk: int) -> Response:
    invitation = get_object_or_404(services.visible_invitations(request.auth), pk=pk)
    return Response(invitation_data(request, invitation))


class PassthroughRenderer(renderers.BaseRenderer):
    """Lets a client ask for an image; the view returns the bytes itself."""

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class PNGRenderer(PassthroughRenderer):
    media_type = "image/png"
    format = "png"


class SVGRenderer(PassthroughRenderer):
    media_type = "image/svg+xml"
    format = "svg"


def _qr(request: Request, pk: int, fmt: str) -> HttpResponse:
    invitation = get_object_or_404(services.visible_invitations(request.auth), pk=pk)
    link = links.link_of(invitation)
    if link is None:
        raise NotFound(_("Lời mời này được tạo trong trang quản trị; không có mã QR."))
    if fmt == "png":
        return HttpResponse(posters.qr_png(link), content_type="image/png")
    return HttpResponse(posters.qr_svg(link), content_type="image/svg+xml")


@extend_schema(
    operation_id="invitation_qr_png",
    summary="The invitation's QR code as PNG",
    responses=responses({(200, "image/png"): OpenApiTypes.BINARY}),
)
@api_view(["GET"])
@renderer_classes([PNGRenderer, renderers.JSONRenderer])
@permission_classes([CanInvite])
def invitation_qr_png(request: Request, pk: int) -> HttpResponse:
    return _qr(request, pk, "png")


@extend_schema(
    operation_id="invitation_qr_svg",
    summary="The invitation's QR code as SVG",
    responses=responses({(200, "image/svg+xml"): OpenApiTypes.STR}),
)
@api_view(["GET"])
@renderer_classes([SVGRenderer, renderers.JSONRenderer])
@permission_classes([CanInvite])
def invitation_qr_svg(request: Request, pk: int) -> HttpResponse:
    return _qr(request, pk, "svg")
