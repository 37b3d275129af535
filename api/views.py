"""The REST API under /api/v1/: invitations, indices, comments, webhooks.

Function views, each: permission (the token's scope) → validated input →
service or query → JSON. Everything is limited to the token's agency subtree.
"""

from __future__ import annotations

from django.core.paginator import EmptyPage, Paginator
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import renderers, serializers, status
from rest_framework.decorators import api_view, permission_classes, renderer_classes
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api import serializers as s
from api import services, webhooks
from api.auth import CanInvite, CanReadComments, CanReadIndices, HasToken
from api.models import InvitationDelivery, WebhookSubscription
from invitations import posters
from invitations.models import Invitation
from reports.indices import DEFAULT_METHODOLOGY, METHODOLOGIES
from reports.management.commands.export_indices import as_object, published
from sipas.periods import local_tz, parse_period
from surveys.models import Response as SurveyResponse

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


class IndexQuery(PageQuery):
    period = serializers.CharField(max_length=7, help_text="2026, 2026-Q3 or 2026-07")
    agency = serializers.CharField(max_length=32, required=False)
    questionnaire = serializers.CharField(max_length=20, required=False)
    scope = serializers.ChoiceField(choices=["own", "subtree"], required=False)
    kind = serializers.ChoiceField(
        choices=[
            "item",
            "element",
            "aspect",
            "sipas",
            "overall",
            "share",
            "expectation",
        ],
        required=False,
    )
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


class InvitationQuery(PageQuery):
    dossier_code = serializers.CharField(max_length=200, required=False)
    agency = serializers.CharField(max_length=32, required=False)
    status = serializers.ChoiceField(choices=s.INVITATION_STATUSES, required=False)


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


# --- Invitations -------------------------------------------------------------------


def invitation_data(request: Request, invitation: Invitation) -> dict:
    link = services.link_of(invitation)
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
    link = services.link_of(invitation)
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


# --- Webhooks ----------------------------------------------------------------------

EVENT_PERMISSION = {
    WebhookSubscription.Event.INVITATION_ANSWERED: "can_invite",
    WebhookSubscription.Event.RESPONSE_CREATED: "can_read_indices",
    WebhookSubscription.Event.COMMENT_CREATED: "can_read_comments",
}


def webhook_data(subscription: WebhookSubscription) -> dict:
    return {
        "id": subscription.pk,
        "url": subscription.url,
        "events": subscription.events,
        "active": subscription.active,
        "consecutive_failures": subscription.consecutive_failures,
        "created_at": subscription.created_at,
    }


@extend_schema(
    methods=["GET"],
    operation_id="webhook_list",
    summary="The calling token's webhook subscriptions",
    responses=responses({200: s.WebhookSerializer(many=True)}),
)
@extend_schema(
    methods=["POST"],
    operation_id="webhook_create",
    summary="Subscribe a URL to events; the signing secret is shown once",
    request=s.WebhookInSerializer,
    responses=responses({201: s.NewWebhookSerializer}),
)
@api_view(["GET", "POST"])
@permission_classes([HasToken])
def webhook_list(request: Request) -> Response:
    token = request.auth
    if request.method == "GET":
        return Response([webhook_data(w) for w in token.webhooks.order_by("pk")])
    data = s.WebhookInSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    events = data.validated_data["events"]
    refused = [e for e in events if not getattr(token, EVENT_PERMISSION[e])]
    if refused:
        raise ValidationError(
            {
                "events": [
                    _("Mã truy cập này không có quyền nhận sự kiện %(event)s.")
                    % {"event": e}
                    for e in refused
                ]
            },
            code="event_not_allowed",
        )
    subscription = webhooks.create_subscription(
        token=token, url=data.validated_data["url"], events=events
    )
    body = {**webhook_data(subscription), "secret": subscription.secret}
    return Response(body, status=status.HTTP_201_CREATED)


@extend_schema(
    operation_id="webhook_delete",
    summary="Remove one of the calling token's webhook subscriptions",
    responses=responses({204: None}),
)
@api_view(["DELETE"])
@permission_classes([HasToken])
def webhook_detail(request: Request, pk: int) -> Response:
    subscription = get_object_or_404(request.auth.webhooks, pk=pk)
    subscription.delete()
    return Response(status=status.HTTP_204_NO_CONTENT)


# --- Documentation page ------------------------------------------------------------

# ReDoc injects its styles and runs its search in a blob: worker; this page alone
# allows that. Everything is still loaded from this site.
DOCS_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
    ]
)


def docs(request: HttpRequest) -> HttpResponse:
    """The browsable API documentation (ReDoc over /api/schema/), public."""
    response = render(request, "api/docs.html")
    response["Content-Security-Policy"] = DOCS_CSP
    return response
