"""The citizen's invitation page and the staff's poster downloads.

The invitation page is the survey page of `surveys.pages`, with
`services.answer_invitation` as its submit function: the response is stored and
the token consumed in one transaction, so that a token stores one response
whatever the clicks. This module adds only what is particular to invitations.
"""

from __future__ import annotations

import tempfile
from functools import partial

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from agencies.models import AdministrativeUnit
from invitations import posters, services
from staff.scope import require_profile, visible_agencies
from surveys import queries as survey_queries
from surveys import views as survey_views
from surveys.models import Response
from surveys.pages import survey_page

UNAVAILABLE_STATUS = {"unknown": 404, "used": 410, "expired": 410}


def unavailable(request: HttpRequest, reason: str) -> HttpResponse:
    """The polite page for an unknown (404), used or expired (410) link."""
    return render(
        request,
        "invitations/unavailable.html",
        {"reason": reason},
        status=UNAVAILABLE_STATUS[reason],
    )


@require_http_methods(["GET", "HEAD", "POST"])
def take_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """`/s/i/<token>/`: the survey page of the invitation's place, with its agency
    and procedure fixed; the token is consumed in the transaction that stores
    the response (`services.answer_invitation`)."""
    try:
        invitation = services.open_invitation(token)
    except services.InvitationUnavailable as exc:
        # A POST on a used token may be the same form sent twice; the claim
        # below tells that apart from a second response.
        if request.method != "POST" or exc.reason != "used":
            return unavailable(request, exc.reason)
        invitation = exc.invitation
    if request.method == "GET" and invitation.opened_at is None:
        services.mark_opened(invitation)
    version = survey_queries.published_version(invitation.questionnaire_code)
    if version is None:
        # The questionnaire is not published (yet): not the link's fault.
        return render(
            request,
            "surveys/not_found.html",
            {"questionnaire_missing": True},
            status=404,
        )

    def on_submitted(response: Response | None) -> HttpResponse:
        # The token was consumed with the response (None: a bot caught by the
        # honeypot, nothing stored).
        return redirect("invitations:thanks", token=token)

    try:
        page = survey_page(
            request,
            point_or_agency=invitation.service_point or invitation.agency,
            version=version,
            submit=partial(services.answer_invitation, token=token),
            on_submitted=on_submitted,
            prefill={
                name: value
                for name, value in (
                    ("procedure", invitation.procedure_id),
                    ("channel", invitation.channel),
                )
                if value
            },
            procedure=invitation.procedure,
            source=Response.Source.INVITATION,
            # Its forms are its own: a public form of the same place or another
            # invitation's form is refused, not stored against this link.
            page_key=f"invitation-{invitation.pk}",
        )
    except services.InvitationUnavailable as exc:
        return unavailable(request, exc.reason)
    if invitation.is_used and page.status_code == 200:
        # A used link whose form came back with mistakes: it could not be stored
        # anyway, so say why instead of showing the form again.
        return unavailable(request, "used")
    return page


@require_GET
def thanks(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.find_invitation(token)
    if invitation is None:
        return unavailable(request, "unknown")
    place = survey_queries.Place.of(invitation.service_point or invitation.agency)
    context = {
        "place": place,
        "agency_name": survey_queries.agency_name(place.agency),
        "kiosk": False,
        "pakn_url": survey_views.PAKN_URL,
    }
    return render(request, "surveys/thanks.html", context)


# --- Posters (staff only) ----------------------------------------------------

CONTENT_TYPES = {"pdf": "application/pdf", "svg": "image/svg+xml", "png": "image/png"}


def _visible_target(request: HttpRequest, code: str) -> posters.PosterTarget:
    """The poster target with this code if the staff member may see its agency."""
    require_profile(request.user)
    target = posters.find_target(code)
    if (
        target is None
        or not visible_agencies(request.user).filter(pk=target.agency_id).exists()
    ):
        raise Http404("Không tìm thấy cơ quan hay điểm phục vụ.")
    return target


@require_GET
@login_required
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
@login_required
def province_posters(request: HttpRequest, province_code: str) -> HttpResponse:
    """Every poster of a province in one PDF, built page by page into a temporary
    file (spilled to disk past 16 MB) and streamed from there."""
    require_profile(request.user)
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
@login_required
def poster_index(request: HttpRequest) -> HttpResponse:
    """Provinces in the staff member's scope, each with its bulk poster PDF.

    Any staff member (a staff profile, is_staff or not) prints the posters of
    their scope; the admin's is_staff flag is for administrators.
    """
    require_profile(request.user)
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
