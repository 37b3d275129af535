"""Admin for API tokens (created here, the key shown once), webhook
subscriptions and their delivery log.

Staff see the tokens of the agencies in their scope; creating, changing and
revoking go into the audit log (admin edits are recorded by audit.receivers; a
revocation is recorded here as well, with the token's prefix).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from api import tasks, tokens, webhooks
from api.models import (
    ApiToken,
    InvitationDelivery,
    WebhookDelivery,
    WebhookSubscription,
)
from audit.services import record
from staff.scope import visible_agencies


class WebhookInline(admin.TabularInline):
    model = WebhookSubscription
    extra = 0
    fields = ["url", "events", "active", "consecutive_failures", "disabled_at"]
    readonly_fields = ["consecutive_failures", "disabled_at"]
    show_change_link = True


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "prefix",
        "agency",
        "can_invite",
        "can_read_indices",
        "can_read_comments",
        "can_submit",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    list_filter = ["can_invite", "can_read_indices", "can_read_comments", "can_submit"]
    search_fields = ["name", "prefix", "agency__code"]
    raw_id_fields = ["agency"]
    readonly_fields = [
        "prefix",
        "last_used_at",
        "revoked_at",
        "created_by",
        "created_at",
    ]
    fields = [
        "name",
        "agency",
        "can_invite",
        "can_read_indices",
        "can_read_comments",
        "can_submit",
        "rate_per_minute",
        "expires_at",
        "prefix",
        "last_used_at",
        "revoked_at",
        "created_by",
        "created_at",
    ]
    inlines = [WebhookInline]
    actions = ["revoke"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiToken]:
        queryset = super().get_queryset(request).select_related("agency")
        if request.user.is_superuser:
            return queryset
        return queryset.filter(agency__in=visible_agencies(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "agency" and not request.user.is_superuser:
            kwargs["queryset"] = visible_agencies(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj: ApiToken, form, change: bool) -> None:
        if not change:
            raw = tokens.set_new_key(obj)
            obj.created_by = request.user
            super().save_model(request, obj, form, change)
            messages.warning(
                request,
                gettext(
                    "Mã truy cập mới (chỉ hiện một lần, hãy sao chép ngay): %(token)s"
                )
                % {"token": raw},
            )
            return
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change) -> None:
        instances = formset.save(commit=False)
        for subscription in instances:
            if not subscription.secret:
                subscription.secret = webhooks.new_secret()
                messages.warning(
                    request,
                    gettext("Khoá ký webhook %(url)s (chỉ hiện một lần): %(secret)s")
                    % {"url": subscription.url, "secret": subscription.secret},
                )
            if subscription.active and subscription.disabled_at:
                # Switched on again by an administrator: start counting anew.
                subscription.disabled_at = None
                subscription.consecutive_failures = 0
            subscription.save()
        for deleted in formset.deleted_objects:
            deleted.delete()
        formset.save_m2m()

    @admin.action(description=_("Thu hồi các mã đã chọn"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            tokens.revoke(token)
            record(
                "other",
                request=request,
                obj=token,
                detail={"operation": "api_token.revoke", "prefix": token.prefix},
            )
            count += 1
        self.message_user(
            request, gettext("Đã thu hồi %(count)s mã.") % {"count": count}
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: read-only."""

    list_display = [
        "created_at",
        "event",
        "subscription",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "event"]
    readonly_fields = [
        "id",
        "subscription",
        "event",
        "payload",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "created_at",
        "next_attempt_at",
        "delivered_at",
    ]
    actions = ["retry_now"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookDelivery]:
        queryset = super().get_queryset(request).select_related("subscription")
        if request.user.is_superuser:
            return queryset
        return queryset.filter(
            subscription__token__agency__in=visible_agencies(request.user)
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description=_("Gửi lại ngay"))
    def retry_now(self, request: HttpRequest, queryset) -> None:
        ids = [
            str(pk)
            for pk in queryset.exclude(
                status=WebhookDelivery.Status.DELIVERED
            ).values_list("pk", flat=True)
        ]
        queryset.filter(pk__in=ids).update(
            status=WebhookDelivery.Status.PENDING, next_attempt_at=timezone.now()
        )
        tasks.enqueue_webhooks(ids)
        self.message_user(
            request, gettext("Đã xếp lại %(count)s lần gửi.") % {"count": len(ids)}
        )


@admin.register(InvitationDelivery)
class InvitationDeliveryAdmin(admin.ModelAdmin):
    """Where invitation links went: read-only, contacts blank once done."""

    list_display = [
        "invitation",
        "channel",
        "status",
        "attempts",
        "created_at",
        "finished_at",
        "contact_deleted_at",
    ]
    list_filter = ["channel", "status"]
    readonly_fields = [
        "invitation",
        "channel",
        "status",
        "attempts",
        "provider_id",
        "last_error",
        "created_at",
        "next_attempt_at",
        "finished_at",
        "contact_deleted_at",
    ]
    exclude = ["contact"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[InvitationDelivery]:
        queryset = super().get_queryset(request).select_related("invitation__agency")
        if request.user.is_superuser:
            return queryset
        return queryset.filter(invitation__agency__in=visible_agencies(request.user))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
