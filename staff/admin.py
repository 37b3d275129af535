"""Administration of staff roles and scope (who sees which agencies).

Every list here holds data of particular agencies (notes, assignees, volumes,
report jobs, who works where), so a staff member given view permissions sees
only the rows of their scope (staff.scope.ScopedAdminMixin); superusers and
unscoped roles see everything.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from staff.models import CommentReview, ReportJob, StaffProfile, TransactionVolume
from staff.scope import (
    ScopedAdminMixin,
    get_profile,
    scope_filter,
    visible_profiles,
)


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


@admin.register(TransactionVolume)
class TransactionVolumeAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["agency", "period", "count", "entered_by", "entered_at"]
    list_filter = ["period"]
    search_fields = ["agency__code", "agency__name"]
    raw_id_fields = ["agency"]
    readonly_fields = ["entered_by", "entered_at"]
    scope_choices = {"agency": "pk"}


@admin.register(CommentReview)
class CommentReviewAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["response", "status", "assignee", "updated_at"]
    list_filter = ["status"]
    raw_id_fields = ["response", "assignee"]
    readonly_fields = ["updated_by", "updated_at"]
    scope_path = "response__agency"
    scope_choices = {"response": "agency"}


@admin.register(ReportJob)
class ReportJobAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["agency", "period", "questionnaire", "user", "status", "progress"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in ReportJob._meta.fields if f.name != "pdf"]
    exclude = ["pdf"]


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
