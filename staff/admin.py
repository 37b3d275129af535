"""Administration of staff roles and scope (who sees which agencies).

Both lists hold data of particular agencies (who works where), so a staff member
given view permissions sees only the rows of their scope; superusers and
unscoped roles see everything. The staff's work (comment reviews, volumes,
report jobs) is administered in dashboard/admin.py, scoped the same way
(staff.scope.ScopedAdminMixin).
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from staff.models import StaffProfile
from staff.scope import get_profile, scope_filter, visible_profiles


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "agency", "province_code"]
    list_filter = ["role", "province_code"]
    search_fields = ["user__username", "user__email", "agency__code", "agency__name"]
    autocomplete_fields = ["user"]
    raw_id_fields = ["agency"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).filter(pk__in=visible_profiles(request.user))
        )


User = get_user_model()


class ScopedUserAdmin(UserAdmin):
    """Accounts: a scoped staff member sees themself and the staff of their scope."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if scope_filter(get_profile(request.user)) is None:
            return queryset
        staff = visible_profiles(request.user).values("user")
        return queryset.filter(pk__in=staff) | queryset.filter(pk=request.user.pk)


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, ScopedUserAdmin)
