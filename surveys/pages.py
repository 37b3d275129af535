"""The survey page of a place, for any caller: shows the form, accepts it once.

Two layouts of one form. Question pages (surveys/steps.py, the default outside
kiosks): one section per page, the overall question first, "Tiếp tục", back
without losing answers, no JavaScript needed. The one-page form with numbered
sections ("Phần 2/9"): kiosks (a shared tablet keeps no citizen's answers in a
session and shows five answers in a row), and every page with
SURVEY_QUESTION_PAGES off. Both end in the same checks and the same `submit`.

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
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from agencies.models import Agency, Procedure, ServicePoint
from sipas.middleware import allow_kiosk_framing
from surveys import abuse, page_parts, pagecache, queries, refusals, steps
from surveys.forms import CHANNEL_ASKED, HONEYPOT, SurveyForm, find_tampering
from surveys.models import Channel, QuestionnaireVersion, Response

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
    # Question pages (surveys.steps) everywhere but at kiosks; a POST without a page
    # number is the one-page form (a kiosk, or a page rendered before a switch).
    stepped = settings.SURVEY_QUESTION_PAGES and not kiosk
    if request.method == "POST":
        refusal = refusals.refuse(request)
        if refusal is not None:
            return refusal
        if stepped and steps.STEP_PARAM in request.POST:
            return _receive_step(request, survey, submit, on_submitted, prefill)
        return _receive(request, survey, submit, on_submitted)
    if stepped:
        return _show_step(request, survey, prefill)
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

    def layout(self) -> SurveyForm:
        """The form's fields to read (the question pages, the allowed values),
        not to bind or render: no copies of them (SurveyForm's `shared`)."""
        return self.form(shared=True)


def _blank_form(
    request: HttpRequest, survey: _Survey, prefill: dict | None
) -> tuple[SurveyForm, str, bool]:
    """A new form; after a recent submission here, one with the same key (no dupes)."""
    previous = None
    if not survey.kiosk and not request.GET.get("moi"):
        previous = abuse.sent_key(request, survey.target)
    initial = {"token": abuse.issue_token(request, survey.target, key=previous)}
    initial.update(_starting_values(survey, prefill))
    return survey.form(initial=initial), "", previous is not None


def _starting_values(survey: _Survey, prefill: dict | None) -> dict:
    """What a new form starts with: the caller's prefill and, where the channel is
    asked, the one the place suggests (a household form leaves it open)."""
    values = {}
    point = survey.place.service_point
    if point is not None and survey.version.questionnaire.code in CHANNEL_ASKED:
        values["channel"] = _default_channel(point)
    values.update(prefill or {})
    return values


def _receive(
    request: HttpRequest,
    survey: _Survey,
    submit: Submit,
    on_submitted: Callable[[Response | None], HttpResponse],
    state: steps.State | None = None,
) -> HttpResponse:
    """Check a sent form and store it once, or show it again with its errors.

    The form is the POST (one page) or, with `state`, the answers the question
    pages kept: both go through the same checks and the same `submit`."""
    data = request.POST if state is None else steps.form_data(state)
    lead = steps.OVERALL if state is not None else None
    # Checked with the shared fields; a form that is shown again gets its own.
    form = survey.form(data=data, lead_item=lead, shared=True)
    # The question pages' answers were checked page by page as they came in
    # (_receive_step); a one-page form is checked here.
    problem = find_tampering(form, data) if state is None else None
    if problem:
        return refusals.bad_request(request, problem)
    try:
        token = abuse.read_token(data.get("token", ""), survey.target)
    except abuse.TokenInvalid:
        return refusals.bad_request(request, _("Biểu mẫu không hợp lệ hoặc đã bị sửa."))
    except abuse.TokenExpired:
        form = survey.form(data=_with_new_token(request, data, survey.target))
        notice = _("Biểu mẫu đã mở quá lâu. Các câu trả lời vẫn còn, xin bấm Gửi lại.")
        return _show(request, survey, form, notice, False)
    over_post_limit, client_at_limit = abuse.post_limits(request, token)
    if over_post_limit:
        return refusals.rate_limited(request)
    if data.get(HONEYPOT):
        return on_submitted(None)  # a bot: pretend success, store nothing
    if not form.is_valid():
        form = survey.form(data=data, lead_item=lead)
        form.is_valid()
        if state is not None:
            plan = steps.plan(form)
            number = steps.first_step_with_errors(form, plan)
            return _render_step(request, survey, form, number, "", False, plan)
        return _show(request, survey, form, "", False)
    key = token.key  # a repeat (double click) gets its thank-you even at the limit
    if client_at_limit and not queries.already_stored(key):
        return refusals.rate_limited(request)
    flag_reason = abuse.fill_time_flag(token, answered=len(form.answers()))
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


def _receive_step(
    request: HttpRequest,
    survey: _Survey,
    submit: Submit,
    on_submitted: Callable[[Response | None], HttpResponse],
    prefill: dict | None,
) -> HttpResponse:
    """Keep one question page's answers and go on, back, or send (surveys.steps)."""
    blank = survey.layout()
    plan = steps.plan(blank)
    number = steps.step_number(request.POST, len(plan))
    action = request.POST.get(steps.ACTION, "next")
    if number is None or action not in steps.ACTIONS:
        return refusals.bad_request(request, _("Biểu mẫu không hợp lệ hoặc đã bị sửa."))
    step = plan[number - 1]
    posted = request.POST.copy()
    for name in steps.CONTROL_FIELDS:
        posted.pop(name, None)
    foreign = steps.foreign_fields(posted, step)
    problem = find_tampering(blank, posted)  # it reads the fields, not the data
    if foreign:
        problem = _("Biểu mẫu gửi lên có trường không được hỏi: %(names)s.") % {
            "names": ", ".join(name[:30] for name in foreign[:3])
        }
    if problem:
        return refusals.bad_request(request, problem)
    token_text = posted.get("token", "")
    try:
        key = abuse.read_token(token_text, survey.target).key
    except abuse.TokenInvalid:
        return refusals.bad_request(request, _("Biểu mẫu không hợp lệ hoặc đã bị sửa."))
    except abuse.TokenExpired:
        key = ""
    if posted.get(HONEYPOT):
        return on_submitted(None)  # a bot: pretend success, store nothing
    state = previous = steps.load(request, survey.target)
    if previous is None or previous.token != token_text:
        start = _starting_values(survey, prefill)
        data = {name: [str(value)] for name, value in start.items() if value}
        state = steps.State(token=token_text, key=key, data=data)
    if not key:  # open too long: the answers stay, with a new token
        state.token = abuse.issue_token(request, survey.target)
        state.key = abuse.read_token(state.token, survey.target).key
    if state.sent and (action == "send" or number == len(plan)):
        # Sent already (a double tap, or back and send again): stored once.
        stored = queries.stored_response(state.key)
        if stored is not None:
            page = on_submitted(stored)
            abuse.remember_sent(page, request, survey.target, state.key)
            return page
    steps.take_answers(state, step, posted)
    if action == "back":
        steps.save(request, survey.target, state)
        return redirect(_step_url(request, max(number - 1, 1)))
    if action == "next" and number < len(plan):
        steps.save(request, survey.target, state)
        form = survey.form(data=steps.form_data(state), require_answer=False)
        if any(name in form.errors for name in step.fields):
            return _render_step(request, survey, form, number, "", False, plan)
        return redirect(_step_url(request, number + 1))
    # Sending. The session keeps the answers only if they are not stored now
    # (mistakes to correct, a refusal); once stored only "sent" stays, and a
    # survey sent from its first page with no session never writes one: a
    # repeat of it carries the same key, which stores nothing (surveys.services).
    sent: list[Response | None] = []

    def submitted(response: Response | None) -> HttpResponse:
        sent.append(response)
        return on_submitted(response)

    page = _receive(request, survey, submit, submitted, state=state)
    if not sent:
        steps.save(request, survey.target, state)
    elif previous is not None:  # answers (maybe of an older form) in the session
        steps.mark_sent(request, survey.target, state)
    return page


def _show_step(
    request: HttpRequest, survey: _Survey, prefill: dict | None
) -> HttpResponse:
    """A question page: the first of a new form, or the one asked for with the
    answers kept (`?buoc=N`); `?moi=1` starts again."""
    state = steps.load(request, survey.target)
    if state is not None and request.GET.get("moi"):
        steps.forget(request, survey.target)
        state = None
    blank = survey.layout()
    plan = steps.plan(blank)
    number = steps.step_number(request.GET, len(plan)) or 1
    if state is None:
        form, notice, already_sent = _blank_form(request, survey, prefill)
        return _render_step(request, survey, form, number, notice, already_sent, plan)
    form = survey.form(initial=steps.initial(state, blank))
    return _render_step(request, survey, form, number, "", state.sent, plan)


def _render_step(
    request: HttpRequest,
    survey: _Survey,
    form: SurveyForm,
    number: int,
    notice: str,
    already_sent: bool,
    plan: list[steps.Step] | None = None,
) -> HttpResponse:
    plan = plan or steps.plan(form)
    step = plan[number - 1]
    numbers = steps.numbered(form, plan)
    context = _form_context(request, form, survey, notice, numbers)
    context.update(
        already_sent=already_sent,
        step=step,
        step_number=number,
        step_count=len(plan),
        step_param=steps.STEP_PARAM,
        questions=[(numbers[n], form[n]) for n in step.fields if n in numbers],
        error_list=[e for e in context["error_list"] if e["field"] in step.fields],
        back_url=_step_url(request, number - 1) if number > 1 else "",
    )
    return render(request, "surveys/survey_step.html", context)


def _step_url(request: HttpRequest, number: int) -> str:
    """This page's address at question page `number`, keeping `q` and `thu_tuc`."""
    keep = {k: request.GET[k] for k in ("q", "thu_tuc") if request.GET.get(k)}
    keep[steps.STEP_PARAM] = str(number)
    return f"{request.path}?{urlencode(keep)}"


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


def _with_new_token(request: HttpRequest, data: QueryDict, target: str) -> QueryDict:
    data = data.copy()
    data["token"] = abuse.issue_token(request, target)
    return data


def _default_channel(point: ServicePoint) -> str:
    """Where the citizen stands tells the likely channel; they can change it."""
    if point.kind == ServicePoint.Kind.ONLINE:
        return Channel.ONLINE
    return Channel.IN_PERSON


def _form_context(
    request: HttpRequest,
    form: SurveyForm,
    survey: _Survey,
    notice: str,
    numbers: dict[str, int] | None = None,
) -> dict:
    place, version, kiosk = survey.place, survey.version, survey.kiosk
    english = translation.get_language() == "en"
    search = request.GET.get("tim", "")[:100]
    selected = str(form["procedure"].value() or "")
    sections = form.question_sections()
    errors = page_parts.error_summary(form, numbers) if form.is_bound else []
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
        "procedure_groups": page_parts.procedure_groups(
            survey.procedures, search, selected
        ),
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
