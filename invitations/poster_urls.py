"""Staff-only poster downloads, mounted at /posters/ (dashboards own /dashboard/)."""

from django.urls import path, re_path

from invitations import views

app_name = "posters"
urlpatterns = [
    path("", views.poster_index, name="index"),
    re_path(
        r"^province/(?P<province_code>[0-9]{2})\.pdf$",
        views.province_posters,
        name="province",
    ),
    re_path(r"^(?P<code>[^/]+)\.(?P<fmt>pdf|svg|png)$", views.poster, name="poster"),
]
