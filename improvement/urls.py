from django.urls import path

from improvement import views

app_name = "improvement"
urlpatterns = [
    path("drivers/", views.drivers_home, name="drivers_home"),
    path("drivers/<str:code>/", views.drivers, name="drivers"),
    path("actions/", views.actions, name="actions"),
    path("actions/new/", views.action_new, name="action_new"),
    path("actions/<int:action_id>/", views.action, name="action"),
    path("actions/<int:action_id>/edit/", views.action_edit, name="action_edit"),
    path("actions/<int:action_id>/status/", views.action_status, name="action_status"),
    path("actions/<int:action_id>/notes/", views.action_note, name="action_note"),
    path(
        "actions/<int:action_id>/evidence/",
        views.action_evidence,
        name="action_evidence",
    ),
    path(
        "actions/<int:action_id>/evidence/<int:evidence_id>/",
        views.evidence_download,
        name="evidence_download",
    ),
]
