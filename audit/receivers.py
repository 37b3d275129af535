"""Receivers of Django's own auth, admin and model signals, feeding the audit log.

Logins, logouts and failed logins happen inside django.contrib.auth, admin edits
inside django.contrib.admin (which writes a LogEntry for each), and account and
group changes can come from the admin, the shell or a management command: Django's
signals are the one place that sees all of them. Each receiver only calls
audit.services.record.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from audit.models import AuditEvent
from audit.services import record

User = get_user_model()

# Account fields whose change is a security event; last_login is not.
_TRACKED_USER_FIELDS = ("username", "email", "is_active", "is_staff", "is_superuser")


@receiver(user_logged_in, dispatch_uid="audit_login")
def _on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(AuditEvent.Action.LOGIN, actor=user, request=request, obj=user)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    reason = getattr(request, "logout_reason", "") if request is not None else ""
    record(
        AuditEvent.Action.LOGOUT,
        actor=user,
        request=request,
        detail={"reason": reason} if reason else None,
    )


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _on_login_failed(
    sender: Any, credentials: dict, request: Any = None, **kwargs: Any
) -> None:
    # Django has already masked the password in `credentials`; keep only the name.
    username = str(credentials.get("username", ""))[:150]
    locked = bool(request is not None and getattr(request, "axes_locked_out", False))
    record(
        AuditEvent.Action.LOCKED_OUT if locked else AuditEvent.Action.LOGIN_FAILED,
        actor=None,
        request=request,
        object_type="auth.user",
        object_repr=username,
        detail={"username": username},
    )


_ADMIN_ACTIONS = {
    ADDITION: AuditEvent.Action.ADMIN_ADD,
    CHANGE: AuditEvent.Action.ADMIN_CHANGE,
    DELETION: AuditEvent.Action.ADMIN_DELETE,
}


@receiver(post_save, sender=LogEntry, dispatch_uid="audit_admin_logentry")
def _on_admin_edit(
    sender: Any, instance: LogEntry, created: bool, **kwargs: Any
) -> None:
    if not created:
        return
    content_type = instance.content_type
    record(
        _ADMIN_ACTIONS.get(instance.action_flag, AuditEvent.Action.OTHER),
        actor=instance.user,
        object_type=(
            f"{content_type.app_label}.{content_type.model}" if content_type else ""
        ),
        object_id=instance.object_id or "",
        object_repr=instance.object_repr,
        detail={"change": instance.get_change_message()},
    )


@receiver(pre_save, sender=User, dispatch_uid="audit_user_before")
def _remember_user(sender: Any, instance: Any, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        instance._audit_before = None
        return
    before = None
    if instance.pk:
        before = (
            sender.objects.filter(pk=instance.pk)
            .values(*_TRACKED_USER_FIELDS, "password")
            .first()
        )
    instance._audit_before = before


@receiver(post_save, sender=User, dispatch_uid="audit_user_after")
def _on_user_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    before = getattr(instance, "_audit_before", None)
    if created:
        changes: dict[str, Any] = {
            name: getattr(instance, name) for name in _TRACKED_USER_FIELDS
        }
        changes["created"] = True
    elif before is None:
        return
    else:
        changes = {
            name: [before[name], getattr(instance, name)]
            for name in _TRACKED_USER_FIELDS
            if before[name] != getattr(instance, name)
        }
        if before["password"] != instance.password:
            changes["password"] = "changed"
        if not changes:
            return
    record(AuditEvent.Action.USER_CHANGE, actor=None, obj=instance, detail=changes)


@receiver(post_delete, sender=User, dispatch_uid="audit_user_deleted")
def _on_user_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    record(
        AuditEvent.Action.USER_CHANGE,
        object_type=instance._meta.label_lower,
        object_id=instance.pk,
        object_repr=str(instance),
        detail={"deleted": True},
    )


def _on_membership_changed(
    sender: Any,
    instance: Any,
    action: str,
    pk_set: set | None,
    model: Any,
    **kwargs: Any,
) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    record(
        AuditEvent.Action.ROLE_CHANGE,
        obj=instance,
        detail={
            "relation": sender._meta.label_lower,
            "change": action.removeprefix("post_"),
            "related": model._meta.label_lower,
            "ids": sorted(pk_set or []),
        },
    )


for _through in (
    User.groups.through,
    User.user_permissions.through,
    Group.permissions.through,
):
    m2m_changed.connect(
        _on_membership_changed,
        sender=_through,
        dispatch_uid=f"audit_m2m_{_through._meta.label_lower}",
    )


def _on_staff_profile_saved(
    sender: Any, instance: Any, created: bool, **kwargs: Any
) -> None:
    record(
        AuditEvent.Action.ROLE_CHANGE,
        obj=instance,
        detail={
            "created": created,
            "user": instance.user_id,
            "role": instance.role,
            "agency": instance.agency_id,
            "province_code": instance.province_code,
        },
    )


def _on_staff_profile_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    record(
        AuditEvent.Action.ROLE_CHANGE,
        object_type=instance._meta.label_lower,
        object_id=instance.pk,
        object_repr=str(instance.user_id),
        detail={"deleted": True, "user": instance.user_id, "role": instance.role},
    )


def connect_staff_roles() -> None:
    """Follow the staff app's role assignments (StaffProfile), if that app is there."""
    from django.apps import apps

    try:
        profile = apps.get_model("staff", "StaffProfile")
    except LookupError:
        return
    post_save.connect(
        _on_staff_profile_saved, sender=profile, dispatch_uid="audit_staff_profile"
    )
    post_delete.connect(
        _on_staff_profile_deleted,
        sender=profile,
        dispatch_uid="audit_staff_profile_del",
    )
