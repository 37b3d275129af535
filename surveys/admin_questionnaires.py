"""Administration of questionnaires, their versions and items.

A published version (published_at set) is immutable: responses are pinned to it.
The admin shows such a version and its items read-only (Django's view-only page),
refuses changes and deletion, and offers to copy it into a new draft version,
which is the way to change a questionnaire. Drafts are edited freely and published
with an action.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, IntegerField, Max, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from surveys.models import Item, Questionnaire, QuestionnaireVersion, Response


class PublishedFilter(admin.SimpleListFilter):
    title = _("trạng thái")
    parameter_name = "published"

    def lookups(self, request, model_admin) -> list[tuple[str, str]]:
        return [("yes", _("Đã công bố")), ("no", _("Bản nháp"))]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        field = (
            "published_at"
            if queryset.model is QuestionnaireVersion
            else "version__published_at"
        )
        if self.value() == "yes":
            return queryset.filter(**{f"{field}__isnull": False})
        if self.value() == "no":
            return queryset.filter(**{f"{field}__isnull": True})
        return queryset


def _count_of(model) -> Coalesce:
    """Number of `model` rows whose `version` is the outer row."""
    rows = (
        model.objects.filter(version=OuterRef("pk"))
        .order_by()
        .values("version")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _is_published(version: QuestionnaireVersion | None) -> bool:
    return version is not None and version.published_at is not None


class VersionInline(admin.TabularInline):
    """The versions of a questionnaire, listed; each is edited on its own page."""

    model = QuestionnaireVersion
    fields = ["number", "title", "published_at"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "methodology", "version_count"]
    list_display_links = ["code", "name"]
    search_fields = ["code", "name", "name_en"]
    list_filter = ["methodology"]
    inlines = [VersionInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(version_count=Count("versions"))

    @admin.display(description=_("số phiên bản"), ordering="version_count")
    def version_count(self, questionnaire: Questionnaire) -> int:
        return questionnaire.version_count

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        # The code is what forms, exports and QR codes refer to: fixed once in use.
        if obj is not None and obj.versions.filter(published_at__isnull=False).exists():
            return ["code", "methodology"]
        return []

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.versions.filter(published_at__isnull=False).exists():
            return False
        return super().has_delete_permission(request, obj)


class ItemInline(admin.TabularInline):
    """Items of a version; read-only (no add, change, delete) once it is published."""

    model = Item
    fields = [
        "position",
        "code",
        "kind",
        "element",
        "aspect",
        "section",
        "text",
        "text_en",
        "options",
        "required",
    ]
    extra = 0
    ordering = ["position"]

    def get_fields(self, request, obj=None) -> list[str]:
        if _is_published(obj):
            return [
                "options_display" if name == "options" else name for name in self.fields
            ]
        return list(self.fields)

    @admin.display(description=_("phương án"))
    def options_display(self, item: Item) -> str:
        """Options as "1 Rất không hài lòng · 2 …" rather than raw JSON."""
        return " · ".join(f"{o['value']} {o['label']}" for o in item.options) or "—"

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return ["options_display"] if _is_published(obj) else []

    def has_add_permission(self, request, obj=None) -> bool:
        return not _is_published(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return not _is_published(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return not _is_published(obj) and super().has_delete_permission(request, obj)


@admin.register(QuestionnaireVersion)
class QuestionnaireVersionAdmin(admin.ModelAdmin):
    list_display = [
        "questionnaire",
        "number",
        "title",
        "published_at",
        "item_count",
        "response_count",
    ]
    list_display_links = ["questionnaire", "number"]
    list_filter = ["questionnaire", PublishedFilter]
    list_select_related = ["questionnaire"]
    search_fields = ["questionnaire__code", "title", "title_en"]
    fields = [
        "questionnaire",
        "number",
        "title",
        "title_en",
        "intro",
        "intro_en",
        "published_at",
    ]
    # Drafts are published with the action, so the moment is recorded by the server.
    readonly_fields = ["published_at"]
    inlines = [ItemInline]
    actions = ["publish_versions", "copy_as_draft"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Two correlated counts: joining items and responses at once would multiply
        # their rows (30 items x 20,000 responses per version).
        return (
            super()
            .get_queryset(request)
            .annotate(
                item_count=_count_of(Item),
                response_count=_count_of(Response),
            )
        )

    @admin.display(description=_("số câu hỏi"), ordering="item_count")
    def item_count(self, version: QuestionnaireVersion) -> int:
        return version.item_count

    @admin.display(description=_("số phiếu trả lời"), ordering="response_count")
    def response_count(self, version: QuestionnaireVersion) -> int:
        return version.response_count

    def change_view(self, request, object_id, form_url="", extra_context=None):
        version = self.get_object(request, object_id)
        if _is_published(version) and request.method == "GET":
            messages.info(
                request,
                gettext(
                    "Phiên bản này đã công bố nên chỉ xem được, không sửa được: "
                    "các phiếu trả lời gắn với nó. Để thay đổi, chọn nó trong danh "
                    "sách và dùng thao tác “Sao chép thành bản nháp mới”."
                ),
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def has_change_permission(self, request, obj=None) -> bool:
        # False turns the change page of a published version into Django's
        # view-only page (all fields read-only) and makes a POST to it a 403.
        if _is_published(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if _is_published(obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset: QuerySet) -> None:
        # Django already refuses a bulk delete that selects a published version
        # (has_delete_permission per object); this is the last line of defence.
        super().delete_queryset(request, queryset.filter(published_at__isnull=True))

    @admin.action(description=_("Công bố các bản nháp đã chọn"), permissions=["change"])
    def publish_versions(self, request: HttpRequest, queryset: QuerySet) -> None:
        published = 0
        for version in queryset.filter(published_at__isnull=True):
            if not version.items.exists():
                messages.error(
                    request,
                    gettext("%(version)s chưa có câu hỏi nào, không công bố.")
                    % {"version": version},
                )
                continue
            version.publish()
            published += 1
        if published:
            messages.success(
                request,
                ngettext(
                    "Đã công bố %(count)d phiên bản.",
                    "Đã công bố %(count)d phiên bản.",
                    published,
                )
                % {"count": published},
            )

    @admin.action(description=_("Sao chép thành bản nháp mới"), permissions=["add"])
    def copy_as_draft(self, request: HttpRequest, queryset: QuerySet) -> None:
        for version in queryset.select_related("questionnaire"):
            draft = copy_version_as_draft(version)
            messages.success(
                request,
                gettext("Đã tạo bản nháp %(draft)s từ %(version)s.")
                % {"draft": draft, "version": version},
            )


@transaction.atomic
def copy_version_as_draft(version: QuestionnaireVersion) -> QuestionnaireVersion:
    """A new unpublished version numbered after the newest, with copies of the items."""
    questionnaire = version.questionnaire
    newest = questionnaire.versions.aggregate(n=Max("number"))["n"] or 0
    draft = QuestionnaireVersion.objects.create(
        questionnaire=questionnaire,
        number=newest + 1,
        title=version.title,
        title_en=version.title_en,
        intro=version.intro,
        intro_en=version.intro_en,
    )
    Item.objects.bulk_create(
        Item(
            version=draft,
            code=item.code,
            position=item.position,
            kind=item.kind,
            element=item.element,
            aspect=item.aspect,
            section=item.section,
            section_en=item.section_en,
            text=item.text,
            text_en=item.text_en,
            options=item.options,
            required=item.required,
        )
        for item in version.items.order_by("position")
    )
    return draft


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "version",
        "position",
        "kind",
        "element",
        "aspect",
        "short_text",
    ]
    list_display_links = ["code", "short_text"]
    list_filter = [
        "version__questionnaire",
        PublishedFilter,
        "kind",
        "aspect",
        "element",
    ]
    list_select_related = ["version__questionnaire"]
    search_fields = ["code", "text", "text_en"]
    ordering = ["version", "position"]

    @admin.display(description=_("nội dung"), ordering="text")
    def short_text(self, item: Item) -> str:
        return item.text if len(item.text) <= 100 else item.text[:97] + "…"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # New or edited items may only go into drafts.
        if db_field.name == "version":
            kwargs["queryset"] = QuestionnaireVersion.objects.filter(
                published_at__isnull=True
            ).select_related("questionnaire")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and _is_published(obj.version):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and _is_published(obj.version):
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset: QuerySet) -> None:
        super().delete_queryset(
            request, queryset.filter(version__published_at__isnull=True)
        )
