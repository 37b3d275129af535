"""Key-driver results, improvement actions, alerts and targets (issue 13).

Driver rows are written only by improvement.drivers (a Celery task); pages read
them, never compute them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DriverRun(models.Model):
    """One key-driver analysis: G on the elements (or items) of one agency,
    scope and period. ``n`` counts complete respondents (every predictor and G
    answered); below drivers_math.MIN_RESPONDENTS no weights are stored."""

    class Level(models.TextChoices):
        ELEMENT = "element", _("Yếu tố")
        ITEM = "item", _("Tiêu chí")

    class Scope(models.TextChoices):
        OWN = "own", _("Riêng cơ quan")
        SUBTREE = "subtree", _("Cơ quan và các đơn vị trực thuộc")

    period = models.CharField(_("kỳ"), max_length=7)
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    scope = models.CharField(_("phạm vi"), max_length=8, choices=Scope.choices)
    questionnaire = models.CharField(max_length=20)
    level = models.CharField(_("cấp"), max_length=8, choices=Level.choices)
    n = models.PositiveIntegerField()
    # Empty when n is below the minimum or the data were not estimable.
    r2 = models.FloatField(null=True)
    r2_low = models.FloatField(null=True)
    r2_high = models.FloatField(null=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("phân tích động lực hài lòng")
        verbose_name_plural = _("phân tích động lực hài lòng")
        constraints = [
            # Also the index of the drivers page and export: WHERE agency_id = …
            # AND period = … AND scope = … AND questionnaire = ….
            models.UniqueConstraint(
                fields=["agency", "period", "scope", "questionnaire", "level"],
                name="driver_run_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.period} {self.scope} {self.level} n={self.n}"

    @property
    def estimated(self) -> bool:
        return self.r2 is not None


class DriverWeight(models.Model):
    """One predictor's importance in a DriverRun (share of R², in percent)."""

    run = models.ForeignKey(DriverRun, on_delete=models.CASCADE, related_name="weights")
    indicator = models.CharField(_("chỉ tiêu"), max_length=12)
    weight = models.FloatField()  # raw relative weight (part of R²)
    share = models.FloatField()  # % of R²
    share_low = models.FloatField()
    share_high = models.FloatField()
    p_value = models.FloatField()  # against a noise predictor, BH-adjusted
    # Beats a pure-noise predictor (false discovery rate 5 %).
    claimed = models.BooleanField(default=False)
    # Claimed and its share's interval lies above an equal share (100 / p).
    key = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("trọng số động lực")
        verbose_name_plural = _("trọng số động lực")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "indicator"], name="driver_weight_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.share:.1f} %"


def _evidence_path(instance: ActionEvidence, filename: str) -> str:
    # A random name: the stored file's path reveals nothing and cannot be guessed;
    # the original name is kept in the row for the download.
    import uuid

    return f"private/evidence/{instance.action_id}/{uuid.uuid4().hex}"


class Action(models.Model):
    """An improvement action (giải pháp cải thiện) of one agency."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Đề xuất")
        IN_PROGRESS = "in_progress", _("Đang thực hiện")
        DONE = "done", _("Hoàn thành")
        CANCELLED = "cancelled", _("Hủy")

    # Allowed moves: forward, cancel while open, reopen a finished or cancelled one.
    TRANSITIONS = {
        Status.PROPOSED: {Status.IN_PROGRESS, Status.CANCELLED},
        Status.IN_PROGRESS: {Status.DONE, Status.CANCELLED, Status.PROPOSED},
        Status.DONE: {Status.IN_PROGRESS},
        Status.CANCELLED: {Status.PROPOSED},
    }
    OPEN = (Status.PROPOSED, Status.IN_PROGRESS)

    title = models.CharField(_("tên giải pháp"), max_length=200)
    description = models.TextField(_("nội dung"), blank=True)
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan"),
        on_delete=models.PROTECT,
        related_name="improvement_actions",
    )
    # Element and item codes the action aims to raise (E4, E4.1 …).
    targets = models.JSONField(_("yếu tố, tiêu chí hướng tới"), default=list)
    # Citizens' comments that motivated the action (from the comments triage).
    comments = models.ManyToManyField(
        "surveys.Response",
        verbose_name=_("ý kiến người dân liên quan"),
        blank=True,
        related_name="+",
    )
    # The driver finding it answers, as it was when the action was created
    # (driver rows are rewritten by every recompute): period, scope, level,
    # indicator, share and interval, index.
    finding = models.JSONField(
        _("kết quả phân tích động lực"), default=dict, blank=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người phụ trách"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    start_date = models.DateField(_("ngày bắt đầu"))
    due_date = models.DateField(_("hạn hoàn thành"))
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=Status.choices, default=Status.PROPOSED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("giải pháp cải thiện")
        verbose_name_plural = _("giải pháp cải thiện")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_date__gte=models.F("start_date")),
                name="action_due_after_start",
            )
        ]
        indexes = [
            # Actions list: WHERE agency_id IN (scope) AND status = … ORDER BY due_date.
            models.Index(fields=["agency", "status", "due_date"], name="action_list"),
        ]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today) -> bool:
        return self.status in self.OPEN and self.due_date < today


class ActionNote(models.Model):
    """A progress note on an action."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("ghi chú tiến độ"))
    created_at = models.DateTimeField(_("lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("ghi chú tiến độ")
        verbose_name_plural = _("ghi chú tiến độ")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:50]


class ActionEvidence(models.Model):
    """A file proving what was done (minutes, photos, a new procedure sheet),
    stored under MEDIA_ROOT/private/ and served only through the action's page
    to staff who may see the action."""

    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(_("tệp"), upload_to=_evidence_path, max_length=200)
    name = models.CharField(_("tên tệp"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("minh chứng")
        verbose_name_plural = _("minh chứng")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name
