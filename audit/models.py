"""The audit log: who did what to which object, when, from which (hashed) address.

Rows are append-only: nothing in the portal updates or deletes them, and the admin
shows them read-only to administrators. No personal data of citizens goes here; the
client address is stored only as a keyed hash.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        LOGIN = "login", _("Đăng nhập")
        LOGOUT = "logout", _("Đăng xuất")
        LOGIN_FAILED = "login_failed", _("Đăng nhập thất bại")
        LOCKED_OUT = "locked_out", _("Bị khoá đăng nhập")
        EXPORT = "export", _("Xuất dữ liệu")
        ADMIN_ADD = "admin_add", _("Thêm trong trang quản trị")
        ADMIN_CHANGE = "admin_change", _("Sửa trong trang quản trị")
        ADMIN_DELETE = "admin_delete", _("Xoá trong trang quản trị")
        USER_CHANGE = "user_change", _("Thay đổi tài khoản")
        ROLE_CHANGE = "role_change", _("Thay đổi vai trò")
        OTHER = "other", _("Thao tác khác")

    at = models.DateTimeField(_("thời điểm"), auto_now_add=True, db_index=True)
    # SET_NULL keeps the trail when an account is deleted; actor_name keeps who it was.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("tên đăng nhập"), max_length=150, blank=True)
    action = models.CharField(_("thao tác"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("loại đối tượng"), max_length=100, blank=True)
    object_id = models.CharField(_("mã đối tượng"), max_length=100, blank=True)
    object_repr = models.CharField(_("đối tượng"), max_length=200, blank=True)
    detail = models.JSONField(_("chi tiết"), default=dict, blank=True)
    ip_hash = models.CharField(_("địa chỉ (băm)"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("sự kiện nhật ký")
        verbose_name_plural = _("nhật ký thao tác")
        ordering = ["-at", "-id"]
        indexes = [
            # The admin's "what did this person do" filter.
            models.Index(fields=["actor", "at"], name="audit_actor_at"),
            # The admin's action filter over recent events.
            models.Index(fields=["action", "at"], name="audit_action_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name or '-'} {self.action}"
