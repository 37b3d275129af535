"""Citizen pages: find a place, answer its survey, thank-you; kiosk mode.

The survey form itself is `surveys.pages.survey_page`, shared with the
invitations app.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from agencies.models import Agency, Procedure
from surveys import pagecache, queries, services
from surveys.pages import forget_citizen, reset_url, survey_page

KIOSK_THANKS_SECONDS = 5
# The national public service portal; its "Phản ánh, kiến nghị" section takes formal
# complaints. Linked at its root: deep links there change between redesigns.
PAKN_URL = "https://dichvucong.gov.vn/"


def home(request: HttpRequest) -> HttpResponse:
    """Start page: search service points, agencies and procedures by name or code."""
    text = request.GET.get("q", "")[:100]
    procedure_code = request.GET.get("thu_tuc", "")[:40]
    context: dict = {"text": text, "searched": bool(text.strip())}
    procedure = (
        Procedure.objects.active().filter(code=procedure_code).first()
        if procedure_code
        else None
    )
    if procedure is not None:
        points, agencies = queries.places_for_procedure(procedure, text)
        context.update(procedure=procedure, points=points, agencies=agencies)
    elif text.strip():
        found = queries.search_places(text)
        context.update(
            points=found.points,
            agencies=found.agencies,
            procedures=found.procedures,
            shown=found.shown,
            total=found.total,
        )
    return render(request, "surveys/start.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def take_survey(request: HttpRequest, code: str) -> HttpResponse:
    """`/s/<code>/`: the survey of a service point, else of an agency (QR target)."""
    cached = pagecache.serve(request)
    if cached is not None:
        return cached
    found = pagecache.remembered(
        request, ("place", code), lambda: queries.resolve_place(code)
    )
    if isinstance(found, Agency):  # an ended agency: its successor took over
        return redirect(_survey_url(found.code, request.GET))
    if found is None:
        return _not_found(request, code)
    kiosk = _is_kiosk(request, found)
    if kiosk and request.GET.get("reset") == "1":
        return _kiosk_reset(request, found.code)
    questionnaire = request.GET.get("q", "") or found.questionnaire_code
    version = pagecache.remembered(
        request,
        ("version", questionnaire),
        lambda: queries.published_version(questionnaire),
    )
    if version is None:
        return _not_found(request, code, questionnaire_missing=True)
    procedure_code = request.GET.get("thu_tuc", "")
    procedure = (
        pagecache.remembered(
            request,
            ("procedure", procedure_code),
            lambda: Procedure.objects.filter(code=procedure_code).first(),
        )
        if procedure_code
        else None
    )
    page = survey_page(
        request,
        point_or_agency=found.service_point or found.agency,
        version=version,
        prefill={"procedure": procedure.pk} if procedure else None,
        submit=services.submit_response,
        on_submitted=lambda response: redirect(_thanks_url(found.code, kiosk)),
        kiosk=kiosk,
    )
    return pagecache.keep(request, page)


def thanks(request: HttpRequest, code: str) -> HttpResponse:
    """The thank-you page; in kiosk mode it returns to the start after 5 seconds."""
    found = queries.resolve_place(code)
    if not isinstance(found, queries.Place):
        return _not_found(request, code)
    kiosk = _is_kiosk(request, found)
    context = {
        "place": found,
        "agency_name": queries.agency_name(found.agency),
        "kiosk": kiosk,
        "pakn_url": PAKN_URL,
        "reset_url": reset_url(found.code, request.GET) if kiosk else "",
        "reset_seconds": KIOSK_THANKS_SECONDS,
    }
    response = render(request, "surveys/thanks.html", context)
    if kiosk:
        forget_citizen(response)
    return response


# --- helpers -----------------------------------------------------------------------


def _not_found(
    request: HttpRequest, code: str, *, questionnaire_missing: bool = False
) -> HttpResponse:
    context = {"code": code[:60], "questionnaire_missing": questionnaire_missing}
    return render(request, "surveys/not_found.html", context, status=404)


def _is_kiosk(request: HttpRequest, place: queries.Place) -> bool:
    if request.GET.get("kiosk") == "1":
        return True
    return bool(place.service_point and place.service_point.kiosk)


def _survey_url(code: str, params: QueryDict | dict) -> str:
    keep = {k: params[k] for k in ("q", "kiosk") if params.get(k)}
    url = reverse("surveys:take", args=[code])
    return f"{url}?{urlencode(keep)}" if keep else url


def _thanks_url(code: str, kiosk: bool) -> str:
    url = reverse("surveys:thanks", args=[code])
    return f"{url}?kiosk=1" if kiosk else url


def _kiosk_reset(request: HttpRequest, code: str) -> HttpResponse:
    """Back to a fresh form in Vietnamese for the next citizen."""
    params = request.GET.copy()
    params.pop("reset", None)
    response = redirect(_survey_url(code, params))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, "vi", samesite="Lax", secure=request.is_secure()
    )
    forget_citizen(response)
    return response
