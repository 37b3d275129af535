"""The list filters of the agencies admin (agencies/admin.py): by province, by
validity, by "active in a period" and along the agency tree (parent, subtree)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.models import AdministrativeUnit, Agency, Procedure
from sipas.periods import parse_day_range

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
