"""Administration of units, agencies, service points and procedures.

Built for staff who are not programmers: Vietnamese labels, search by code or by
name with or without diacritics ("ha noi" finds "Hà Nội"), filters by province,
kind, validity and by "active in a period", and navigation along the agency tree
(parent, children, whole subtree, ancestors in the breadcrumbs). Foreign keys to
the 3,321 communes and their ~7,000 agencies use autocomplete widgets and the
change lists select their related rows in the same query, so pages stay fast.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib import admin, messages
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.models import AdministrativeUnit, Agency, Procedure, ServicePoint
from agencies.text import fold
from sipas.periods import parse_day_range

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


# --- Filters -----------------------------------------------------------------------


def province_choices() -> list[tuple[str, str]]:
    """(code, "33 – Hưng Yên") for current and pre-2025 provinces, current first."""
    provinces = AdministrativeUnit.objects.filter(
        level=AdministrativeUnit.Level.PROVINCE
    ).order_by("valid_until", "code")
    choices = []
    for unit in provinces.only("code", "name", "valid_until"):
        label = f"{unit.code} – {unit.name}"
        if unit.valid_until:
            label = gettext("%(label)s (trước %(year)s)") % {
                "label": label,
                "year": unit.valid_until.year + 1,
            }
        choices.append((unit.code, label))
    return choices


class ProvinceFilter(admin.SimpleListFilter):
    """Rows of one province, chosen by name; `field` is the lookup to its code."""

    title = _("tỉnh/thành phố")
    parameter_name = "province"
    field = "province_code"

    def lookups(self, request, model_admin) -> list[tuple[str, str]]:
        return province_choices()

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value():
            return queryset.filter(**{self.field: self.value()})
        return queryset


class ServicePointProvinceFilter(ProvinceFilter):
    field = "agency__province_code"


class ProcedureProvinceFilter(ProvinceFilter):
    """Procedures handled by at least one agency of the province."""

    field = "agencies__province_code"

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value():
            return queryset.filter(
                pk__in=Procedure.objects.filter(
                    agencies__province_code=self.value()
                ).values("pk")
            )
        return queryset


class ValidityFilter(admin.SimpleListFilter):
    """Still valid today, ended (pre-2025 units and agencies), or not yet valid."""

    title = _("hiệu lực")
    parameter_name = "validity"

    def lookups(self, request, model_admin) -> list[tuple[str, str]]:
        return [
            ("active", _("Đang hiệu lực")),
            ("ended", _("Đã hết hiệu lực")),
            ("future", _("Chưa có hiệu lực")),
        ]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        today = datetime.date.today()
        if self.value() == "active":
            return queryset.active(today)
        if self.value() == "ended":
            return queryset.filter(valid_until__lt=today)
        if self.value() == "future":
            return queryset.filter(valid_from__gt=today)
        return queryset


class ActiveInPeriodFilter(admin.SimpleListFilter):
    """Rows valid on at least one day of a period (ValidityQuerySet.active_in).

    Offers a few common periods as links and a box to type any period; a period
    that cannot be read leaves the list unfiltered and says why.
    """

    title = _("hoạt động trong kỳ")
    parameter_name = "active_in"
    template = "admin/agencies/period_filter.html"

    def lookups(self, request, model_admin) -> list[tuple[str, str]]:
        today = datetime.date.today()
        quarter = (today.month - 1) // 3 + 1
        return [
            (f"{today.year}", _("Năm nay")),
            (f"{today.year}-Q{quarter}", _("Quý này")),
            (f"{today.year - 1}", _("Năm trước")),
            ("..2025-06-30", _("Trước sáp nhập (đến 30/6/2025)")),
        ]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if not self.value():
            return queryset
        try:
            start, end = parse_day_range(self.value())
        except ValueError:
            messages.error(
                request,
                gettext(
                    "Không đọc được kỳ “%(value)s”. Hãy nhập năm (2026), quý "
                    "(2026-Q3), tháng (2026-07) hoặc khoảng ngày "
                    "(2026-01-01..2026-03-31)."
                )
                % {"value": self.value()},
            )
            return queryset
        return queryset.active_in(start, end)

    def choices(self, changelist) -> Iterable[dict]:
        # The template's free-text box must resend every other active filter.
        self.hidden_params = [
            (name, value)
            for name, value in changelist.params.items()
            if name != self.parameter_name
        ]
        yield from super().choices(changelist)


class AgencyNodeFilter(admin.SimpleListFilter):
    """Pick an agency by id: the provinces' roots are offered, the current pick too."""

    def lookups(self, request, model_admin) -> list[tuple[str, str]]:
        roots = Agency.objects.filter(kind=Agency.Kind.PEOPLES_COMMITTEE_PROVINCE).only(
            "code", "name"
        )
        choices = [(str(agency.pk), str(agency)) for agency in roots]
        value = request.GET.get(self.parameter_name)
        if value and value.isdigit() and value not in {c[0] for c in choices}:
            chosen = Agency.objects.filter(pk=value).only("code", "name").first()
            if chosen:
                choices.insert(0, (value, str(chosen)))
        return choices

    def chosen(self) -> Agency | None:
        value = self.value()
        if not value or not value.isdigit():
            return None
        return Agency.objects.filter(pk=value).only("path").first()


class ParentFilter(AgencyNodeFilter):
    """Direct children of one agency (one level down the tree)."""

    title = _("trực thuộc trực tiếp")
    parameter_name = "parent"

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value():
            parent = self.chosen()
            return queryset.filter(parent=parent) if parent else queryset.none()
        return queryset


class SubtreeFilter(AgencyNodeFilter):
    """An agency and every agency under it (materialised path prefix)."""

    title = _("thuộc nhánh")
    parameter_name = "subtree"

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value():
            root = self.chosen()
            if root is None:
                return queryset.none()
            return queryset.filter(path__startswith=root.path)
        return queryset


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
        "name",
        "kind",
        "parent_link",
        "children_link",
        "subtree_link",
        "province_code",
        "valid_until",
    ]
    list_display_links = ["code", "name"]
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
