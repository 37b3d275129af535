from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from api import errors
from api.views import comparisons, invitations, reads, webhooks

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", webhooks.docs, name="docs"),
    path("v1/token/", reads.token_info, name="token"),
    path("v1/invitations/", invitations.invitations, name="invitations"),
    path(
        "v1/invitations/batch/", invitations.invitation_batch, name="invitation-batch"
    ),
    path("v1/invitations/<int:pk>/", invitations.invitation_detail, name="invitation"),
    path(
        "v1/invitations/<int:pk>/qr.png",
        invitations.invitation_qr_png,
        name="invitation-qr-png",
    ),
    path(
        "v1/invitations/<int:pk>/qr.svg",
        invitations.invitation_qr_svg,
        name="invitation-qr-svg",
    ),
    path("v1/indices/", reads.indices, name="indices"),
    path("v1/comparisons/", comparisons.comparisons, name="comparisons"),
    path("v1/comments/", reads.comments, name="comments"),
    path("v1/webhooks/", webhooks.webhook_list, name="webhooks"),
    path("v1/webhooks/<int:pk>/", webhooks.webhook_detail, name="webhook"),
    re_path(r"^.*$", errors.not_found),
]
