"""Administration of the staff's work: comment reviews, volumes, PDF report jobs."""

from django.contrib import admin

from dashboard.models import CommentReview, ReportJob, TransactionVolume


@admin.register(TransactionVolume)
class TransactionVolumeAdmin(admin.ModelAdmin):
    list_display = ["agency", "period", "count", "entered_by", "entered_at"]
    list_filter = ["period"]
    search_fields = ["agency__code", "agency__name"]
    raw_id_fields = ["agency"]
    readonly_fields = ["entered_by", "entered_at"]


@admin.register(CommentReview)
class CommentReviewAdmin(admin.ModelAdmin):
    list_display = ["response", "status", "assignee", "updated_at"]
    list_filter = ["status"]
    raw_id_fields = ["response", "assignee"]
    readonly_fields = ["updated_by", "updated_at"]


@admin.register(ReportJob)
class ReportJobAdmin(admin.ModelAdmin):
    list_display = ["agency", "period", "questionnaire", "user", "status", "progress"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in ReportJob._meta.fields if f.name != "pdf"]
    exclude = ["pdf"]
