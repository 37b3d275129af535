from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin

from audit.models import AuditEvent
from staff.scope import get_profile, scope_filter, visible_profiles


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only for administrators: nobody adds, edits or deletes audit events.

    Superusers, and staff given the "view audit event" permission, can read it;
    a scoped staff member reads only the events of the staff of their scope and
    their own.
    """

    list_display = ["at", "actor_name", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type", "at"]
    search_fields = ["actor_name", "object_repr", "object_id"]
    date_hierarchy = "at"
    list_select_related = False
    readonly_fields = [
        "at",
        "actor",
        "actor_name",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "detail",
        "ip_hash",
    ]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if scope_filter(get_profile(request.user)) is None:
            return queryset
        staff = visible_profiles(request.user).values("user")
        return queryset.filter(actor__in=staff) | queryset.filter(actor=request.user)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class SuperusersOnlyMixin:
    """Login attempts hold every user's name and raw client address: superusers
    only, whatever view permissions a staff member was given."""

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return self.has_view_permission(request) and super().has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return self.has_view_permission(request) and super().has_delete_permission(
            request, obj
        )


# django-axes registers its own admins first (it comes before audit in
# INSTALLED_APPS); wrap them.
for _model in (AccessAttempt, AccessLog, AccessFailureLog):
    if admin.site.is_registered(_model):
        _base = type(admin.site._registry[_model])
        admin.site.unregister(_model)
        admin.site.register(
            _model, type(_base.__name__, (SuperusersOnlyMixin, _base), {})
        )
