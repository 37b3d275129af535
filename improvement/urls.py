from django.urls import path

from improvement import alert_views, views

app_name = "improvement"
urlpatterns = [
    path("drivers/", views.drivers_home, name="drivers_home"),
    path("drivers/<str:code>/", views.drivers, name="drivers"),
    path("actions/", views.actions, name="actions"),
    path("effects/", views.effects, name="effects"),
    path("alerts/", alert_views.alerts, name="alerts"),
    path("alerts/digest/", alert_views.digest_preference, name="digest_preference"),
    path(
        "alerts/<int:alert_id>/status/", alert_views.alert_status, name="alert_status"
    ),
    path("targets/", alert_views.targets, name="targets"),
    path(
        "report/", alert_views.start_provincial_report, name="start_provincial_report"
    ),
    path(
        "report/<uuid:report_id>/",
        alert_views.provincial_report,
        name="provincial_report",
    ),
    path(
        "report/<uuid:report_id>/status/",
        alert_views.provincial_report_status,
        name="provincial_report_status",
    ),
    path(
        "report/<uuid:report_id>/<str:file_format>/",
        alert_views.provincial_report_file,
        name="provincial_report_file",
    ),
    path(
        "targets/<int:target_id>/delete/",
        alert_views.target_delete,
        name="target_delete",
    ),
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
