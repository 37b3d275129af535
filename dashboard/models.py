"""What staff do in the dashboard: review citizens' comments, enter transaction
volumes for sample-size planning, and build PDF reports.

The models came from the staff app (issue #11) and keep its tables (`db_table`):
the move changed Django's state only (dashboard/migrations/0001_initial.py).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CommentReview(models.Model):
    """Staff follow-up of one citizen's comment (created on the first action)."""

    class Status(models.TextChoices):
        NEW = "new", _("Mới")
        IN_PROGRESS = "in_progress", _("Đang xử lý")
        REPLIED = "replied", _("Đã phản hồi")

    # Allowed moves: forward through the workflow, or back to "đang xử lý" to reopen.
    TRANSITIONS = {
        Status.NEW: {Status.IN_PROGRESS, Status.REPLIED},
        Status.IN_PROGRESS: {Status.NEW, Status.REPLIED},
        Status.REPLIED: {Status.IN_PROGRESS},
    }

    response = models.OneToOneField(
        "surveys.Response",
        verbose_name=_("phiếu trả lời"),
        on_delete=models.CASCADE,
        related_name="review",
    )
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=Status.choices, default=Status.NEW
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người xử lý"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_reviews",
    )
    note = models.TextField(_("ghi chú"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        db_table = "staff_commentreview"
        verbose_name = _("xử lý ý kiến")
        verbose_name_plural = _("xử lý ý kiến")
        indexes = [
            # Comments page filtered by status: WHERE status = … (joined to responses).
            models.Index(fields=["status"], name="comment_review_status"),
        ]

    def __str__(self) -> str:
        return f"{self.response_id} {self.status}"


class TransactionVolume(models.Model):
    """Transactions (hồ sơ) an agency handled in a period: N of Slovin's formula."""

    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan"),
        on_delete=models.CASCADE,
        related_name="transaction_volumes",
    )
    period = models.CharField(_("kỳ"), max_length=7)
    count = models.PositiveIntegerField(_("số giao dịch"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("nhập lúc"), auto_now=True)

    class Meta:
        db_table = "staff_transactionvolume"
        verbose_name = _("số lượng giao dịch")
        verbose_name_plural = _("số lượng giao dịch")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "period"], name="transaction_volume_unique"
            )
        ]
        # Sample adequacy page: WHERE period = … AND agency_id IN … uses the unique
        # constraint's (agency, period) index through agency_id.

    def __str__(self) -> str:
        return f"{self.agency_id} {self.period}: {self.count}"


class ReportJob(models.Model):
    """A PDF report being built by a Celery task; the progress page polls it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Đang chờ")
        RUNNING = "running", _("Đang tạo")
        DONE = "done", _("Hoàn tất")
        FAILED = "failed", _("Lỗi")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_jobs"
    )
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.CASCADE, related_name="report_jobs"
    )
    period = models.CharField(_("kỳ"), max_length=7)
    questionnaire = models.CharField(max_length=20)
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.PENDING
    )
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    message = models.CharField(max_length=255, blank=True)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "staff_reportjob"
        verbose_name = _("báo cáo PDF")
        verbose_name_plural = _("báo cáo PDF")

    def __str__(self) -> str:
        return f"{self.agency_id} {self.period} {self.status}"
