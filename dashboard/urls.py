from django.urls import path

from dashboard import comment_views, views

app_name = "dashboard"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("ranking/", views.ranking, name="ranking"),
    path("method/", views.method, name="method"),
    path("agency/<str:code>/", views.agency, name="agency"),
    path("agencies.json", views.agency_search, name="agency_search"),
    path("comments/", comment_views.comments, name="comments"),
    path(
        "comments/<uuid:pk>/review/",
        comment_views.review_comment,
        name="review_comment",
    ),
    path("comments/bulk/", comment_views.bulk_review, name="bulk_review"),
    path("sample/", views.sample, name="sample"),
    path("sample/volume/", views.record_volume, name="record_volume"),
    path("sample/volumes/import/", views.import_volumes, name="import_volumes"),
    path("responses.csv", views.raw_responses, name="raw_responses"),
    path("report/", views.start_report, name="start_report"),
    path("report/<uuid:pk>/", views.report, name="report"),
    path("report/<uuid:pk>/status/", views.report_status, name="report_status"),
    path("report/<uuid:pk>/download/", views.report_download, name="report_download"),
]
