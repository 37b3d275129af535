"""The survey as question pages: one section per page, "Tiếp tục", back without
losing answers, no JavaScript needed (issue #17; GOV.UK's "one thing per page",
adapted to one section per page).

Order: the overall question (G) first, so a citizen who answers one question and
sends has answered the one that matters most; then the transaction (procedure,
channel) for the post-transaction form; one page per section of items; last, the
comment with the reply contact and, folded, the optional questions about the
respondent. A household form (no G, no transaction) asks its procedure and
channel, optional, just before the last page.

State: the answers given so far live in the citizen's session under the form's
place and version (`target`), with the signed form token (surveys.abuse) that the
first page issued; no answer is stored as a response until the citizen sends.
Every page POSTs its answers (Post/Redirect/Get to `?buoc=N`), so the browser's
own back button and the page's "Quay lại" both show the answers kept. Sending
rebuilds the one-page form's POST data from the state and hands it to the one
submit path (`surveys.pages`), with the token's idempotency key: every sent
survey is stored once. After sending, the answers leave the session; only "sent"
is kept, so a repeated send is acknowledged without storing anything.

The one-page form stays: kiosks use it (a shared device keeps no citizen's
answers in a session, and a tablet shows five choices in a row), and so does
every page when SURVEY_QUESTION_PAGES is off.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _

from surveys.forms import HONEYPOT, SurveyForm
from surveys.models import RESPONDENT_FIELDS

STEP_PARAM = "buoc"
ACTION = "action"
CONTROL_FIELDS = frozenset({STEP_PARAM, ACTION})
ACTIONS = ("next", "back", "send")
OVERALL = "G"
STATE_PREFIX = "sipas-survey:"
END_FIELDS = ["comment", "reply_contact", *RESPONDENT_FIELDS]


@dataclass
class Step:
    """One page: its heading and the form fields it asks, in order."""

    key: str
    title: str
    fields: list[str]


def plan(form: SurveyForm) -> list[Step]:
    """The pages of a questionnaire version's form, in the order they are asked."""
    first: list[Step] = []
    middle: list[Step] = []
    for key, title, names in form.section_codes():
        step = Step(key=key, title=title, fields=names)
        (first if OVERALL in names else middle).append(step)
    service = Step(
        key="service",
        title=_("Thủ tục Ông/Bà vừa làm"),
        fields=["procedure", "channel"],
    )
    if form.fields["channel"].required:
        first.append(service)
    else:
        middle.append(service)
    end = Step(key="end", title=_("Ý kiến của Ông/Bà"), fields=END_FIELDS)
    return first + middle + [end]


def numbered(form: SurveyForm, steps: list[Step]) -> dict[str, int]:
    """Question numbers in the order the pages ask them (items only)."""
    items = set(form.item_codes())
    names = [name for step in steps for name in step.fields if name in items]
    return {name: number for number, name in enumerate(names, start=1)}


def step_number(data: QueryDict, count: int) -> int | None:
    """The page a POST or GET names (1-based), None when it is not one of ours."""
    raw = data.get(STEP_PARAM, "")
    if not raw.isdigit() or not 1 <= int(raw) <= count:
        return None
    return int(raw)


def foreign_fields(data: QueryDict, step: Step) -> list[str]:
    """Names POSTed with a page that the page does not ask (tampering)."""
    allowed = set(step.fields) | {"token", HONEYPOT, "csrfmiddlewaretoken"}
    return sorted(set(data) - allowed - CONTROL_FIELDS)


# --- the answers kept between pages ----------------------------------------------


@dataclass
class State:
    """A survey in progress: its form token (string and key) and the answers so
    far ({field: [values]}); `sent` once stored (answers dropped then)."""

    token: str
    key: str
    data: dict[str, list[str]] = field(default_factory=dict)
    sent: bool = False


def load(request: HttpRequest, target: str) -> State | None:
    raw = request.session.get(STATE_PREFIX + target)
    if not isinstance(raw, dict):
        return None
    try:
        return State(
            token=str(raw["token"]),
            key=str(raw["key"]),
            data={str(k): [str(v) for v in vs] for k, vs in raw["data"].items()},
            sent=bool(raw.get("sent")),
        )
    except (KeyError, AttributeError, TypeError):
        return None


def save(request: HttpRequest, target: str, state: State) -> None:
    """Keep the state; an anonymous citizen's session lives as long as a form."""
    request.session[STATE_PREFIX + target] = {
        "token": state.token,
        "key": state.key,
        "data": state.data,
        "sent": state.sent,
    }
    if not request.user.is_authenticated:
        request.session.set_expiry(settings.SURVEY_FORM_MAX_AGE_SECONDS)


def forget(request: HttpRequest, target: str) -> None:
    request.session.pop(STATE_PREFIX + target, None)


def mark_sent(request: HttpRequest, target: str, state: State) -> None:
    """The survey is stored: drop its answers, remember that it was sent."""
    save(request, target, State(token=state.token, key=state.key, sent=True))


def take_answers(state: State, step: Step, data: QueryDict) -> None:
    """Replace the state's answers to this page's questions with the POSTed ones
    (an answer taken back, e.g. an unticked box, is dropped)."""
    for name in step.fields:
        values = [value for value in data.getlist(name) if value != ""]
        if values:
            state.data[name] = values
        else:
            state.data.pop(name, None)


def form_data(state: State) -> QueryDict:
    """The one-page form's POST data for the answers kept, with the form token."""
    data = QueryDict(mutable=True)
    for name, values in state.data.items():
        data.setlist(name, values)
    data["token"] = state.token
    data[HONEYPOT] = ""
    return data


def initial(state: State, form: SurveyForm) -> dict:
    """The kept answers as a form's initial values (a page shown again)."""
    values: dict = {"token": state.token}
    for name, answers in state.data.items():
        if name not in form.fields:
            continue
        multiple = getattr(form.fields[name].widget, "allow_multiple_selected", False)
        values[name] = answers if multiple else answers[0]
    return values


def first_step_with_errors(form: SurveyForm, steps: list[Step]) -> int:
    """The page (1-based) holding the first field with an error."""
    for number, step in enumerate(steps, start=1):
        if any(name in form.errors for name in step.fields):
            return number
    return 1
