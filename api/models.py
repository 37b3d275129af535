"""API tokens of agencies, webhook subscriptions and their delivery log.

A token is shown once when it is created; only its SHA-256 is stored (it carries
256 random bits, so no key is needed), with an 8-character prefix that lets staff
tell tokens apart. A token acts for its agency's subtree and only for the
permissions ticked on it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    name = models.CharField(_("tên"), max_length=100)
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan"),
        on_delete=models.PROTECT,
        related_name="api_tokens",
        help_text=_("Mã truy cập dùng được cho cơ quan này và các cơ quan cấp dưới."),
    )
    prefix = models.CharField(_("tiền tố"), max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    can_invite = models.BooleanField(_("tạo lời mời"), default=False)
    can_read_indices = models.BooleanField(_("đọc chỉ số"), default=False)
    can_read_comments = models.BooleanField(_("đọc ý kiến"), default=False)
    can_submit = models.BooleanField(
        _("gửi phiếu từ ODK Collect/Enketo"),
        default=False,
        help_text=_("Địa chỉ máy chủ cho ODK Collect: /openrosa/<mã truy cập>/"),
    )
    rate_per_minute = models.PositiveIntegerField(
        _("số yêu cầu mỗi phút"),
        default=120,
        help_text=_("Giới hạn số yêu cầu của mã này trong một phút."),
    )
    expires_at = models.DateTimeField(_("hết hạn lúc"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    last_used_at = models.DateTimeField(
        _("dùng lần cuối"), null=True, blank=True, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tạo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("mã truy cập API")
        verbose_name_plural = _("mã truy cập API")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    def agencies(self) -> QuerySet:
        """The agencies this token may read and write: its agency's subtree, and
        pre-2025 units whose successor is in it (as staff scope does)."""
        from agencies.models import Agency

        path = self.agency.path
        return Agency.objects.filter(
            Q(path__startswith=path) | Q(successor__path__startswith=path)
        )


class WebhookSubscription(models.Model):
    class Event(models.TextChoices):
        RESPONSE_CREATED = "response.created", _("Có phiếu trả lời mới")
        COMMENT_CREATED = "comment.created", _("Có ý kiến mới")
        INVITATION_ANSWERED = "invitation.answered", _("Lời mời đã được trả lời")
        ALERT_RAISED = "alert.raised", _("Có cảnh báo sớm mới")

    token = models.ForeignKey(
        ApiToken,
        verbose_name=_("mã truy cập"),
        on_delete=models.CASCADE,
        related_name="webhooks",
    )
    url = models.URLField(_("địa chỉ nhận"), max_length=500)
    events = models.JSONField(_("sự kiện"), default=list)
    # The signing key must be readable to sign; it is shown once to the integrator.
    secret = models.CharField(max_length=64, editable=False)
    active = models.BooleanField(_("đang hoạt động"), default=True)
    consecutive_failures = models.PositiveIntegerField(
        _("số lần lỗi liên tiếp"), default=0, editable=False
    )
    disabled_at = models.DateTimeField(
        _("tự tắt lúc"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("đăng ký webhook")
        verbose_name_plural = _("đăng ký webhook")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Đang chờ gửi")
        DELIVERED = "delivered", _("Đã gửi")
        FAILED = "failed", _("Gửi thất bại")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subscription = models.ForeignKey(
        WebhookSubscription,
        verbose_name=_("đăng ký"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event = models.CharField(_("sự kiện"), max_length=40)
    payload = models.JSONField(_("nội dung"))
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default="pending"
    )
    attempts = models.PositiveSmallIntegerField(_("số lần thử"), default=0)
    last_status_code = models.PositiveSmallIntegerField(
        _("mã phản hồi cuối"), null=True, blank=True
    )
    last_error = models.CharField(_("lỗi cuối"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    delivered_at = models.DateTimeField(_("gửi được lúc"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(
        _("thử lại lúc"), null=True, blank=True, default=timezone.now
    )

    class Meta:
        verbose_name = _("lần gửi webhook")
        verbose_name_plural = _("nhật ký gửi webhook")
        ordering = ["-created_at"]
        indexes = [
            # The admin log of one subscription, newest first.
            models.Index(
                fields=["subscription", "created_at"], name="webhook_delivery_sub"
            ),
            # The retry sweep: WHERE status = 'pending' AND next_attempt_at <= now.
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_pending",
                condition=Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription.url}"


class InvitationDelivery(models.Model):
    """Sending an invitation's link to the contact the one-stop system gave.

    The contact is kept only until the message is delivered or has failed for
    good, then blanked (`contact_deleted_at`), as reply contacts are.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("Thư điện tử")
        SMS = "sms", _("Tin nhắn SMS")
        ZALO = "zalo", _("Tin nhắn Zalo")

    class Status(models.TextChoices):
        PENDING = "pending", _("Đang chờ gửi")
        DELIVERED = "delivered", _("Đã gửi")
        FAILED = "failed", _("Gửi thất bại")

    invitation = models.OneToOneField(
        "invitations.Invitation",
        verbose_name=_("lời mời"),
        on_delete=models.CASCADE,
        related_name="delivery",
    )
    channel = models.CharField(_("kênh gửi"), max_length=5, choices=Channel.choices)
    contact = models.CharField(_("liên hệ"), max_length=254, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default="pending"
    )
    attempts = models.PositiveSmallIntegerField(_("số lần thử"), default=0)
    provider_id = models.CharField(_("mã của nhà cung cấp"), max_length=100, blank=True)
    last_error = models.CharField(_("lỗi cuối"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    finished_at = models.DateTimeField(_("xong lúc"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(
        _("thử lại lúc"), null=True, blank=True, default=timezone.now
    )
    contact_deleted_at = models.DateTimeField(
        _("xoá liên hệ lúc"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("gửi lời mời")
        verbose_name_plural = _("gửi lời mời")
        ordering = ["-created_at"]
        indexes = [
            # The sweep: WHERE status = 'pending' AND next_attempt_at <= now.
            models.Index(
                fields=["next_attempt_at"],
                name="invitation_delivery_pending",
                condition=Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.invitation_id}"


class PaperBatch(models.Model):
    """A stack of paper questionnaires of one agency and version, keyed by staff.

    With double entry a second clerk keys the same serials; the batch counts
    (its responses are stored) only when every serial was keyed twice and the
    two agree, mismatches having been resolved side by side.
    """

    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan"),
        on_delete=models.PROTECT,
        related_name="paper_batches",
    )
    version = models.ForeignKey(
        "surveys.QuestionnaireVersion",
        verbose_name=_("phiên bản bộ câu hỏi"),
        on_delete=models.PROTECT,
        related_name="paper_batches",
    )
    label = models.CharField(_("tên lô"), max_length=100)
    double_entry = models.BooleanField(_("nhập hai lần"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tạo"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    committed_at = models.DateTimeField(_("đã tính lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("lô phiếu giấy")
        verbose_name_plural = _("lô phiếu giấy")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.label} ({self.agency.code})"


class PaperEntry(models.Model):
    """One paper questionnaire as one clerk keyed it (round 1, or 2 for the
    second entry of a double-entry batch)."""

    batch = models.ForeignKey(
        PaperBatch,
        verbose_name=_("lô"),
        on_delete=models.CASCADE,
        related_name="entries",
    )
    serial = models.CharField(_("số phiếu"), max_length=40)
    round = models.PositiveSmallIntegerField(_("lần nhập"), default=1)
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người nhập"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    procedure = models.ForeignKey(
        "agencies.Procedure",
        verbose_name=_("thủ tục"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.CharField(_("kênh"), max_length=12, blank=True)
    answers = models.JSONField(_("câu trả lời"), default=dict)
    respondent = models.JSONField(_("người trả lời"), default=dict)
    comment = models.TextField(_("ý kiến khác"), blank=True)
    keyed_at = models.DateTimeField(_("nhập lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("phiếu giấy đã nhập")
        verbose_name_plural = _("phiếu giấy đã nhập")
        ordering = ["batch", "serial", "round"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "serial", "round"], name="paper_entry_once_per_round"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.serial} ({self.round})"

    def content(self) -> dict:
        """What the two entries of a serial must agree on."""
        return {
            "procedure": self.procedure_id,
            "channel": self.channel,
            "answers": self.answers,
            "respondent": self.respondent,
            "comment": self.comment,
        }
