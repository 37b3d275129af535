"""Admin for invitations (issue one, upload a CSV) and the QR poster actions.

An issued link is shown once — on the page that created it, or in the CSV of
links returned by an upload — because only its hash is stored. Invitations are
read-only afterwards; staff see those of the agencies in their scope and can find
one by typing its dossier code in the search box (the code is hashed and matched).
"""

from __future__ import annotations

import datetime

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, ServicePoint
from invitations import files, posters, services
from invitations.forms import InvitationForm, InvitationUploadForm
from invitations.models import Invitation
from staff.scope import visible_agencies


class StatusFilter(admin.SimpleListFilter):
    title = _("trạng thái")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            ("open", _("Chưa dùng")),
            ("used", _("Đã dùng")),
            ("expired", _("Hết hạn, chưa dùng")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "open":
            return queryset.filter(used_at__isnull=True, expires_at__gt=now)
        if self.value() == "used":
            return queryset.filter(used_at__isnull=False)
        if self.value() == "expired":
            return queryset.filter(used_at__isnull=True, expires_at__lte=now)
        return queryset


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "agency",
        "procedure_code",
        "questionnaire_code",
        "created_at",
        "expires_at",
        "status",
    ]
    list_filter = [StatusFilter, "questionnaire_code"]
    list_select_related = ["agency", "procedure"]
    search_fields = ["agency__code"]
    search_help_text = _("Tìm theo mã cơ quan, hoặc gõ đúng mã hồ sơ.")
    date_hierarchy = "created_at"
    readonly_fields = [
        "agency",
        "service_point",
        "procedure",
        "questionnaire_code",
        "created_at",
        "expires_at",
        "used_at",
        "response",
    ]
    fields = readonly_fields
    change_list_template = "invitations/admin_change_list.html"
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[Invitation]:
        return (
            super()
            .get_queryset(request)
            .filter(agency__in=visible_agencies(request.user))
        )

    def get_search_results(self, request, queryset, search_term):
        results, duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            # The dossier code itself is never stored: hash what was typed.
            digest = services.dossier_hash(term)
            results = results | queryset.filter(dossier_hash=digest)
        return results, duplicates

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # read-only: what was sent cannot be changed

    @admin.display(description=_("thủ tục"), ordering="procedure__code")
    def procedure_code(self, invitation: Invitation) -> str:
        return invitation.procedure.code if invitation.procedure else "—"

    @admin.display(description=_("trạng thái"))
    def status(self, invitation: Invitation) -> str:
        if invitation.is_used:
            return gettext("Đã dùng")
        if invitation.is_expired:
            return gettext("Hết hạn")
        return gettext("Chưa dùng")

    def get_urls(self):
        return [
            path(
                "upload/",
                self.admin_site.admin_view(self.upload_view),
                name="invitations_invitation_upload",
            ),
            path(
                "template.csv",
                self.admin_site.admin_view(self.template_view),
                name="invitations_invitation_template",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request: HttpRequest, form_url="", extra_context=None):
        """Issue one invitation and show its link once (no redirect: the token
        cannot be recovered later, so it is rendered in the POST's answer)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        agencies = visible_agencies(request.user)
        form = InvitationForm(request.POST or None, agencies=agencies)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                issued = services.create_invitation(
                    dossier_code=data["dossier_code"],
                    agency=data["agency"],
                    procedure=data["procedure"],
                    service_point=data["service_point"],
                    expires_days=data["expires_days"],
                )
            except ValidationError as exc:
                form.add_error("dossier_code", exc)
            else:
                return render(
                    request,
                    "invitations/admin_created.html",
                    {
                        **self._context(request, gettext("Lời mời đã được tạo")),
                        "issued": issued,
                        "qr_svg": mark_safe(  # generated by segno from our own URL
                            posters.qr_svg(issued.url).decode()
                        ),
                    },
                )
        return render(
            request,
            "invitations/admin_form.html",
            {
                **self._context(request, gettext("Tạo lời mời khảo sát")),
                "form": form,
                "media": self.media + form.media,
                "upload": False,
            },
        )

    def template_view(self, request: HttpRequest) -> HttpResponse:
        """The CSV to fill in: Vietnamese headers, ";" (a Vietnamese Excel)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        response = HttpResponse(
            files.template_csv(), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="sipas-mau-loi-moi.csv"'
        return response

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        """Issue invitations from a CSV, all or nothing; reply with the links CSV."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = InvitationUploadForm(request.POST or None, request.FILES or None)
        file_errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                # Streamed from the upload (spooled to disk past 2.5 MB).
                requests = files.parse_invitation_csv(
                    upload.file,
                    filename=upload.name,
                    allowed_agencies=visible_agencies(request.user),
                )
                issued = services.create_invitations(
                    requests, expires_days=form.cleaned_data["expires_days"]
                )
            except files.InvitationFileError as exc:
                file_errors = exc.errors
            except ValidationError as exc:
                file_errors = exc.messages
            else:
                stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
                response = HttpResponse(
                    files.links_csv(issued), content_type="text/csv; charset=utf-8"
                )
                response["Content-Disposition"] = (
                    f'attachment; filename="invitation-links-{stamp}.csv"'
                )
                return response
        return render(
            request,
            "invitations/admin_form.html",
            {
                **self._context(request, gettext("Tạo lời mời từ tệp CSV")),
                "form": form,
                "media": self.media + form.media,
                "upload": True,
                "file_errors": file_errors,
            },
            status=400 if file_errors else 200,
        )

    def _context(self, request: HttpRequest, title: str) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "changelist_url": reverse("admin:invitations_invitation_changelist"),
        }


# --- QR poster actions on the agency and service point admins -----------------


@admin.action(description=_("Tải áp phích mã QR (PDF)"))
def download_posters(modeladmin, request: HttpRequest, queryset: QuerySet):
    """One A4 page per selected agency or service point in the user's scope."""
    visible = visible_agencies(request.user)
    if queryset.model is ServicePoint:
        queryset = queryset.filter(agency__in=visible).select_related("agency")
    else:
        queryset = queryset.filter(pk__in=visible)
    targets = list(posters.targets_for(queryset.order_by("code")))
    if not targets:
        modeladmin.message_user(
            request,
            gettext("Không có mục nào trong phạm vi của bạn."),
            messages.WARNING,
        )
        return None
    body = posters.poster_pdf(targets, title="SIPAS – QR")
    response = HttpResponse(body, content_type="application/pdf")
    stamp = datetime.date.today().isoformat()
    response["Content-Disposition"] = f'attachment; filename="sipas-qr-{stamp}.pdf"'
    return response


def add_poster_actions(site: admin.AdminSite = admin.site) -> None:
    """Add `download_posters` to the Agency and ServicePoint admins (agencies app),
    without editing them: called from InvitationsConfig.ready(), once every admin
    module is loaded. Idempotent; does nothing for a model that is not registered."""
    for model in (Agency, ServicePoint):
        model_admin = site._registry.get(model)
        if model_admin is None:
            continue
        actions = list(model_admin.actions or [])
        if download_posters not in actions:
            model_admin.actions = [*actions, download_posters]
