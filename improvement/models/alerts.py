"""Targets, early warnings, the digest and provincial reports."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from improvement.models.actions import Action


class Target(models.Model):
    """A province's target for an index in a year (e.g. SIPAS-DV ≥ 85 % in 2026),
    for every agency of the province, for one kind of agency, or for one agency.
    The most specific target applies: agency, then kind, then province-wide."""

    province_code = models.CharField(_("mã tỉnh"), max_length=2)
    year = models.PositiveSmallIntegerField(_("năm"))
    questionnaire = models.CharField(_("bộ câu hỏi"), max_length=20, default="exit-dv")
    indicator = models.CharField(_("chỉ tiêu"), max_length=12, default="A_DV")
    agency_kind = models.CharField(
        _("loại cơ quan"), max_length=20, blank=True, choices=Agency.Kind.choices
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    value = models.FloatField(_("mục tiêu (%)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mục tiêu")
        verbose_name_plural = _("mục tiêu")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "province_code",
                    "year",
                    "questionnaire",
                    "indicator",
                    "agency_kind",
                    "agency",
                ],
                name="target_unique",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=models.Q(value__gte=0, value__lte=100),
                name="target_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.province_code} {self.year} {self.indicator} ≥ {self.value}"


class Alert(models.Model):
    """An early warning about one agency, indicator and period (deduplicated on
    these three: a second reason updates the same alert)."""

    class Reason(models.TextChoices):
        DROP_PREVIOUS = "drop_previous", _("Giảm có ý nghĩa so với kỳ trước")
        DROP_LAST_YEAR = "drop_last_year", _("Giảm có ý nghĩa so với cùng kỳ năm trước")
        LOW_RATINGS = "low_ratings", _("Tăng tỷ lệ đánh giá chung 1–2 điểm")
        NEGATIVE_COMMENTS = "negative_comments", _("Tăng tỷ lệ ý kiến tiêu cực")
        BELOW_TARGET = "below_target", _("Dưới mục tiêu của tỉnh")

    class Status(models.TextChoices):
        OPEN = "open", _("Mới")
        ACKNOWLEDGED = "acknowledged", _("Đã ghi nhận")
        RESOLVED = "resolved", _("Đã xử lý")

    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    period = models.CharField(_("kỳ"), max_length=7)
    questionnaire = models.CharField(max_length=20, default="exit-dv")
    indicator = models.CharField(_("chỉ tiêu"), max_length=12)
    reasons = models.JSONField(_("lý do"), default=list)
    # Figures behind each reason: {reason: {"value", "reference", "p"/"target"}}.
    detail = models.JSONField(default=dict)
    value = models.FloatField(_("giá trị"), null=True)
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    action = models.ForeignKey(
        Action,
        verbose_name=_("giải pháp"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alerts",
    )
    created_at = models.DateTimeField(_("phát hiện lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("cảnh báo")
        verbose_name_plural = _("cảnh báo")
        constraints = [
            # The deduplication rule; its index also serves the agency's alerts.
            models.UniqueConstraint(
                fields=["agency", "period", "questionnaire", "indicator"],
                name="alert_unique",
            )
        ]
        indexes = [
            # Inbox and digest: WHERE status = … AND created_at > … (scope joined).
            models.Index(fields=["status", "created_at"], name="alert_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.period} {self.indicator} {self.reasons}"

    def reason_labels(self) -> list[str]:
        return [str(self.Reason(r).label) for r in self.reasons if r in self.Reason]


class DigestPreference(models.Model):
    """A staff member's choice about the daily alert e-mail (default: receive)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    daily_digest = models.BooleanField(
        _("nhận thư tổng hợp cảnh báo hằng ngày"), default=True
    )

    def __str__(self) -> str:
        return f"{self.user_id} {self.daily_digest}"


class DigestSent(models.Model):
    """One daily digest sent to one person on one local day: never twice."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    alerts = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="digest_sent_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"


class ProvincialReport(models.Model):
    """The provincial report of a period (DOCX to edit, PDF to read), built by a
    Celery task; the progress page polls it like the PDF reports."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Đang chờ")
        RUNNING = "running", _("Đang tạo")
        DONE = "done", _("Hoàn tất")
        FAILED = "failed", _("Lỗi")

    class Language(models.TextChoices):
        VI = "vi", _("Tiếng Việt")
        EN = "en", _("Tiếng Anh")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.CASCADE, related_name="+"
    )
    period = models.CharField(_("kỳ"), max_length=7)
    language = models.CharField(
        _("ngôn ngữ"), max_length=2, choices=Language.choices, default=Language.VI
    )
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.PENDING
    )
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    message = models.CharField(max_length=255, blank=True)
    docx = models.BinaryField(null=True, blank=True, editable=False)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("báo cáo cấp tỉnh")
        verbose_name_plural = _("báo cáo cấp tỉnh")

    def __str__(self) -> str:
        return f"{self.agency_id} {self.period} {self.language} {self.status}"
