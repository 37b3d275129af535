"""Administration of citizens' responses: read-only, with review of flagged ones.

Answers are never edited here (a response is what a citizen said). Staff review
the flagged queue (list filter "bị gắn cờ") and accept responses through
`surveys.services.accept_flagged`, which also marks the indices for recompute.
Non-superusers see only the responses of the agencies in their scope.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from staff.scope import visible_agencies
from surveys.models import Answer, Response
from surveys.services import accept_flagged


class AnswerInline(admin.TabularInline):
    model = Answer
    fields = ["item_code", "value"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "submitted_at",
        "version",
        "agency",
        "service_point",
        "source",
        "flagged",
        "flag_reason",
    ]
    # The review queue (flagged=True, newest first) uses the partial index
    # response_flagged_time.
    list_filter = ["flagged", "source", "version__questionnaire", "channel"]
    list_select_related = ["version__questionnaire", "agency", "service_point"]
    search_fields = ["=id", "agency__code"]
    date_hierarchy = "submitted_at"
    ordering = ["-submitted_at"]
    show_full_result_count = False  # COUNT(*) over tens of millions of rows is slow
    inlines = [AnswerInline]
    actions = ["accept_flagged_responses"]
    exclude = ["idempotency_key", "fingerprint"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return [f.name for f in Response._meta.fields if f.name not in self.exclude]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Response]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(agency__in=visible_agencies(request.user))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(
        description=_("Chấp nhận các phiếu bị gắn cờ đã chọn (tính vào chỉ số)"),
        permissions=["change"],
    )
    def accept_flagged_responses(
        self, request: HttpRequest, queryset: QuerySet[Response]
    ) -> None:
        count = accept_flagged(list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext(
                "Đã chấp nhận %(count)d phiếu; chỉ số sẽ được tính lại.",
                "Đã chấp nhận %(count)d phiếu; chỉ số sẽ được tính lại.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
