"""The admin as a workplace (issue 17, item 8): a home page that starts with the
tasks staff come for, then the sections in the order they use them, with
security and accounts last, every section named in the interface language.

Installed in place of `django.contrib.admin` (INSTALLED_APPS names
`SipasAdminConfig`), so `admin.site` everywhere is this site. It imports no app:
the tasks are URLs reversed by name and permissions checked by their codes.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# Sections in the order staff use them; anything not named comes after these.
APP_ORDER = (
    "agencies",
    "staff",
    "invitations",
    "surveys",
    "dashboard",
    "improvement",
    "reports",
    "api",
    "auth",
    "audit",
    "axes",
)

# Third-party sections ship English names only (django-axes has no Vietnamese);
# renaming them here, for display, leaves their models and migrations alone.
DISPLAY_NAMES = {
    "axes": _("Bảo vệ đăng nhập"),
    "axes.accessattempt": _("Lần đăng nhập sai đang bị đếm"),
    "axes.accesslog": _("Nhật ký đăng nhập"),
    "axes.accessfailurelog": _("Lần đăng nhập thất bại"),
}

# (title, what it does, URL name, permissions needed — all of them; None: a staff
# profile, which is what the poster pages ask for)
TASKS = (
    (
        _("In mã QR"),
        _("Áp phích mã QR của cơ quan và điểm phục vụ, để in và dán tại quầy."),
        "posters:index",
        None,
    ),
    (
        _("Gửi lời mời"),
        _("Tạo đường dẫn khảo sát một lần cho từng hồ sơ, từ tệp CSV hoặc từng hồ sơ."),
        "admin:invitations_invitation_upload",
        ("invitations.add_invitation",),
    ),
    (
        _("Thêm cán bộ"),
        _("Tài khoản, vai trò và cơ quan của một cán bộ, trong một biểu mẫu."),
        "admin:staff_staffprofile_add",
        ("staff.add_staffprofile", "auth.add_user"),
    ),
)


class SipasAdminSite(admin.AdminSite):
    site_header = "SIPAS"
    site_title = "SIPAS"
    index_title = _("Trang chủ quản trị")  # Django's vi reads "Site quản trị hệ thống."
    index_template = "admin/sipas_index.html"

    def get_app_list(self, request: HttpRequest, app_label: str | None = None):
        apps = super().get_app_list(request, app_label)
        for app in apps:
            label = app["app_label"]
            app["name"] = DISPLAY_NAMES.get(label, app["name"])
            for model in app["models"]:
                key = f"{label}.{model['object_name'].lower()}"
                model["name"] = DISPLAY_NAMES.get(key, model["name"])
        rank = {label: position for position, label in enumerate(APP_ORDER)}
        return sorted(apps, key=lambda app: rank.get(app["app_label"], len(rank)))

    def index(self, request: HttpRequest, extra_context: dict | None = None):
        context = {**(extra_context or {}), "tasks": self.tasks(request)}
        return super().index(request, context)

    @staticmethod
    def tasks(request: HttpRequest) -> list[dict]:
        """The tasks this person may do, as (title, text, url) dicts."""
        found = []
        for title, text, name, permissions in TASKS:
            user = request.user
            if permissions is None:
                # (a superuser without one acts as an administrator: staff.scope)
                allowed = user.is_superuser or hasattr(user, "staff_profile")
            else:
                allowed = user.has_perms(permissions)
            if not allowed:
                continue
            try:
                url = reverse(name)
            except NoReverseMatch:  # a deployment without that part
                continue
            found.append({"title": title, "text": text, "url": url})
        return found


class SipasAdminConfig(AdminConfig):
    default_site = "sipas.admin_site.SipasAdminSite"
