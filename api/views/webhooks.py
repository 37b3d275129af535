"""Webhook subscriptions of the calling token, and the public documentation page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api import serializers as s
from api import webhooks
from api.auth import HasToken
from api.models import WebhookSubscription
from api.views.common import (
    responses,
)

# --- Webhooks ----------------------------------------------------------------------

EVENT_PERMISSION = {
    WebhookSubscription.Event.INVITATION_ANSWERED: "can_invite",
    WebhookSubscription.Event.RESPONSE_CREATED: "can_read_indices",
    WebhookSubscription.Event.COMMENT_CREATED: "can_read_comments",
    WebhookSubscription.Event.ALERT_RAISED: "can_read_indices",
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
