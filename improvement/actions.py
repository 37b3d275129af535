"""Writes of improvement actions: create, edit, move through the workflow, notes
and evidence files. Every function checks the scope itself (the caller passes the
user) and writes the audit log, so a forged form cannot touch an agency outside
the user's remit and no change goes unrecorded.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from agencies.models import Agency
from audit.services import record
from improvement.models import Action, ActionEvidence, ActionNote, DriverRun
from staff.models import StaffProfile
from staff.scope import get_visible_agency, require_profile, visible_agencies

# Evidence: what staff may upload, recognised by extension *and* by the file's
# first bytes (a renamed executable is refused), and served back as this type.
EVIDENCE_TYPES = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (b"PK\x03\x04",),
    ),
}


def require_editor(user: AbstractBaseUser) -> StaffProfile:
    """The profile of a staff member who may change things (not a viewer)."""
    profile = require_profile(user)
    if not profile.can_edit:
        raise PermissionDenied(_("Vai trò của bạn chỉ được xem."))
    return profile


def get_action(user: AbstractBaseUser, pk: int) -> Action:
    """The action if its agency is in the user's scope, else Http404 (the query
    layer's rule: what one may not see does not exist)."""
    from django.http import Http404

    action = (
        Action.objects.select_related("agency", "owner")
        .filter(pk=pk, agency__in=visible_agencies(user))
        .first()
    )
    if action is None:
        raise Http404(_("Không tìm thấy giải pháp."))
    return action


def snapshot_finding(
    agency: Agency, period: str, scope: str, level: str, indicator: str
) -> dict[str, Any]:
    """The stored driver finding of an indicator as a plain dict (kept on the
    action: driver rows are rewritten by every recompute); {} if none."""
    run = DriverRun.objects.filter(
        agency=agency, period=period, scope=scope, level=level
    ).first()
    weight = run and run.weights.filter(indicator=indicator).first()
    if not weight:
        return {}
    return {
        "period": period,
        "scope": scope,
        "level": level,
        "indicator": indicator,
        "share": round(weight.share, 2),
        "share_low": round(weight.share_low, 2),
        "share_high": round(weight.share_high, 2),
        "key": weight.key,
        "n": run.n,
    }


def _audit(request, user, action: Action, change: str, **detail) -> None:
    record(
        "other",
        actor=user,
        request=request,
        obj=action,
        detail={"change": change, "agency": action.agency.code, **detail},
    )


def _measure_later(action: Action) -> None:
    """Measure the action's effects once this transaction commits."""
    from improvement.tasks import measure_action_task

    measure_action_task.delay_on_commit(action.pk)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


@transaction.atomic
def create_action(
    *,
    user: AbstractBaseUser,
    agency_code: str,
    data: dict[str, Any],
    request: HttpRequest | None = None,
) -> Action:
    """Create an action for an agency in the user's scope (Http404 otherwise;
    PermissionDenied for viewers). ``data`` is a cleaned ActionForm: title,
    description, targets, comments (responses), owner, start_date, due_date,
    finding."""
    require_editor(user)
    agency = get_visible_agency(user, agency_code)
    action = Action.objects.create(
        agency=agency,
        title=data["title"],
        description=data.get("description", ""),
        targets=list(data.get("targets", [])),
        finding=data.get("finding") or {},
        owner=data.get("owner"),
        start_date=data["start_date"],
        due_date=data["due_date"],
        created_by=user,
    )
    comments = list(data.get("comments", []))
    action.comments.set(comments)
    _measure_later(action)
    _audit(
        request,
        user,
        action,
        "created",
        comments=[str(c.pk) for c in comments],
        targets=action.targets,
    )
    return action


EDITABLE = ("title", "description", "targets", "owner", "start_date", "due_date")


@transaction.atomic
def update_action(
    *,
    user: AbstractBaseUser,
    action: Action,
    data: dict[str, Any],
    request: HttpRequest | None = None,
) -> Action:
    """Change an action's fields and linked comments; the audit log keeps which
    fields changed, from what to what."""
    require_editor(user)
    action = get_action(user, action.pk)
    changed = {}
    for name in EDITABLE:
        if name in data and getattr(action, name) != data[name]:
            changed[name] = [_plain(getattr(action, name)), _plain(data[name])]
            setattr(action, name, data[name])
    if "comments" in data:
        new = {c.pk for c in data["comments"]}
        old = set(action.comments.values_list("pk", flat=True))
        if new != old:
            action.comments.set(data["comments"])
            changed["comments"] = [sorted(map(str, old)), sorted(map(str, new))]
    if changed:
        action.save(
            update_fields=[*(n for n in changed if n != "comments"), "updated_at"]
        )
        _audit(request, user, action, "edited", fields=changed)
        _measure_later(action)
    return action


@transaction.atomic
def change_status(
    *,
    user: AbstractBaseUser,
    pk: int,
    status: str,
    request: HttpRequest | None = None,
) -> Action:
    """Move an action through đề xuất → đang thực hiện → hoàn thành / hủy;
    ValidationError for a move the workflow does not allow."""
    require_editor(user)
    action = get_action(user, pk)
    if status not in Action.Status.values:
        raise ValidationError(_("Trạng thái không hợp lệ."))
    if status != action.status:
        if status not in Action.TRANSITIONS[action.status]:
            raise ValidationError(
                _("Không thể chuyển từ “%(old)s” sang “%(new)s”.")
                % {
                    "old": action.get_status_display(),
                    "new": Action.Status(status).label,
                }
            )
        old = action.status
        action.status = status
        action.save(update_fields=["status", "updated_at"])
        _audit(request, user, action, "status", fields={"status": [old, status]})
    return action


@transaction.atomic
def add_note(
    *,
    user: AbstractBaseUser,
    pk: int,
    text: str,
    request: HttpRequest | None = None,
) -> ActionNote:
    require_editor(user)
    action = get_action(user, pk)
    text = text.strip()
    if not text:
        raise ValidationError(_("Ghi chú không được để trống."))
    if len(text) > 5000:
        raise ValidationError(_("Ghi chú dài quá 5.000 ký tự."))
    note = ActionNote.objects.create(action=action, author=user, text=text)
    _audit(request, user, action, "note", note=note.pk)
    return note


def check_evidence(upload: UploadedFile) -> str:
    """The content type to store for an acceptable upload; ValidationError with a
    clear message for a file too large, of another type, or whose content does
    not match its extension."""
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("Tệp lớn quá %(mb)s MB.") % {"mb": limit // (1024 * 1024)}
        )
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if extension not in EVIDENCE_TYPES:
        raise ValidationError(
            _("Chỉ nhận tệp PDF, ảnh PNG/JPEG, Word (.docx) hoặc Excel (.xlsx).")
        )
    content_type, signatures = EVIDENCE_TYPES[extension]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head.startswith(signatures):
        raise ValidationError(_("Nội dung tệp không khớp với đuôi tệp."))
    return content_type


@transaction.atomic
def add_evidence(
    *,
    user: AbstractBaseUser,
    pk: int,
    upload: UploadedFile,
    request: HttpRequest | None = None,
) -> ActionEvidence:
    """Store an evidence file under MEDIA_ROOT/private/ (never served as a static
    file) after checking size and type."""
    require_editor(user)
    action = get_action(user, pk)
    content_type = check_evidence(upload)
    evidence = ActionEvidence(
        action=action,
        name=upload.name[-200:],
        content_type=content_type,
        size=upload.size,
        uploaded_by=user,
    )
    evidence.file.save(upload.name, upload, save=False)
    try:
        evidence.save()
        _audit(
            request, user, action, "evidence", file=evidence.name, size=evidence.size
        )
    except Exception:
        evidence.file.delete(save=False)  # no row, no file
        raise
    return evidence
