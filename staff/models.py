"""Staff roles and the scope of agencies each person may see.

Scope itself is computed in staff/scope.py; this model only records who a person
is. What staff do (comment reviews, transaction volumes, PDF report jobs) is the
dashboard app's.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffProfile(models.Model):
    class Role(models.TextChoices):
        NATIONAL_VIEWER = "national_viewer", _("Xem toàn quốc")
        PROVINCIAL_ANALYST = "provincial_analyst", _("Chuyên viên Sở Nội vụ (cấp tỉnh)")
        AGENCY_MANAGER = "agency_manager", _("Lãnh đạo cơ quan")
        ADMINISTRATOR = "administrator", _("Quản trị hệ thống")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người dùng"),
        on_delete=models.CASCADE,
        related_name="staff_profile",
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    # An agency manager sees this agency and every agency under it.
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff_profiles",
    )
    # A provincial analyst sees every agency of this province (2-digit code).
    province_code = models.CharField(_("mã tỉnh"), max_length=2, blank=True)

    class Meta:
        verbose_name = _("hồ sơ cán bộ")
        verbose_name_plural = _("hồ sơ cán bộ")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="agency_manager")
                | models.Q(agency__isnull=False),
                name="staff_manager_has_agency",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="provincial_analyst")
                | ~models.Q(province_code=""),
                name="staff_analyst_has_province",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    @property
    def can_edit(self) -> bool:
        """Viewers only read; the other roles review comments and enter volumes."""
        return self.role != self.Role.NATIONAL_VIEWER
