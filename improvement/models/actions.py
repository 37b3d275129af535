"""Improvement actions, their progress notes, evidence and measured effects."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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


class ActionEffect(models.Model):
    """The measured effect of an action on one targeted indicator (written by
    improvement.effects in a Celery task): equal windows before and after the
    start date, at the agency (its subtree) and at its peers (agencies of the
    same kind in the same province), and the difference-in-differences."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="effects")
    indicator = models.CharField(_("chỉ tiêu"), max_length=12)
    window_days = models.PositiveSmallIntegerField(default=0)
    before_start = models.DateField(null=True)
    after_end = models.DateField(null=True)  # exclusive
    n_before = models.PositiveIntegerField(default=0)
    n_after = models.PositiveIntegerField(default=0)
    value_before = models.FloatField(null=True)
    value_after = models.FloatField(null=True)
    diff = models.FloatField(null=True)
    diff_low = models.FloatField(null=True)
    diff_high = models.FloatField(null=True)
    peers = models.PositiveIntegerField(default=0)  # comparable agencies
    peer_n_before = models.PositiveIntegerField(default=0)
    peer_n_after = models.PositiveIntegerField(default=0)
    peer_diff = models.FloatField(null=True)
    did = models.FloatField(null=True)
    did_low = models.FloatField(null=True)
    did_high = models.FloatField(null=True)
    # Both windows of the agency and of its peers hold enough respondents.
    enough = models.BooleanField(default=False)
    # Enough, and the interval of the difference-in-differences excludes zero.
    claimed = models.BooleanField(default=False)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("hiệu quả giải pháp")
        verbose_name_plural = _("hiệu quả giải pháp")
        constraints = [
            models.UniqueConstraint(
                fields=["action", "indicator"], name="action_effect_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.action_id} {self.indicator} {self.did}"
