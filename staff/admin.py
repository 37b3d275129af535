"""Administration of staff roles and scope (who sees which agencies)."""

from django.contrib import admin

from staff.models import StaffProfile


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "agency", "province_code"]
    list_filter = ["role", "province_code"]
    search_fields = ["user__username", "user__email", "agency__code", "agency__name"]
    autocomplete_fields = ["user"]
    raw_id_fields = ["agency"]
