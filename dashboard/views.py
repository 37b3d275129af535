"""Staff dashboards under /dashboard/.

Each view: login → query layer (scope enforced there: PermissionDenied for
non-staff, 404 for agencies outside the scope) → render, or the export of one
of the page's tables with `?export=csv|xlsx&table=<name>`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies.models import Agency
from audit.services import record as audit_record
from dashboard import queries, services, tables
from dashboard import sample as sample_queries
from dashboard.agency import agency_detail
from dashboard.exports import (
    FORMATS,
    download_basename,
    download_scope,
    raw_responses_response,
    table_response,
)
from dashboard.filters import (
    CHANNELS,
    KINDS,
    QUESTIONNAIRES,
    Filters,
    read_filters,
)
from dashboard.models import ReportJob
from dashboard.volume_import import VolumeFileError, read_volumes
from reports.engine import moves
from sipas.numbers import parse_count
from sipas.periods import period_choices
from staff.scope import require_profile, visible_agencies


def _audit_export(request: HttpRequest, what: str, fmt: str) -> None:
    """Every export goes to the audit log (who, what, which filters)."""
    audit_record(
        "export",
        request=request,
        object_type=what,
        detail={"format": fmt, "filters": request.GET.dict()},
    )


def _filters(params) -> Filters:
    """The URL's filters, a procedure field matched to a known one (or dropped
    with a note)."""
    filters = read_filters(params)
    queries.match_field(filters)
    return filters


def _page(
    request: HttpRequest,
    template: str,
    filters: Filters,
    data: dict,
    page_tables: list,
    charts: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render a dashboard page, or export one of its tables."""
    fmt = request.GET.get("export")
    if fmt:
        table = next(
            (t for t in page_tables if t.name == request.GET.get("table")), None
        )
        if fmt not in FORMATS or table is None:
            raise Http404(_("Không có bảng này."))
        if filters.agency_query:
            # a file holds exactly the scope asked for, never the fallback
            raise Http404(_("Không tìm thấy cơ quan."))
        _audit_export(request, f"table:{table.name}", fmt)
        return table_response(
            table,
            fmt,
            download_basename(filters, data),
            download_scope(filters, data),
        )
    for error in filters.errors:
        messages.warning(request, error)
    context = {
        **data,
        "filters": filters,
        "tables": {t.name: t for t in page_tables},
        "charts": charts or {},
        "period_choices": period_choices(),
        "questionnaire_choices": QUESTIONNAIRES,
        "channel_choices": CHANNELS,
        "kind_choices": KINDS,
        "field_choices": queries.procedure_fields(),
        # an agency moved: its history is being re-pooled (a cache read, no query)
        "indices_updating": moves.updating(),
    }
    return render(request, template, context, status=status)


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    filters = _filters(request.GET)
    data = queries.overview(request.user, filters)
    return _page(
        request,
        "dashboard/overview.html",
        filters,
        data,
        tables.overview_tables(data),
        tables.overview_charts(data),
    )


@login_required
def ranking(request: HttpRequest) -> HttpResponse:
    filters = _filters(request.GET)
    if not filters.kind:
        # National view ranks provinces; inside a province, its departments.
        profile = require_profile(request.user)
        national = not filters.agency and profile.role in (
            "national_viewer",
            "administrator",
        )
        filters.kind = (
            Agency.Kind.PEOPLES_COMMITTEE_PROVINCE
            if national
            else Agency.Kind.DEPARTMENT
        )
    data = queries.ranking(request.user, filters, filters.kind)
    return _page(
        request,
        "dashboard/ranking.html",
        filters,
        data,
        tables.ranking_tables(data),
        tables.ranking_charts(data),
    )


@login_required
def method(request: HttpRequest) -> HttpResponse:
    """What the numbers mean (issue 12): one page of prose per language, kept
    as two templates rather than dozens of .po paragraphs (the PDF annex
    includes the same partial)."""
    require_profile(request.user)
    return render(
        request,
        "dashboard/method.html",
        {
            "method_template": method_template(),
            "filters": read_filters(request.GET),
        },
    )


def method_template() -> str:
    """The method partial of the active language (Vietnamese by default)."""
    return f"dashboard/_method_{'en' if get_language() == 'en' else 'vi'}.html"


@login_required
def agency(request: HttpRequest, code: str) -> HttpResponse:
    """One agency's page. The filter form's agency field (a code or a name) moves
    to that agency's page; an agency not found in the user's scope is a 404
    rendered here, with the filters kept and the agencies it might mean."""
    filters = _filters(request.GET)
    require_profile(request.user)
    wanted = filters.agency or code
    found, suggestions = queries.find_agency(request.user, wanted)
    if found is None:
        filters.agency_query, filters.agency = wanted, ""
        filters.agency_suggestions = suggestions
        return _page(
            request, "dashboard/agency_missing.html", filters, {}, [], status=404
        )
    if found.code != code:
        url = reverse("dashboard:agency", args=[found.code])
        return redirect(f"{url}?{filters.querystring(agency='')}")
    filters.agency = found.code
    data = agency_detail(request.user, filters, found)
    return _page(
        request,
        "dashboard/agency.html",
        filters,
        data,
        tables.agency_tables(data),
        tables.agency_charts(data),
    )


@login_required
def agency_search(request: HttpRequest) -> JsonResponse:
    """The agency picker's suggestions: visible agencies matching ?q= by code or
    by name without diacritics (at most 20). 403 for non-staff."""
    require_profile(request.user)
    found = queries.search_agencies(request.user, request.GET.get("q", "")[:100])
    return JsonResponse(
        {
            "results": [
                {
                    "code": agency.code,
                    "name": agency.name,
                    "kind": agency.get_kind_display(),
                    "ended": agency.valid_until is not None,
                }
                for agency in found
            ]
        }
    )


@login_required
def sample(request: HttpRequest) -> HttpResponse:
    filters = _filters(request.GET)
    data = sample_queries.sample_adequacy(
        request.user, filters, request.GET.get("page")
    )
    return _page(
        request, "dashboard/sample.html", filters, data, tables.sample_tables(data)
    )


@login_required
@require_POST
def record_volume(request: HttpRequest) -> HttpResponse:
    count = parse_count(request.POST.get("count", ""))  # "5.000", "5 000", "5000"
    try:
        if count is None:
            raise ValidationError(_("Số giao dịch phải là số nguyên không âm."))
        if count > MAX_TRANSACTION_VOLUME:
            raise ValidationError(_("Số giao dịch quá lớn."))
        services.record_transaction_volume(
            user=request.user,
            agency_code=request.POST.get("agency", ""),
            period=request.POST.get("period", ""),
            count=count,
        )
        messages.success(request, _("Đã lưu số giao dịch."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(_safe_next(request, reverse("dashboard:sample")))


@login_required
@require_POST
def import_volumes(request: HttpRequest) -> HttpResponse:
    """Transaction volumes from a CSV/XLSX file: all stored, or none and every
    bad row named (dashboard/volume_import.py)."""
    upload = request.FILES.get("file")
    filters = read_filters(request.POST)
    try:
        if upload is None or upload.size > MAX_VOLUME_FILE:
            raise VolumeFileError([_("Chọn một tệp CSV hoặc XLSX (tối đa 5 MB).")])
        volumes = read_volumes(upload.file, upload.name, filters.period)
        stored = services.import_transaction_volumes(user=request.user, volumes=volumes)
        messages.success(request, _("Đã nhập %(n)s số giao dịch.") % {"n": stored})
    except VolumeFileError as error:
        messages.error(request, _("Chưa nhập gì: tệp có lỗi, sửa rồi tải lên lại."))
        for text in error.errors[:20]:
            messages.error(request, text)
        if len(error.errors) > 20:
            messages.error(
                request, _("… và %(n)s lỗi khác.") % {"n": len(error.errors) - 20}
            )
    return redirect(_safe_next(request, reverse("dashboard:sample")))


MAX_VOLUME_FILE = 5 * 1024 * 1024


@login_required
def raw_responses(request: HttpRequest) -> HttpResponse:
    """Every response of the user's focus and period, streamed as sipas-csv."""
    filters = _filters(request.GET)
    questionnaire, responses = queries.raw_responses(request.user, filters)
    _audit_export(request, "responses", "csv")
    focus = queries.resolve_focus(request.user, filters)
    return raw_responses_response(
        questionnaire,
        responses,
        filters,
        download_basename(filters, {"focus": focus}),
        request.GET.get("download_token", ""),
        excel=request.GET.get("variant") == "excel",
    )


@login_required
@require_POST
def start_report(request: HttpRequest) -> HttpResponse:
    filters = read_filters(request.POST)
    job = services.start_report(
        user=request.user,
        agency_code=request.POST.get("agency", ""),
        period=filters.period,
        questionnaire=filters.questionnaire,
    )
    return redirect("dashboard:report", pk=job.pk)


def _own_job(request: HttpRequest, pk: str) -> ReportJob:
    require_profile(request.user)
    return get_object_or_404(
        ReportJob.objects.select_related("agency").defer("pdf"),
        pk=pk,
        user=request.user,
        agency__in=visible_agencies(request.user),
    )


@login_required
def report(request: HttpRequest, pk: str) -> HttpResponse:
    return render(
        request, "dashboard/report_progress.html", {"job": _own_job(request, pk)}
    )


@login_required
def report_status(request: HttpRequest, pk: str) -> JsonResponse:
    job = _own_job(request, pk)
    return JsonResponse(
        {
            "status": job.status,
            "progress": job.progress,
            "message": job.message,
            "download": reverse("dashboard:report_download", args=[job.pk])
            if job.status == ReportJob.Status.DONE
            else None,
        }
    )


@login_required
def report_download(request: HttpRequest, pk: str) -> HttpResponse:
    job = _own_job(request, pk)
    pdf = ReportJob.objects.filter(pk=job.pk).values_list("pdf", flat=True).first()
    if job.status != ReportJob.Status.DONE or not pdf:
        raise Http404(_("Báo cáo chưa sẵn sàng."))
    _audit_export(request, "report", "pdf")
    response = HttpResponse(bytes(pdf), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="sipas-{job.agency.code}-{job.period}.pdf"'
    )
    return response


# Far above any agency's yearly transactions, and within the column's range.
MAX_TRANSACTION_VOLUME = 1_000_000_000


def _whole_number(text: str) -> int | None:
    """A number written with the digits 0-9 only, else None.

    str.isdigit() also accepts "²" and other digits that int() refuses.
    """
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None


def _safe_next(request: HttpRequest, default: str) -> str:
    """Return to the list the form was posted from (same site only)."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default
