"""The blank survey page of a place, rendered once and served to everyone.

A service point's form is the same for every citizen but two values: the signed
form token (surveys.abuse) and the CSRF token. So the first request for a page
renders it as usual; the page is kept in the cache with those two values replaced
by marks; later requests for the same address and language get a copy with their
own fresh tokens. A hit costs one cache read, issuing the form token (its budget
counter) and a CSRF token: no database query, no form, no template.

Never served from the cache: POSTs, a signed-in user (a session cookie), a browser
that has just sent this form (its page says so and reuses its key), procedure
searches and other query parameters, anything but a 200 page carrying a form
token. An entry lives SURVEY_PAGE_CACHE_SECONDS (default 300; 0 turns the cache
off) and is dropped at once when a questionnaire, place or procedure is saved or
deleted through the ORM (a generation number in the cache); bulk loads of
reference data (which bypass model signals) are seen when the entries expire.
"""

from __future__ import annotations

import hashlib
import re

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language

from surveys import abuse

TOKEN_MARK = "__sipas_form_token__"
CSRF_MARK = "__sipas_csrf_token__"
GENERATION_KEY = "surveys:page-generation"
# Query parameters a cached page may have (the others, e.g. a procedure search,
# make pages nobody else asks for).
CACHEABLE_PARAMS = frozenset({"q", "kiosk", "thu_tuc", "moi"})
MAX_PATH = 300
TOKEN_VALUE = re.compile(r'(name="token" value=")([^"]+)(")')
CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")([^"]+)(")')
# Response headers a page's view sets (a kiosk page: no-store, frameable).
KEPT_HEADERS = ("Content-Type", "Cache-Control", "X-Frame-Options")


def _key(request: HttpRequest) -> str | None:
    """The cache key of this request's page, or None when it is not shared."""
    if settings.SURVEY_PAGE_CACHE_SECONDS <= 0:
        return None
    if request.method not in ("GET", "HEAD"):
        return None
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return None
    if not CACHEABLE_PARAMS.issuperset(request.GET):
        return None
    path = request.get_full_path()
    if len(path) > MAX_PATH:
        return None
    digest = hashlib.sha256(f"{get_language()}|{path}".encode()).hexdigest()
    return f"surveys:page:{digest[:40]}"


def _already_sent(request: HttpRequest, target: str, kiosk: bool) -> bool:
    if kiosk or request.GET.get("moi"):
        return False
    return abuse.sent_key(request, target) is not None


def serve(request: HttpRequest) -> HttpResponse | None:
    """The cached page of this request with fresh tokens, or None (render it)."""
    key = _key(request)
    if key is None:
        return None
    found = cache.get_many([key, GENERATION_KEY])
    generation = found.get(GENERATION_KEY, 0)
    request.survey_page_generation = generation  # what `keep` stores it under
    entry = found.get(key)
    if entry is None or entry["generation"] != generation:
        return None
    if _already_sent(request, entry["target"], entry["kiosk"]):
        return None
    token = abuse.issue_token(request, entry["target"])
    body = (
        entry["html"].replace(TOKEN_MARK, token).replace(CSRF_MARK, get_token(request))
    )
    response = HttpResponse(body)
    for name, value in entry["headers"].items():
        response[name] = value
    if entry["kiosk"]:
        response.kiosk_frame_allowed = True  # sipas.middleware's frame-ancestors
    return response


def keep(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Keep a freshly rendered blank form page for the next requests; returns it."""
    key = _key(request)
    if (
        key is None
        or response.status_code != 200
        or response.streaming
        or not hasattr(request, "survey_page_generation")
    ):
        return response
    html = response.content.decode(response.charset or "utf-8")
    tokens = TOKEN_VALUE.findall(html)
    if len(tokens) != 1:
        return response  # not a blank survey form
    try:
        target = signing.loads(tokens[0][1], salt=abuse.TOKEN_SALT)["g"]
    except (signing.BadSignature, KeyError, TypeError):
        return response
    kiosk = getattr(response, "kiosk_frame_allowed", False)
    if _already_sent(request, target, kiosk):
        return response  # this page tells its browser it has sent the form
    html = TOKEN_VALUE.sub(rf"\g<1>{TOKEN_MARK}\g<3>", html)
    html = CSRF_VALUE.sub(rf"\g<1>{CSRF_MARK}\g<3>", html)
    entry = {
        "generation": request.survey_page_generation,
        "target": target,
        "kiosk": kiosk,
        "html": html,
        "headers": {name: response[name] for name in KEPT_HEADERS if name in response},
    }
    cache.set(key, entry, timeout=settings.SURVEY_PAGE_CACHE_SECONDS)
    return response


def invalidate(**kwargs) -> None:
    """Drop every cached survey page (a signal receiver: any sender)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no generation yet (or evicted)
        cache.set(GENERATION_KEY, 1, timeout=None)


def connect_signals() -> None:
    """What a survey page shows: questionnaires, places, procedures."""
    from agencies.models import Agency, Procedure, ServicePoint
    from surveys.models import Item, Questionnaire, QuestionnaireVersion

    for model in (
        Agency,
        ServicePoint,
        Procedure,
        Questionnaire,
        QuestionnaireVersion,
        Item,
    ):
        post_save.connect(invalidate, sender=model, dispatch_uid=f"page-{model}")
        post_delete.connect(invalidate, sender=model, dispatch_uid=f"page-d-{model}")
    m2m_changed.connect(
        invalidate, sender=Procedure.agencies.through, dispatch_uid="page-m2m"
    )
