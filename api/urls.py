from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from api import errors, views

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", views.docs, name="docs"),
    path("v1/token/", views.token_info, name="token"),
    path("v1/invitations/", views.invitations, name="invitations"),
    path("v1/invitations/batch/", views.invitation_batch, name="invitation-batch"),
    path("v1/invitations/<int:pk>/", views.invitation_detail, name="invitation"),
    path(
        "v1/invitations/<int:pk>/qr.png",
        views.invitation_qr_png,
        name="invitation-qr-png",
    ),
    path(
        "v1/invitations/<int:pk>/qr.svg",
        views.invitation_qr_svg,
        name="invitation-qr-svg",
    ),
    path("v1/indices/", views.indices, name="indices"),
    path("v1/comments/", views.comments, name="comments"),
    path("v1/webhooks/", views.webhook_list, name="webhooks"),
    path("v1/webhooks/<int:pk>/", views.webhook_detail, name="webhook"),
    re_path(r"^.*$", errors.not_found),
]
