"""Staff writes: comment reviews, transaction volumes, PDF report jobs.

Each function checks the scope itself (the caller passes the user), so a forged
form cannot touch an agency outside the user's remit.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from agencies.models import Agency
from audit.services import record as audit_record
from dashboard.models import CommentReview, ReportJob, TransactionVolume
from dashboard.volume_import import VolumeFileError, VolumeRow
from sipas.periods import is_period
from staff.scope import require_profile, visible_agencies
from surveys.models import Response


def _require_editor(user: AbstractBaseUser) -> None:
    if not require_profile(user).can_edit:
        raise PermissionDenied(_("Vai trò của bạn chỉ được xem."))


def assignable_users(agency: Agency) -> list[AbstractBaseUser]:
    """Staff who may be assigned a comment of this agency: managers of the agency
    or an agency above it, and analysts of its province."""
    ancestors = [int(pk) for pk in agency.path.strip("/").split("/") if pk]
    managers = Q(
        staff_profile__role="agency_manager", staff_profile__agency_id__in=ancestors
    )
    analysts = Q(
        staff_profile__role="provincial_analyst",
        staff_profile__province_code=agency.province_code,
    )
    return list(
        get_user_model()
        .objects.filter(is_active=True)
        .filter(managers | analysts)
        .order_by("username")
    )


@transaction.atomic
def review_comment(
    *,
    user: AbstractBaseUser,
    response_id: str,
    status: str,
    assignee_id: int | None,
    note: str,
    request=None,
) -> CommentReview:
    """Move a comment through mới → đang xử lý → đã phản hồi, assign it, note it;
    the change goes to the audit log.

    Http404 when the response is outside the user's scope; PermissionDenied for
    read-only roles; ValidationError for a move the workflow does not allow or an
    assignee who may not handle the agency's comments.
    """
    _require_editor(user)
    response = (
        Response.objects.select_related("agency")
        .filter(pk=response_id, agency__in=visible_agencies(user))
        .exclude(comment="")
        .first()
    )
    if response is None:
        raise Http404(_("Không tìm thấy ý kiến."))
    review, _created = CommentReview.objects.select_for_update().get_or_create(
        response=response
    )
    if status not in CommentReview.Status.values:
        raise ValidationError(_("Trạng thái không hợp lệ."))
    if (
        status != review.status
        and status not in CommentReview.TRANSITIONS[review.status]
    ):
        raise ValidationError(_("Không thể chuyển sang trạng thái này."))
    if assignee_id is not None and assignee_id not in {
        u.pk for u in assignable_users(response.agency)
    }:
        raise ValidationError(_("Người được giao không phụ trách cơ quan này."))
    before = (review.status, review.assignee_id, review.note)
    review.status = status
    review.assignee_id = assignee_id
    review.note = note[:5000]
    review.updated_by = user
    review.save()
    _audit_review(user, request, review, before)
    return review


def _audit_review(user, request, review: CommentReview, before: tuple) -> None:
    """One audit event per changed comment review (single and bulk alike): the
    old and new status and assignee, whether the note changed (not its text)."""
    old_status, old_assignee, old_note = before
    changes = {}
    if old_status != review.status:
        changes["status"] = [old_status, review.status]
    if old_assignee != review.assignee_id:
        changes["assignee"] = [old_assignee, review.assignee_id]
    if old_note != review.note:
        changes["note"] = True
    if changes:
        audit_record(
            "other",
            actor=user,
            request=request,
            obj=review,
            object_repr=f"comment {review.response_id}",
            detail={"change": "comment_review", **changes},
        )


MAX_BULK = 100  # at most a few pages of comments in one request


@transaction.atomic
def bulk_review_status(
    *, user: AbstractBaseUser, response_ids: list[str], status: str, request=None
) -> tuple[int, int]:
    """Move the selected comments to one status, each checked like a single
    change (scope, workflow) and audit-logged. Comments outside the scope are
    left alone as if absent; a move the workflow does not allow is skipped.
    Returns (changed, skipped). PermissionDenied for read-only roles,
    ValidationError for an unknown status or too many comments."""
    _require_editor(user)
    if status not in CommentReview.Status.values:
        raise ValidationError(_("Trạng thái không hợp lệ."))
    if len(response_ids) > MAX_BULK:
        raise ValidationError(_("Chọn tối đa 100 ý kiến mỗi lần."))
    responses = list(
        Response.objects.filter(pk__in=response_ids, agency__in=visible_agencies(user))
        .exclude(comment="")
        .order_by("pk")
    )
    changed = skipped = 0
    for response in responses:
        review, _created = CommentReview.objects.select_for_update().get_or_create(
            response=response
        )
        if review.status == status:
            continue
        if status not in CommentReview.TRANSITIONS[review.status]:
            skipped += 1
            continue
        before = (review.status, review.assignee_id, review.note)
        review.status = status
        review.updated_by = user
        review.save(update_fields=["status", "updated_by", "updated_at"])
        _audit_review(user, request, review, before)
        changed += 1
    return changed, skipped


@transaction.atomic
def record_transaction_volume(
    *, user: AbstractBaseUser, agency_code: str, period: str, count: int
) -> TransactionVolume:
    """Enter (or correct) the number of transactions of an agency in a period."""
    _require_editor(user)
    agency = visible_agencies(user).filter(code=agency_code).first()
    if agency is None:
        raise Http404(_("Không tìm thấy cơ quan."))
    if not is_period(period):
        raise ValidationError(_("Kỳ không hợp lệ (ví dụ 2026, 2026-Q3, 2026-07)."))
    if count < 0:
        raise ValidationError(_("Số giao dịch không được âm."))
    volume, _created = TransactionVolume.objects.update_or_create(
        agency=agency, period=period, defaults={"count": count, "entered_by": user}
    )
    return volume


def import_transaction_volumes(
    *, user: AbstractBaseUser, volumes: list[VolumeRow]
) -> int:
    """Store the volumes read from a file (dashboard.volume_import), all or
    nothing: an agency outside the user's scope (or unknown) is reported with its
    row and nothing is written. Returns how many volumes were stored."""
    _require_editor(user)
    codes = {row.agency for row in volumes}
    agencies = dict(
        visible_agencies(user).filter(code__in=codes).values_list("code", "pk")
    )
    errors = [
        _("Dòng %(row)s, cột “Mã”: không có cơ quan %(agency)s trong phạm vi của bạn.")
        % {"row": row.line, "agency": row.agency}
        for row in volumes
        if row.agency not in agencies
    ]
    if errors:
        raise VolumeFileError(errors)
    with transaction.atomic():
        TransactionVolume.objects.bulk_create(
            [
                TransactionVolume(
                    agency_id=agencies[row.agency],
                    period=row.period,
                    count=row.count,
                    entered_by=user,
                )
                for row in volumes
            ],
            update_conflicts=True,
            unique_fields=["agency", "period"],
            update_fields=["count", "entered_by", "entered_at"],
        )
    return len(volumes)


def start_report(
    *, user: AbstractBaseUser, agency_code: str, period: str, questionnaire: str
) -> ReportJob:
    """Create a PDF report job and enqueue its task once the row is committed."""
    from dashboard.tasks import build_report_task

    require_profile(user)
    agency = visible_agencies(user).filter(code=agency_code).first()
    if agency is None:
        raise Http404(_("Không tìm thấy cơ quan."))
    with transaction.atomic():
        job = ReportJob.objects.create(
            user=user, agency=agency, period=period, questionnaire=questionnaire
        )
        build_report_task.delay_on_commit(str(job.pk))
    return job
