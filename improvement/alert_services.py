"""Writes about alerts, targets, the digest preference and provincial reports.

Like improvement.actions, every function checks the scope itself and writes the
audit log.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from audit.services import record
from improvement.actions import require_editor
from improvement.models import Action, Alert, DigestPreference, ProvincialReport, Target
from staff.models import StaffProfile
from staff.scope import get_visible_agency, require_profile, visible_agencies


def get_alert(user: AbstractBaseUser, pk: int):
    """The alert if its agency is in the user's scope, else Http404."""
    alert = (
        Alert.objects.select_related("agency")
        .filter(pk=pk, agency__in=visible_agencies(user))
        .first()
    )
    if alert is None:
        raise Http404(_("Không tìm thấy cảnh báo."))
    return alert


@transaction.atomic
def set_alert_status(
    *, user: AbstractBaseUser, pk: int, status: str, request: HttpRequest | None = None
):
    """Acknowledge, resolve or reopen an alert of the user's scope."""
    require_editor(user)
    alert = get_alert(user, pk)
    if status not in Alert.Status.values:
        raise ValidationError(_("Trạng thái không hợp lệ."))
    if status != alert.status:
        old, alert.status, alert.handled_by = alert.status, status, user
        alert.save(update_fields=["status", "handled_by", "updated_at"])
        record(
            "other",
            actor=user,
            request=request,
            obj=alert,
            detail={"change": "alert_status", "status": [old, status]},
        )
    return alert


def link_alert(
    *, user: AbstractBaseUser, alert_id: int, action: Action, request=None
) -> None:
    """Record that an action answers an alert (and acknowledge the alert)."""
    alert = get_alert(user, alert_id)
    alert.action = action
    if alert.status == Alert.Status.OPEN:
        alert.status = Alert.Status.ACKNOWLEDGED
    alert.handled_by = user
    alert.save(update_fields=["action", "status", "handled_by", "updated_at"])
    record(
        "other",
        actor=user,
        request=request,
        obj=alert,
        detail={"change": "alert_action", "action": action.pk},
    )


def set_digest(*, user: AbstractBaseUser, enabled: bool, request=None) -> None:
    """Opt in or out of the daily alert e-mail."""
    require_profile(user)
    DigestPreference.objects.update_or_create(
        user=user, defaults={"daily_digest": enabled}
    )
    record(
        "user_change",
        actor=user,
        request=request,
        object_type="improvement.digestpreference",
        object_id=user.pk,
        detail={"daily_digest": enabled},
    )


def target_provinces(profile: StaffProfile) -> list[str] | None:
    """Provinces whose targets the profile may set: the analyst's own; every
    province (None) for administrators; none for other roles."""
    if profile.role == StaffProfile.Role.ADMINISTRATOR:
        return None
    if profile.role == StaffProfile.Role.PROVINCIAL_ANALYST:
        return [profile.province_code]
    return []


@transaction.atomic
def create_target(*, user: AbstractBaseUser, data: dict, request=None):
    """Set a target (province analysts for their province, administrators)."""
    profile = require_profile(user)
    allowed = target_provinces(profile)
    province = data["province_code"]
    if allowed is not None and province not in allowed:
        raise PermissionDenied(_("Chỉ chuyên viên của tỉnh được đặt mục tiêu."))
    agency = None
    if data.get("agency_code"):
        agency = get_visible_agency(user, data["agency_code"])
        if agency.province_code != province:
            raise ValidationError(_("Cơ quan không thuộc tỉnh này."))
    target, _created = Target.objects.update_or_create(
        province_code=province,
        year=data["year"],
        questionnaire="exit-dv",
        indicator=data["indicator"],
        agency_kind="" if agency else data.get("agency_kind", ""),
        agency=agency,
        defaults={"value": data["value"], "created_by": user},
    )
    record(
        "other",
        actor=user,
        request=request,
        obj=target,
        detail={"change": "target_set", "value": target.value},
    )
    return target


@transaction.atomic
def delete_target(*, user: AbstractBaseUser, pk: int, request=None) -> None:
    allowed = target_provinces(require_profile(user))
    targets = Target.objects.filter(pk=pk)
    if allowed is not None:
        targets = targets.filter(province_code__in=allowed)
    target = targets.first()
    if target is None:
        raise Http404(_("Không tìm thấy mục tiêu."))
    record(
        "other",
        actor=user,
        request=request,
        obj=target,
        detail={"change": "target_deleted", "value": target.value},
    )
    target.delete()


def start_provincial_report(
    *,
    user: AbstractBaseUser,
    agency_code: str,
    period: str,
    language: str,
    request=None,
):
    """Create a provincial report job for an agency in scope and enqueue its
    build once the row is committed."""
    from improvement.tasks import build_provincial_report_task
    from sipas.periods import parse_period

    require_profile(user)
    agency = get_visible_agency(user, agency_code)
    try:
        parse_period(period)
    except ValueError:
        raise ValidationError(_("Kỳ không hợp lệ."))
    if language not in ProvincialReport.Language.values:
        raise ValidationError(_("Ngôn ngữ không hợp lệ."))
    with transaction.atomic():
        report = ProvincialReport.objects.create(
            user=user, agency=agency, period=period, language=language
        )
        build_provincial_report_task.delay_on_commit(str(report.pk))
    return report
