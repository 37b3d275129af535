"""Administration of units, agencies, service points and procedures.

Built for staff who are not programmers: Vietnamese labels, search by code or by
name with or without diacritics ("ha noi" finds "Hà Nội"), filters by province,
kind, validity and by "active in a period", and navigation along the agency tree
(parent, children, whole subtree, ancestors in the breadcrumbs). Foreign keys to
the 3,321 communes and their ~7,000 agencies use autocomplete widgets and the
change lists select their related rows in the same query, so pages stay fast.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.admin_filters import (
    ActiveInPeriodFilter,
    ParentFilter,
    ProcedureProvinceFilter,
    ProvinceFilter,
    ServicePointProvinceFilter,
    SubtreeFilter,
    ValidityFilter,
)
from agencies.models import AdministrativeUnit, Agency, Procedure, ServicePoint
from agencies.text import fold

# --- Search ------------------------------------------------------------------------


class FoldedSearchMixin:
    """Let the admin search find names typed without Vietnamese diacritics.

    Django's own search (`search_fields`) matches codes and names as typed; this adds
    every row whose `name_folded` contains each word of the folded search term, so
    "ha noi", "Ha Noi" and "HÀ NỘI" all find "Hà Nội". Autocomplete widgets go
    through the same method, so they fold too.
    """

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        results, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        words = fold(search_term).split()
        if words:
            folded = Q()
            for word in words:
                folded &= Q(name_folded__contains=word)
            results = results | queryset.filter(folded)
        return results, may_have_duplicates


# --- Model admins ------------------------------------------------------------------


def _changelist_url(model, **params: object) -> str:
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(FoldedSearchMixin, admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "level",
        "division_type",
        "province_code",
        "parent",
        "valid_from",
        "valid_until",
        "successor",
    ]
    list_display_links = ["code", "name"]
    # Short filters first: the province list is long.
    list_filter = [
        ValidityFilter,
        ActiveInPeriodFilter,
        "level",
        ProvinceFilter,
    ]
    list_select_related = ["parent", "successor"]
    search_fields = ["code", "name"]
    search_help_text = _("Tìm theo mã hoặc tên, có dấu hoặc không dấu (vd: ha noi).")
    autocomplete_fields = ["parent", "successor"]
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["code", "name", "level", "division_type"]}),
        (
            _("Vị trí và hiệu lực"),
            {
                "fields": [
                    "parent",
                    "province_code",
                    "valid_from",
                    "valid_until",
                    "successor",
                ]
            },
        ),
    ]


@admin.register(Agency)
class AgencyAdmin(FoldedSearchMixin, admin.ModelAdmin):
    list_display = [
        "code",
        "tree_name",
        "kind",
        "parent_link",
        "children_link",
        "subtree_link",
        "province_code",
        "valid_until",
    ]
    list_display_links = ["code", "tree_name"]
    # Tree order: each agency right under its parent (paths share their prefix).
    ordering = ["path", "code"]
    list_filter = [
        ValidityFilter,
        ActiveInPeriodFilter,
        "kind",
        ProvinceFilter,
        SubtreeFilter,
        ParentFilter,
    ]
    list_select_related = ["parent"]
    search_fields = ["code", "name"]
    search_help_text = _("Tìm theo mã hoặc tên, có dấu hoặc không dấu (vd: hung yen).")
    autocomplete_fields = ["parent", "unit", "successor"]
    readonly_fields = ["tree_links"]
    list_per_page = 50
    change_form_template = "admin/agencies/agency/change_form.html"
    fieldsets = [
        (None, {"fields": ["code", "name", "name_en", "kind"]}),
        (
            _("Vị trí trong cây cơ quan"),
            {"fields": ["parent", "tree_links", "unit", "province_code"]},
        ),
        (_("Hiệu lực"), {"fields": ["valid_from", "valid_until", "successor"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # One correlated count per row instead of a query per row in the list.
        children = (
            Agency.objects.filter(parent=OuterRef("pk"))
            .order_by()
            .values("parent")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                children_count=Coalesce(
                    Subquery(children, output_field=IntegerField()), 0
                )
            )
        )

    @admin.display(description=_("tên (theo cây)"), ordering="path")
    def tree_name(self, agency: Agency) -> str:
        """The name indented by its depth in the tree (CSS classes: the
        Content-Security-Policy forbids style attributes), "└" under a parent."""
        depth = max(agency.path.count("/") - 2, 0)
        if not depth:
            return format_html('<span class="tree-name">{}</span>', agency.name)
        return format_html(
            '<span class="tree-name tree-depth-{}"><span class="tree-branch"'
            ' aria-hidden="true">└ </span>{}</span>',
            min(depth, 4),
            agency.name,
        )

    @admin.display(description=_("cơ quan cấp trên"), ordering="parent__code")
    def parent_link(self, agency: Agency) -> str:
        if not agency.parent_id:
            return "—"
        url = reverse("admin:agencies_agency_change", args=[agency.parent_id])
        return format_html('<a href="{}">{}</a>', url, agency.parent.code)

    @admin.display(description=_("trực thuộc"), ordering="children_count")
    def children_link(self, agency: Agency) -> str:
        count = getattr(agency, "children_count", None)
        if count is None:
            count = agency.children.count()
        if not count:
            return "0"
        return format_html(
            '<a href="{}">{}</a>', _changelist_url(Agency, parent=agency.pk), count
        )

    @admin.display(description=_("cả nhánh"))
    def subtree_link(self, agency: Agency) -> str:
        if not getattr(agency, "children_count", 0):
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            _changelist_url(Agency, subtree=agency.pk),
            gettext("Xem nhánh"),
        )

    @admin.display(description=_("cây cơ quan"))
    def tree_links(self, agency: Agency) -> str:
        if not agency.pk:
            return "—"
        count = agency.children.count()
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            _changelist_url(Agency, parent=agency.pk),
            gettext("%(count)s cơ quan trực thuộc trực tiếp") % {"count": count},
            _changelist_url(Agency, subtree=agency.pk),
            gettext("toàn bộ nhánh"),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        extra_context["ancestors"] = self.ancestors(object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    @staticmethod
    def ancestors(object_id: str) -> list[Agency]:
        """The agencies above this one, root first, in one query (from its path)."""
        if not (object_id.isascii() and object_id.isdigit()):
            return []  # "abc" or "²": the admin itself says it does not exist
        agency = Agency.objects.filter(pk=object_id).only("path").first()
        if agency is None:
            return []
        ids = [int(part) for part in agency.path.strip("/").split("/") if part][:-1]
        by_id = Agency.objects.only("code", "name").in_bulk(ids)
        return [by_id[pk] for pk in ids if pk in by_id]


@admin.register(ServicePoint)
class ServicePointAdmin(FoldedSearchMixin, admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "agency",
        "questionnaire_code",
        "kiosk",
        "valid_until",
        "poster_link",
    ]
    list_display_links = ["code", "name"]
    list_filter = [
        ValidityFilter,
        ActiveInPeriodFilter,
        "kind",
        "kiosk",
        ServicePointProvinceFilter,
    ]
    list_select_related = ["agency"]
    search_fields = ["code", "name", "agency__code"]
    search_help_text = _("Tìm theo mã, tên điểm phục vụ hoặc mã cơ quan.")
    autocomplete_fields = ["agency"]
    list_per_page = 50

    @admin.display(description=_("áp phích QR"))
    def poster_link(self, point: ServicePoint) -> str:
        """The point's QR poster (PDF, /posters/, scope checked there); by URL
        name, as the posters live in a higher app (invitations)."""
        url = reverse("posters:poster", kwargs={"code": point.code, "fmt": "pdf"})
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            url,
            gettext("In mã QR"),
        )


@admin.register(Procedure)
class ProcedureAdmin(FoldedSearchMixin, admin.ModelAdmin):
    list_display = ["code", "short_name", "field", "levels", "valid_until"]
    list_display_links = ["code", "short_name"]
    list_filter = [
        ValidityFilter,
        ActiveInPeriodFilter,
        ProcedureProvinceFilter,
        "field",
    ]
    search_fields = ["code", "name", "field"]
    search_help_text = _(
        "Tìm theo mã TTHC, tên thủ tục hoặc lĩnh vực, có dấu hoặc không dấu."
    )
    autocomplete_fields = ["agencies", "service_points"]
    list_per_page = 50

    @admin.display(description=_("tên thủ tục"), ordering="name")
    def short_name(self, procedure: Procedure) -> str:
        name = procedure.name
        return name if len(name) <= 120 else name[:117] + "…"
