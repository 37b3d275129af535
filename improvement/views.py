"""Improvement pages under /dashboard/improvement/: what to fix first (key
drivers) and the actions taken. Each view: login → query layer (scope enforced
there) → form/service → render or redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dashboard.filters import Filters, read_filters
from improvement import actions as actions_service
from improvement import alert_services, queries
from improvement.actions import require_editor
from improvement.feedback import write_and_report
from improvement.forms import (
    ActionForm,
    EvidenceForm,
    NoteForm,
    comment_queryset,
)
from improvement.models import ActionEvidence, DriverRun
from sipas.periods import period_choices
from staff.scope import (
    get_visible_agency,
    home_agency,
    require_profile,
    visible_agencies,
)


def _choice(request: HttpRequest, name: str, choices, default: str) -> str:
    """A querystring choice; an unknown value falls back to the default, with a note."""
    value = request.GET.get(name, "") or default
    if value not in dict(choices):
        messages.warning(request, _("Giá trị lọc không hợp lệ đã được bỏ qua."))
        return default
    return value


@login_required
def drivers_home(request: HttpRequest) -> HttpResponse:
    """The drivers of the user's home agency (the province for an analyst)."""
    agency = home_agency(require_profile(request.user))
    if agency is None:
        messages.info(request, _("Chọn một cơ quan để xem động lực hài lòng."))
        return redirect("dashboard:ranking")
    return drivers(request, agency.code)


@login_required
def drivers(request: HttpRequest, code: str) -> HttpResponse:
    filters = read_filters(request.GET)
    for error in filters.errors:
        messages.warning(request, error)
    scope = _choice(request, "scope", DriverRun.Scope.choices, DriverRun.Scope.SUBTREE)
    level = _choice(request, "level", DriverRun.Level.choices, DriverRun.Level.ELEMENT)
    data = queries.driver_matrix(
        request.user, code, filters.period, scope=scope, level=level
    )
    chart = {
        "points": [
            {
                "x": round(p.share, 2),
                "y": p.index,
                "label": p.indicator,
                "quadrant": p.quadrant,
            }
            for p in data["points"]
            if p.index is not None
        ],
        "meanShare": data["mean_share"],
        "meanIndex": data["mean_index"],
        "xLabel": _("Tầm quan trọng (% R²)"),
        "yLabel": _("Chỉ số hài lòng (%)"),
        "quadrants": {k: str(v) for k, v in queries.QUADRANTS.items()},
    }
    context = {
        **data,
        "filters": Filters(period=filters.period, agency=code),
        "period_choices": period_choices(),
        "scope_choices": DriverRun.Scope.choices,
        "level_choices": DriverRun.Level.choices,
        "chart": chart,
    }
    return render(request, "improvement/drivers.html", context)


# --- Improvement actions -----------------------------------------------------------


@login_required
def actions(request: HttpRequest) -> HttpResponse:
    filters = queries.read_action_filters(request.GET)
    for error in filters.errors:
        messages.warning(request, error)
    data = queries.actions_page(request.user, filters, request.GET.get("page"))
    return render(
        request,
        "improvement/actions.html",
        {**data, "action_filters": filters, "filters": read_filters(request.GET)},
    )


@login_required
def action_new(request: HttpRequest) -> HttpResponse:
    """Step 1: choose the agency (?agency=CODE); step 2: the action's form,
    prefilled from the URL (targets, comments, driver finding)."""
    require_editor(request.user)
    code = (request.POST.get("agency") or request.GET.get("agency", "")).strip()
    if not code:
        return render(
            request, "improvement/action_agency.html", {"filters": _filters(request)}
        )
    agency = get_visible_agency(request.user, code)
    finding = actions_service.snapshot_finding(
        agency,
        request.GET.get("period", ""),
        request.GET.get("scope", DriverRun.Scope.SUBTREE),
        request.GET.get("level", DriverRun.Level.ELEMENT),
        request.GET.get("indicator", ""),
    )
    form = ActionForm(
        request.POST or None,
        agency=agency,
        comments=comment_queryset(visible_agencies(request.user), agency),
        preselected=request.GET.getlist("comments"),
        initial={
            "targets": request.GET.getlist("targets")
            or ([finding["indicator"]] if finding else []),
            "comments": request.GET.getlist("comments"),
            "start_date": timezone.localdate(),
        },
    )
    alert_id = request.POST.get("alert") or request.GET.get("alert", "")
    alert = (
        alert_services.get_alert(request.user, int(alert_id))
        if alert_id.isdigit()
        else None
    )
    if request.method == "POST" and form.is_valid():
        finding = _posted_finding(request, agency)
        action = actions_service.create_action(
            user=request.user,
            agency_code=agency.code,
            data={**form.cleaned_data, "finding": finding},
            request=request,
        )
        if alert is not None:
            alert_services.link_alert(
                user=request.user, alert_id=alert.pk, action=action, request=request
            )
        messages.success(request, _("Đã tạo giải pháp."))
        return redirect("improvement:action", action_id=action.pk)
    return render(
        request,
        "improvement/action_form.html",
        {
            "form": form,
            "agency": agency,
            "finding": finding,
            "alert": alert,
            "filters": _filters(request),
        },
    )


def _posted_finding(request: HttpRequest, agency) -> dict:
    """The driver finding named by the form's hidden fields, re-read from the
    stored drivers (never trusted from the form)."""
    return actions_service.snapshot_finding(
        agency,
        request.POST.get("finding_period", ""),
        request.POST.get("finding_scope", ""),
        request.POST.get("finding_level", ""),
        request.POST.get("finding_indicator", ""),
    )


def _filters(request: HttpRequest) -> Filters:
    return read_filters(request.GET)


@login_required
def action(request: HttpRequest, action_id: int) -> HttpResponse:
    data = queries.action_detail(request.user, action_id)
    return render(
        request,
        "improvement/action.html",
        {
            **data,
            "note_form": NoteForm(),
            "evidence_form": EvidenceForm(),
            "filters": _filters(request),
        },
    )


@login_required
def action_edit(request: HttpRequest, action_id: int) -> HttpResponse:
    require_editor(request.user)
    found = actions_service.get_action(request.user, action_id)
    form = ActionForm(
        request.POST or None,
        agency=found.agency,
        comments=comment_queryset(visible_agencies(request.user), found.agency),
        preselected=[str(pk) for pk in found.comments.values_list("pk", flat=True)],
        initial={
            "title": found.title,
            "description": found.description,
            "targets": found.targets,
            "comments": list(found.comments.values_list("pk", flat=True)),
            "owner": found.owner_id,
            "start_date": found.start_date,
            "due_date": found.due_date,
        },
    )
    if request.method == "POST" and form.is_valid():
        actions_service.update_action(
            user=request.user, action=found, data=form.cleaned_data, request=request
        )
        messages.success(request, _("Đã lưu giải pháp."))
        return redirect("improvement:action", action_id=found.pk)
    return render(
        request,
        "improvement/action_form.html",
        {
            "form": form,
            "agency": found.agency,
            "action": found,
            "filters": _filters(request),
        },
    )


@login_required
@require_POST
def action_status(request: HttpRequest, action_id: int) -> HttpResponse:
    write_and_report(
        request,
        lambda: actions_service.change_status(
            user=request.user,
            pk=action_id,
            status=request.POST.get("status", ""),
            request=request,
        ),
        _("Đã cập nhật trạng thái."),
    )
    return redirect("improvement:action", action_id=action_id)


@login_required
@require_POST
def action_note(request: HttpRequest, action_id: int) -> HttpResponse:
    write_and_report(
        request,
        lambda: actions_service.add_note(
            user=request.user,
            pk=action_id,
            text=request.POST.get("text", ""),
            request=request,
        ),
        _("Đã thêm ghi chú."),
    )
    return redirect("improvement:action", action_id=action_id)


@login_required
@require_POST
def action_evidence(request: HttpRequest, action_id: int) -> HttpResponse:
    form = EvidenceForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise ValidationError(_("Hãy chọn một tệp."))
        actions_service.add_evidence(
            user=request.user,
            pk=action_id,
            upload=form.cleaned_data["file"],
            request=request,
        )
        messages.success(request, _("Đã tải lên minh chứng."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("improvement:action", action_id=action_id)


@login_required
def evidence_download(
    request: HttpRequest, action_id: int, evidence_id: int
) -> HttpResponse:
    """An evidence file, only to staff who may see its action (404 otherwise),
    always as an attachment of the type recorded at upload."""
    require_profile(request.user)
    found = actions_service.get_action(request.user, action_id)
    evidence = get_object_or_404(ActionEvidence, pk=evidence_id, action=found)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("Không tìm thấy tệp."))
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def effects(request: HttpRequest) -> HttpResponse:
    """Finished actions and their measured effects (the province's table)."""
    data = queries.finished_actions(request.user, request.GET.get("agency", "").strip())
    report_agency = data["focus"] or home_agency(require_profile(request.user))
    return render(
        request,
        "improvement/effects.html",
        {**data, "report_agency": report_agency, "filters": _filters(request)},
    )
