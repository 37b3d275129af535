"""The citizen's invitation page and the staff's poster downloads."""

from __future__ import annotations

import tempfile

from django.contrib.admin.views.decorators import staff_member_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from agencies.models import AdministrativeUnit
from invitations import posters, services
from staff.scope import visible_agencies

UNAVAILABLE_STATUS = {"unknown": 404, "used": 410, "expired": 410}


def unavailable(request: HttpRequest, reason: str) -> HttpResponse:
    """The polite page for an unknown (404), used or expired (410) link."""
    return render(
        request,
        "invitations/unavailable.html",
        {"reason": reason},
        status=UNAVAILABLE_STATUS[reason],
    )


def take_invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        services.open_invitation(token)
    except services.InvitationUnavailable as exc:
        return unavailable(request, exc.reason)
    raise Http404  # the survey form lands with surveys.views (H2a)


def thanks(request: HttpRequest, token: str) -> HttpResponse:
    return render(request, "invitations/thanks.html", {})


# --- Posters (staff only) ----------------------------------------------------

CONTENT_TYPES = {"pdf": "application/pdf", "svg": "image/svg+xml", "png": "image/png"}


def _visible_target(request: HttpRequest, code: str) -> posters.PosterTarget:
    """The poster target with this code if the staff member may see its agency."""
    target = posters.find_target(code)
    if (
        target is None
        or not visible_agencies(request.user).filter(pk=target.agency_id).exists()
    ):
        raise Http404("Không tìm thấy cơ quan hay điểm phục vụ.")
    return target


@require_GET
@staff_member_required
def poster(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    target = _visible_target(request, code)
    if fmt == "pdf":
        body = posters.poster_pdf([target], title=f"SIPAS – {target.code}")
    elif fmt == "svg":
        body = posters.qr_svg(target.url)
    else:
        body = posters.qr_png(target.url)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = (
        f'{disposition}; filename="qr-{target.code}.{fmt}"'
    )
    return response


@require_GET
@staff_member_required
def province_posters(request: HttpRequest, province_code: str) -> HttpResponse:
    """Every poster of a province in one PDF, built page by page into a temporary
    file (spilled to disk past 16 MB) and streamed from there."""
    if not AdministrativeUnit.objects.filter(
        code=province_code, level=AdministrativeUnit.Level.PROVINCE
    ).exists():
        raise Http404("Không có tỉnh/thành phố này.")
    targets = posters.province_targets(province_code, visible_agencies(request.user))
    if not targets:
        raise Http404("Không có cơ quan nào của tỉnh này trong phạm vi của bạn.")
    out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
    posters.write_posters(targets, out, title=f"SIPAS – {province_code}")
    out.seek(0)
    return FileResponse(
        out,
        as_attachment=True,
        filename=f"sipas-posters-{province_code}.pdf",
        content_type="application/pdf",
    )


@require_GET
@staff_member_required
def poster_index(request: HttpRequest) -> HttpResponse:
    """Provinces in the staff member's scope, each with its bulk poster PDF."""
    codes = (
        visible_agencies(request.user)
        .filter(valid_until__isnull=True)
        .values_list("province_code", flat=True)
        .distinct()
    )
    provinces = AdministrativeUnit.objects.filter(
        level=AdministrativeUnit.Level.PROVINCE, code__in=codes
    ).order_by("code")
    return render(request, "invitations/poster_index.html", {"provinces": provinces})
