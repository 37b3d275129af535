"""The survey page of a place, for any caller: shows the form, accepts it once.

Design choice: the questionnaire is ONE page with numbered sections, not one step
per element. On a slow phone connection one page is one request (a step design
costs a round trip per element and loses answers when a step fails to load); the
browser's own back/forward keeps every answer; it needs no server-side draft state
and no JavaScript; a screen-reader user gets the whole form and the error summary
in one place. Each section heading says "Phần 2/9" and, with JavaScript, a
progress bar counts the questions answered.

`survey_page` is the public helper: the page checks the form; the `submit`
function it is given stores it. `surveys.views.take_survey` passes
`services.submit_response`; the invitation page (`/s/i/<token>/`) passes
`invitations.services.answer_invitation` bound to its token, which stores the
response and consumes the token in one transaction. That transaction covers the
write only: the page is rendered after it has committed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from agencies.models import Agency, Procedure, ServicePoint
from agencies.text import fold
from sipas.middleware import allow_kiosk_framing
from surveys import abuse, pagecache, queries
from surveys.forms import HONEYPOT, SurveyForm, find_tampering
from surveys.models import Channel, QuestionnaireVersion, Response

MAX_BODY_BYTES = 64 * 1024  # a full hh-1001 form with a 4,000-character comment < 40 KB
# Kiosk: a form with answers waits this many times the point's idle time before
# asking "Ông/Bà còn tiếp tục không?", then counts down this many seconds before it
# starts afresh (never wiped silently; an untouched form is never interrupted).
KIOSK_STARTED_IDLE_FACTOR = 3
KIOSK_COUNTDOWN_SECONDS = 20

# `submit(**fields)` stores one response and returns it (`created_now` False for the
# first response of a repeated idempotency key); `fields` are the keyword arguments
# of `surveys.services.submit_response`.
Submit = Callable[..., Response]


def survey_page(
    request: HttpRequest,
    *,
    point_or_agency: ServicePoint | Agency,
    version: QuestionnaireVersion,
    submit: Submit,
    on_submitted: Callable[[Response | None], HttpResponse],
    prefill: dict | None = None,
    source: str | None = None,
    kiosk: bool = False,
    procedure: Procedure | None = None,
    page_key: str = "",
) -> HttpResponse:
    """Render the survey form of a place, or accept it, `submit` it and call
    `on_submitted`.

    - `submit(**fields)` stores the checked form (see `Submit`) and returns the
      Response (the first one again for a repeated submission). Exceptions it
      raises propagate to the caller, e.g. an invitation that cannot be answered.
    - `on_submitted(response)` returns the page to send after a successful POST
      (normally a redirect to a thank-you page). It gets the stored Response or
      None for a bot caught by the honeypot, which is told it succeeded and stored
      nothing.
    - `prefill`: initial values, e.g. {"procedure": <Procedure pk>,
      "channel": "truc_tiep"}.
    - `source`: Response.Source; default kiosk or web.
    - `procedure`: a procedure fixed by the caller (an invitation names it): the
      only one offered, and the one stored whatever the form sends.
    - `page_key`: what else the form tokens are bound to besides the place and
      version, e.g. one invitation, so that no other page's form is taken here.
    Tampered input gets a 400 page and stores nothing; ordinary mistakes get the
    form back with the answers kept and an error summary.
    """
    place = queries.Place.of(point_or_agency)
    survey = _Survey(
        place=place,
        version=version,
        procedures=[procedure]
        if procedure
        else pagecache.remembered(
            request,
            ("procedures", place.code),
            lambda: list(queries.procedures_at(place)),
        ),
        fixed_procedure=procedure,
        kiosk=kiosk,
        source=source or (Response.Source.KIOSK if kiosk else Response.Source.WEB),
        page_key=page_key,
    )
    if request.method == "POST":
        return _receive(request, survey, submit, on_submitted)
    return _show(request, survey, *_blank_form(request, survey, prefill))


@dataclass(frozen=True)
class _Survey:
    """What one survey page is about; shared by showing and receiving its form."""

    place: queries.Place
    version: QuestionnaireVersion
    procedures: list[Procedure]
    fixed_procedure: Procedure | None
    kiosk: bool
    source: str
    page_key: str = ""

    @property
    def target(self) -> str:
        """What a form token is valid for: this place and questionnaire version
        (and the caller's page, e.g. one invitation)."""
        target = f"{self.place.code}:{self.version.pk}"
        return f"{target}:{self.page_key}" if self.page_key else target

    def form(self, **kwargs) -> SurveyForm:
        return SurveyForm(version=self.version, procedures=self.procedures, **kwargs)


def _blank_form(
    request: HttpRequest, survey: _Survey, prefill: dict | None
) -> tuple[SurveyForm, str, bool]:
    """A new form; after a recent submission here, one with the same key (no dupes)."""
    previous = None
    if not survey.kiosk and not request.GET.get("moi"):
        previous = abuse.sent_key(request, survey.target)
    initial = {"token": abuse.issue_token(request, survey.target, key=previous)}
    if survey.place.service_point is not None:
        initial["channel"] = _default_channel(survey.place.service_point)
    initial.update(prefill or {})
    return survey.form(initial=initial), "", previous is not None


def _receive(
    request: HttpRequest,
    survey: _Survey,
    submit: Submit,
    on_submitted: Callable[[Response | None], HttpResponse],
) -> HttpResponse:
    """Check a POSTed form and store it once, or show it again with its errors."""
    refusal = _refuse(request)
    if refusal is not None:
        return refusal
    form = survey.form(data=request.POST)
    problem = find_tampering(form, request.POST)
    if problem:
        return _bad_request(request, problem)
    try:
        token = abuse.read_token(request.POST.get("token", ""), survey.target)
    except abuse.TokenInvalid:
        return _bad_request(request, _("Biểu mẫu không hợp lệ hoặc đã bị sửa."))
    except abuse.TokenExpired:
        form = survey.form(data=_with_new_token(request, survey.target))
        notice = _("Biểu mẫu đã mở quá lâu. Các câu trả lời vẫn còn, xin bấm Gửi lại.")
        return _show(request, survey, form, notice, False)
    if abuse.token_over_post_limit(token):
        return _rate_limited(request)
    if request.POST.get(HONEYPOT):
        return on_submitted(None)  # a bot: pretend success, store nothing
    if not form.is_valid():
        return _show(request, survey, form, "", False)
    key = token.key  # a repeat (double click) gets its thank-you even at the limit
    if abuse.client_at_rate_limit(request) and not queries.already_stored(key):
        return _rate_limited(request)
    flag_reason = abuse.fill_time_flag(token)
    response = submit(
        idempotency_key=key,
        reply_contact=form.contact(),
        version=survey.version,
        agency_id=survey.place.agency.pk,
        service_point_id=getattr(survey.place.service_point, "pk", None),
        procedure_id=getattr(survey.fixed_procedure, "pk", None) or form.procedure_id(),
        channel=form.cleaned_data["channel"],
        respondent=form.respondent(),
        comment=form.cleaned_data["comment"],
        answers=form.answers(),
        source=survey.source,
        flagged=bool(flag_reason),
        flag_reason=flag_reason,
    )
    if response.created_now:
        abuse.count_stored_response(request)
    page = on_submitted(response)
    if not survey.kiosk:
        abuse.remember_sent(page, request, survey.target, key)
    return page


def _show(
    request: HttpRequest,
    survey: _Survey,
    form: SurveyForm,
    notice: str,
    already_sent: bool,
) -> HttpResponse:
    context = _form_context(request, form, survey, notice)
    context["already_sent"] = already_sent
    response = render(request, "surveys/survey.html", context)
    if survey.kiosk:
        forget_citizen(response)
    return response


# --- helpers -----------------------------------------------------------------------


def reset_url(code: str, params: QueryDict | dict) -> str:
    """The kiosk's way back to a fresh form for the next citizen."""
    keep = {k: params[k] for k in ("q",) if params.get(k)}
    keep.update(kiosk="1", reset="1")
    return f"{reverse('surveys:take', args=[code])}?{urlencode(keep)}"


def forget_citizen(response: HttpResponse) -> HttpResponse:
    """Kiosk pages: never kept in the browser's cache, so back shows nothing old."""
    response["Cache-Control"] = "no-store"
    return allow_kiosk_framing(response)


def _refuse(request: HttpRequest) -> HttpResponse | None:
    """A 400 page for a POST we will not read, else None."""
    content_type = request.content_type or ""
    if content_type == "application/x-www-form-urlencoded":
        # Django parsed this body from request.body, which it keeps.
        if len(request.body) > MAX_BODY_BYTES:
            return _bad_request(request, _("Biểu mẫu gửi lên quá lớn."))
        try:
            # Django replaces undecodable bytes silently; a real browser never
            # sends them, so decode once more, strictly.
            parse_qsl(request.body.decode("ascii"), encoding="utf-8", errors="strict")
        except (UnicodeDecodeError, ValueError):
            return _bad_request(request, _not_utf8())
    elif content_type == "multipart/form-data":
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES:
            return _bad_request(request, _("Biểu mẫu gửi lên quá lớn."))
        if request.FILES:
            return _bad_request(request, _("Phiếu khảo sát không nhận tệp đính kèm."))
        if any(
            "\ufffd" in value
            for _key, values in request.POST.lists()
            for value in values
        ):
            return _bad_request(request, _not_utf8())
    else:
        return _bad_request(
            request, _("Biểu mẫu phải được gửi như một biểu mẫu web thường.")
        )
    return None


def _rate_limited(request: HttpRequest) -> HttpResponse:
    response = render(request, "surveys/rate_limited.html", status=429)
    response["Retry-After"] = str(settings.SURVEY_RATE_WINDOW_SECONDS)
    return response


def _not_utf8() -> str:
    return _("Biểu mẫu có ký tự không đọc được (không phải UTF-8).")


def _bad_request(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "surveys/bad_request.html", {"message": message}, status=400)


def _with_new_token(request: HttpRequest, target: str) -> QueryDict:
    data = request.POST.copy()
    data["token"] = abuse.issue_token(request, target)
    return data


def _default_channel(point: ServicePoint) -> str:
    """Where the citizen stands tells the likely channel; they can change it."""
    if point.kind == ServicePoint.Kind.ONLINE:
        return Channel.ONLINE
    return Channel.IN_PERSON


def _procedure_groups(
    procedures: list[Procedure], search: str, selected: str
) -> list[tuple[str, list[tuple[str, str, bool]]]]:
    """Procedures matching the search (all when empty), grouped by field.

    The selected one is always kept, so a search never drops the citizen's choice.
    """
    words = fold(search).split()
    groups: dict[str, list[tuple[str, str, bool]]] = {}
    for procedure in procedures:
        value = str(procedure.pk)
        haystack = f"{procedure.name_folded} {procedure.code.lower()}"
        if value != selected and not all(word in haystack for word in words):
            continue
        groups.setdefault(procedure.field or _("Khác"), []).append(
            (value, procedure.name, value == selected)
        )
    return list(groups.items())


def _error_summary(form: SurveyForm) -> list[dict]:
    """One entry per field error, in page order, with the id of its first input."""
    numbers = {
        bf.name: n for section in form.question_sections() for n, bf in section.fields
    }
    entries = []
    for name in form.fields:
        for message in form.errors.get(name, []):
            bound = form[name]
            multiple = len(bound.subwidgets) > 1 or name in numbers
            anchor = (
                f"{bound.auto_id}_0"
                if multiple and name != "procedure"
                else bound.auto_id
            )
            entries.append(
                {"anchor": anchor, "number": numbers.get(name), "message": message}
            )
    return entries


def _form_context(
    request: HttpRequest, form: SurveyForm, survey: _Survey, notice: str
) -> dict:
    place, version, kiosk = survey.place, survey.version, survey.kiosk
    english = translation.get_language() == "en"
    search = request.GET.get("tim", "")[:100]
    selected = str(form["procedure"].value() or "")
    sections = form.question_sections()
    errors = _error_summary(form) if form.is_bound else []
    idle = place.service_point.kiosk_idle_seconds if place.service_point else 60
    return {
        "form": form,
        "place": place,
        "agency_name": queries.agency_name(place.agency),
        "version": version,
        "title": version.title_en if english and version.title_en else version.title,
        "intro": version.intro_en if english and version.intro_en else version.intro,
        "sections": sections,
        "section_count": len(sections) + 3,  # + service, comment, about you
        "procedure_groups": _procedure_groups(survey.procedures, search, selected),
        "procedure_count": len(survey.procedures),
        "fixed_procedure": survey.fixed_procedure,
        "search": search,
        "selected_procedure": selected,
        "error_list": errors,
        "non_field_errors": form.non_field_errors() if form.is_bound else [],
        "notice": notice,
        "kiosk": kiosk,
        "idle_seconds": idle,
        "idle_started_seconds": idle * KIOSK_STARTED_IDLE_FACTOR,
        "countdown_seconds": KIOSK_COUNTDOWN_SECONDS,
        "reset_url": reset_url(place.code, request.GET) if kiosk else "",
        "question_count": len(form.item_codes()),
    }
