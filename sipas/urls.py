from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from sipas.accounts import password_reset
from sipas.health import healthz
from sipas.metrics import metrics

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # Before Django's own: the reset form sends mail, so it is throttled.
    path("accounts/password_reset/", password_reset, name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("dashboard/improvement/", include("improvement.urls")),
    path("dashboard/", include("dashboard.urls")),
    # Before the surveys include, so /s/i/<token>/ is an invitation, not a code "i".
    path("s/i/", include("invitations.urls")),
    path("posters/", include("invitations.poster_urls")),
    path("api/", include("api.urls")),
    path("paper/", include("api.paper_urls")),
    path("openrosa/", include("api.openrosa_urls")),
    path("", include("surveys.urls")),
]

# A lost database outside a view still gets the Vietnamese 503 page, never a trace.
handler500 = "sipas.middleware.server_error"

admin.site.site_header = "SIPAS"
admin.site.site_title = "SIPAS"
if settings.DEBUG:
    from django.urls import re_path
    from django.views.static import serve

    # Development only; MEDIA_ROOT/private/ (action evidence) is served by its
    # scope-checked view, never here.
    urlpatterns += [
        re_path(
            r"^media/(?!private/)(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]
