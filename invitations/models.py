"""One-time invitation links tied to a dossier (hồ sơ).

Neither the raw token nor the dossier code is stored: the token is kept only as
its SHA-256 (it is random, so an unkeyed hash cannot be reversed), the dossier
code only as an HMAC-SHA256 keyed with settings.HASH_PEPPER (codes are short and
guessable, so the key is what keeps them from being recovered by brute force).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Invitation(models.Model):
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    dossier_hash = models.CharField(max_length=64, editable=False)
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan"),
        on_delete=models.PROTECT,
        related_name="invitations",
    )
    service_point = models.ForeignKey(
        "agencies.ServicePoint",
        verbose_name=_("điểm phục vụ"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invitations",
    )
    procedure = models.ForeignKey(
        "agencies.Procedure",
        verbose_name=_("thủ tục"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invitations",
    )
    questionnaire_code = models.CharField(
        _("mã bộ câu hỏi"), max_length=20, default="exit-dv"
    )
    # How the dossier was handled (truc_tiep | truc_tuyen | buu_chinh), when the
    # one-stop system says so; the survey form starts with it.
    channel = models.CharField(_("kênh"), max_length=12, blank=True)
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    # First time the link was opened (the survey page shown), for the status.
    opened_at = models.DateTimeField(_("mở lúc"), null=True, blank=True)
    used_at = models.DateTimeField(_("đã dùng lúc"), null=True, blank=True)
    response = models.OneToOneField(
        "surveys.Response",
        verbose_name=_("phiếu trả lời"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitation",
    )
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("lời mời khảo sát")
        verbose_name_plural = _("lời mời khảo sát")
        ordering = ["-created_at"]
        constraints = [
            # One invitation per dossier of an agency; also serves the duplicate
            # check at creation: WHERE agency_id = … AND dossier_hash IN (…).
            models.UniqueConstraint(
                fields=["agency", "dossier_hash"], name="invitation_one_per_dossier"
            ),
        ]
        indexes = [
            # The admin list of an agency's invitations, newest first:
            # WHERE agency_id IN (…) ORDER BY created_at DESC.
            models.Index(
                fields=["agency", "created_at"], name="invitation_agency_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency.code} #{self.pk}"

    @property
    def is_used(self) -> bool:
        return self.used_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def status(self) -> str:
        """answered, expired (never answered), opened or sent."""
        if self.is_used:
            return "answered"
        if self.is_expired:
            return "expired"
        return "opened" if self.opened_at else "sent"
