"""The blank survey page of a place, rendered once and served to everyone; what
a survey request looks up about its place, looked up once per process.

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

`CachedPageMiddleware`, second in settings.MIDDLEWARE, serves a kept page before
the rest of the middleware and the URL resolver run: on the way out of the first
request it keeps the page's final headers (security headers, language, framing)
with the entry; a hit then adds only the host check, the CSRF cookie and the
language choice those middleware would have made. A request it cannot answer
(an HTTPS redirect due, an entry without final headers, anything `serve` turns
down) goes down the usual stack, where the view's own `serve` still applies.

`remembered(request, what, compute)` keeps, in the process, what a survey request
looks up about its place (the place a code names, the published version, the
procedures offered): a submission then asks the database only to store it. The
same generation and lifetime apply, so a saved place or procedure is seen at once.
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.urls import reverse
from django.utils import translation
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
# Final headers that are the request's own, never kept for the next citizen.
OWN_HEADERS = frozenset({"set-cookie", "content-length"})


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


def generation(request: HttpRequest | None = None) -> str:
    """The current generation of what survey pages show (read once per request).

    A random value, not a counter: after the cache is emptied (or the key
    evicted) a new one starts, so nothing kept before can pass for current.
    """
    if request is not None and hasattr(request, "survey_page_generation"):
        return request.survey_page_generation
    current = cache.get(GENERATION_KEY)
    if current is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        current = cache.get(GENERATION_KEY)
    if request is not None:
        request.survey_page_generation = current
    return current


def serve(request: HttpRequest, *, final: bool = False) -> HttpResponse | None:
    """The cached page of this request with fresh tokens, or None (render it).

    `final` (CachedPageMiddleware): only an entry with the final headers of a
    request of the same scheme, and the response carries them all."""
    key = _key(request)
    if key is None:
        return None
    found = cache.get_many([key, GENERATION_KEY])
    if GENERATION_KEY in found:
        request.survey_page_generation = found[GENERATION_KEY]
    current = generation(request)  # what `keep` stores the page under
    entry = found.get(key)
    if entry is None or entry["generation"] != current:
        return None
    complete = entry.get("final")
    if final and (complete is None or complete["secure"] != request.is_secure()):
        return None
    if _already_sent(request, entry["target"], entry["kiosk"]):
        return None
    token = abuse.issue_token(request, entry["target"])
    body = (
        entry["html"].replace(TOKEN_MARK, token).replace(CSRF_MARK, get_token(request))
    )
    response = HttpResponse(body)
    for name, value in (complete["headers"] if final else entry["headers"]).items():
        response[name] = value
    if final:
        response.survey_page_route = _Route(complete["route"])
    if entry["kiosk"]:
        response.kiosk_frame_allowed = True  # sipas.middleware's frame-ancestors
    return response


class _Route:
    """What sipas.metrics reads of a resolver match: the URL pattern."""

    def __init__(self, route: str) -> None:
        self.route = route


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
    response.survey_page_entry = (key, entry)  # CachedPageMiddleware completes it
    return response


class CachedPageMiddleware:
    """Serve a kept survey page before the rest of the middleware (see the module
    docstring); on a miss, keep the final headers of the page the view kept."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.csrf = CsrfViewMiddleware(get_response)  # its cookie, read and set
        self.prefix = ""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self._fast(request)
        if response is not None:
            return response
        response = self.get_response(request)
        kept = getattr(response, "survey_page_entry", None)
        if kept is not None and response.status_code == 200:
            _complete(request, response, *kept)
        return response

    def _fast(self, request: HttpRequest) -> HttpResponse | None:
        if not self.prefix:  # "/s/": reversed once, after the URLconf is loaded
            self.prefix = reverse("surveys:take", args=["x"])[:-2]
        if (
            request.method != "GET"
            or not request.path.startswith(self.prefix)
            or (settings.SECURE_SSL_REDIRECT and not request.is_secure())
            or settings.PREPEND_WWW
            or settings.DISALLOWED_USER_AGENTS
        ):
            return None
        try:
            request.get_host()  # ALLOWED_HOSTS; the usual stack answers the 400
        except DisallowedHost:
            return None
        with translation.override(translation.get_language_from_request(request)):
            self.csrf.process_request(request)  # the citizen's CSRF cookie, if any
            response = serve(request, final=True)
        if response is None:
            return None
        request.resolver_match = response.survey_page_route  # for sipas.metrics
        response["Content-Length"] = str(len(response.content))
        return self.csrf.process_response(request, response)  # sets the cookie


def _complete(
    request: HttpRequest, response: HttpResponse, key: str, entry: dict
) -> None:
    """Keep, with the entry `keep` stored, the headers the middleware added."""
    match = getattr(request, "resolver_match", None)
    entry["final"] = {
        "secure": request.is_secure(),
        "route": getattr(match, "route", "") or "",
        "headers": {
            name: value
            for name, value in response.items()
            if name.lower() not in OWN_HEADERS
        },
    }
    cache.set(key, entry, timeout=settings.SURVEY_PAGE_CACHE_SECONDS)


def invalidate(**kwargs) -> None:
    """Drop every cached survey page and remembered look-up (a signal receiver:
    any sender)."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


# (generation, monotonic time, value) per look-up, in this process.
_remembered: dict[tuple, tuple[str, float, Any]] = {}
REMEMBERED_LIMIT = 20_000  # look-ups kept per process before starting afresh


def remembered(request: HttpRequest, what: tuple, compute: Callable[[], Any]) -> Any:
    """`compute()`, or its value kept in this process from an earlier request of
    the same generation and less than SURVEY_PAGE_CACHE_SECONDS old. `what`
    names the look-up and its arguments, e.g. ("place", code)."""
    lifetime = settings.SURVEY_PAGE_CACHE_SECONDS
    if lifetime <= 0:
        return compute()
    current = generation(request)
    now = time.monotonic()
    kept = _remembered.get(what)
    if kept is not None and kept[0] == current and now - kept[1] < lifetime:
        return kept[2]
    value = compute()
    if len(_remembered) >= REMEMBERED_LIMIT:
        _remembered.clear()
    _remembered[what] = (current, now, value)
    return value


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
