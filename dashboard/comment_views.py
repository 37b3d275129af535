"""The comments triage views (issue 17): the list, one card's save (in place
with JSON, or a plain form back to the card), and the bulk status change.

Scope and workflow are checked in dashboard.services; reads in
dashboard.comments.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dashboard import comments as comment_queries
from dashboard import queries, services, tables
from dashboard.models import CommentReview
from dashboard.views import _filters, _page, _safe_next, _whole_number


@login_required
def comments(request: HttpRequest) -> HttpResponse:
    filters = _filters(request.GET)
    if request.GET.get("export"):
        # The export holds every matching comment, not only the page shown.
        rows = comment_queries.comment_responses(request.user, filters, request.GET)
        data = {
            "responses": comment_queries.with_review_labels(rows.iterator()),
            "focus": queries.resolve_focus(request.user, filters),
        }
        return _page(request, "", filters, data, tables.comments_tables(data))
    data = comment_queries.comments_page(request.user, filters, request.GET)
    data["statuses"] = CommentReview.Status.choices
    data["params"] = request.GET
    # what a failed plain-form save had typed, shown once on its card
    drafts = request.session.pop(comment_queries.DRAFTS, {})
    for response in data["responses"]:
        response.draft = drafts.get(str(response.pk))
    return _page(
        request, "dashboard/comments.html", filters, data, tables.comments_tables(data)
    )


@login_required
@require_POST
def review_comment(request: HttpRequest, pk: str) -> HttpResponse:
    """Save one comment's review. Sent by the page's script (Accept: JSON) it
    answers JSON, the card updated in place; a plain form is redirected back to
    the card's anchor, and a failed save keeps what was typed (session draft)."""
    assignee = request.POST.get("assignee", "")
    assignee_id = _whole_number(assignee)
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        if assignee and assignee_id is None:
            raise ValidationError(_("Người được giao không phụ trách cơ quan này."))
        review = services.review_comment(
            user=request.user,
            response_id=pk,
            status=request.POST.get("status", ""),
            assignee_id=assignee_id,
            note=request.POST.get("note", ""),
            request=request,
        )
    except ValidationError as error:
        text = " ".join(error.messages)
        if wants_json:
            return JsonResponse({"ok": False, "error": text}, status=400)
        request.session[comment_queries.DRAFTS] = {
            str(pk): {
                "status": request.POST.get("status", ""),
                "assignee": assignee,
                "note": request.POST.get("note", "")[:5000],
                "error": text,
            }
        }
    else:
        text = str(_("Đã cập nhật ý kiến."))
        if wants_json:
            return JsonResponse(
                {
                    "ok": True,
                    "message": text,
                    "status": review.status,
                    "status_label": str(review.get_status_display()),
                    "assignee": review.assignee.get_username()
                    if review.assignee_id
                    else "",
                    "note": review.note,
                }
            )
        messages.success(request, text)
    target = _safe_next(request, reverse("dashboard:comments")).split("#")[0]
    return redirect(f"{target}#c-{pk}")


@login_required
@require_POST
def bulk_review(request: HttpRequest) -> HttpResponse:
    """Move the selected comments (ids) to one status; back to the list."""
    ids = [i for i in request.POST.getlist("ids") if _is_uuid(i)]
    try:
        if not ids:
            raise ValidationError(_("Chưa chọn ý kiến nào."))
        changed, skipped = services.bulk_review_status(
            user=request.user,
            response_ids=ids,
            status=request.POST.get("status", ""),
            request=request,
        )
        messages.success(request, _("Đã cập nhật %(n)s ý kiến.") % {"n": changed})
        if skipped:
            messages.warning(
                request,
                _("%(n)s ý kiến không chuyển được sang trạng thái này.")
                % {"n": skipped},
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(_safe_next(request, reverse("dashboard:comments")))


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
