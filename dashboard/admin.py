"""Administration of the staff's work: comment reviews, volumes, PDF report jobs.

Each list holds data of particular agencies, so a staff member given view
permissions sees only the rows of their scope (staff.scope.ScopedAdminMixin).
"""

from django.contrib import admin

from dashboard.models import CommentReview, ReportJob, TransactionVolume
from staff.scope import ScopedAdminMixin


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
