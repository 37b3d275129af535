"""Improvement pages about alerts, targets and the provincial report, under
/dashboard/improvement/. Each view: login → query layer or service (scope
enforced there) → render or redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.services import record as audit_record
from improvement import alert_services, queries
from improvement.feedback import write_and_report
from improvement.forms import TargetForm
from improvement.models import Alert, ProvincialReport
from improvement.views import _filters
from staff.scope import require_profile, visible_agencies

# --- Alerts and targets ------------------------------------------------------------


@login_required
def alerts(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    if status and status not in Alert.Status.values:
        messages.warning(request, _("Trạng thái không hợp lệ; bộ lọc bị bỏ qua."))
        status = ""
    data = queries.alerts_page(request.user, status, request.GET.get("page"))
    return render(
        request, "improvement/alerts.html", {**data, "filters": _filters(request)}
    )


@login_required
@require_POST
def alert_status(request: HttpRequest, alert_id: int) -> HttpResponse:
    write_and_report(
        request,
        lambda: alert_services.set_alert_status(
            user=request.user,
            pk=alert_id,
            status=request.POST.get("status", ""),
            request=request,
        ),
        _("Đã cập nhật cảnh báo."),
    )
    return redirect("improvement:alerts")


@login_required
@require_POST
def digest_preference(request: HttpRequest) -> HttpResponse:
    enabled = request.POST.get("daily_digest") == "1"
    alert_services.set_digest(user=request.user, enabled=enabled, request=request)
    messages.success(
        request,
        _("Sẽ gửi thư tổng hợp cảnh báo hằng ngày.")
        if enabled
        else _("Đã tắt thư tổng hợp cảnh báo hằng ngày."),
    )
    return redirect("improvement:alerts")


@login_required
def targets(request: HttpRequest) -> HttpResponse:
    profile = require_profile(request.user)
    year_text = request.GET.get("year", "")
    year = int(year_text) if year_text.isdigit() and len(year_text) == 4 else None
    if year_text and year is None:
        messages.warning(request, _("Năm không hợp lệ; đang hiển thị năm hiện tại."))
    year = year or timezone.localdate().year
    form = TargetForm(
        request.POST or None,
        initial={"province_code": profile.province_code, "year": year, "value": 85},
    )
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise ValidationError(_("Hãy sửa các ô được đánh dấu."))
            alert_services.create_target(
                user=request.user, data=form.cleaned_data, request=request
            )
            messages.success(request, _("Đã lưu mục tiêu."))
            return redirect(f"{request.path}?year={form.cleaned_data['year']}")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    data = queries.targets_page(request.user, year)
    can_set = alert_services.target_provinces(profile) != []
    return render(
        request,
        "improvement/targets.html",
        {**data, "form": form, "can_set": can_set, "filters": _filters(request)},
    )


@login_required
@require_POST
def target_delete(request: HttpRequest, target_id: int) -> HttpResponse:
    alert_services.delete_target(user=request.user, pk=target_id, request=request)
    messages.success(request, _("Đã xoá mục tiêu."))
    return redirect("improvement:targets")


# --- Provincial report -------------------------------------------------------------


@login_required
@require_POST
def start_provincial_report(request: HttpRequest) -> HttpResponse:
    try:
        report = alert_services.start_provincial_report(
            user=request.user,
            agency_code=request.POST.get("agency", ""),
            period=request.POST.get("period", ""),
            language=request.POST.get("language", "vi"),
            request=request,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("improvement:effects")
    return redirect("improvement:provincial_report", report_id=report.pk)


def _own_report(request: HttpRequest, report_id) -> ProvincialReport:
    """A report job of this user, for an agency still in their scope (404)."""
    require_profile(request.user)
    return get_object_or_404(
        ProvincialReport.objects.select_related("agency").defer("docx", "pdf"),
        pk=report_id,
        user=request.user,
        agency__in=visible_agencies(request.user),
    )


@login_required
def provincial_report(request: HttpRequest, report_id) -> HttpResponse:
    return render(
        request,
        "improvement/report_progress.html",
        {"job": _own_report(request, report_id)},
    )


@login_required
def provincial_report_status(request: HttpRequest, report_id) -> JsonResponse:
    job = _own_report(request, report_id)
    done = job.status == ProvincialReport.Status.DONE
    return JsonResponse(
        {
            "status": job.status,
            "progress": job.progress,
            "message": job.message,
            "download": reverse(
                "improvement:provincial_report_file", args=[job.pk, "docx"]
            )
            if done
            else None,
        }
    )


@login_required
def provincial_report_file(
    request: HttpRequest, report_id, file_format: str
) -> HttpResponse:
    fmt = file_format
    job = _own_report(request, report_id)
    if fmt not in ("docx", "pdf"):
        raise Http404(_("Không có định dạng này."))
    content = (
        ProvincialReport.objects.filter(pk=job.pk).values_list(fmt, flat=True).first()
    )
    if job.status != ProvincialReport.Status.DONE or not content:
        raise Http404(_("Báo cáo chưa sẵn sàng."))
    audit_record(
        "export",
        request=request,
        object_type="provincial_report",
        detail={"format": fmt, "agency": job.agency.code, "period": job.period},
    )
    types = {
        "docx": "application/vnd.openxmlformats-officedocument."
        "wordprocessingml.document",
        "pdf": "application/pdf",
    }
    response = HttpResponse(bytes(content), content_type=types[fmt])
    response["Content-Disposition"] = (
        f'attachment; filename="sipas-{job.agency.code}-{job.period}-'
        f'{job.language}.{fmt}"'
    )
    return response
