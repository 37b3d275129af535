"""Ballot-stuffing defences that need no login: rate limit, form tokens, fill time.

- Two limits, counted in the cache (Redis in production, so all app processes
  share the counters). Per client: responses stored, SURVEY_RATE_LIMIT per window;
  the client is a keyed hash (settings.HASH_PEPPER) of its address behind the
  trusted proxies (sipas.clientip), never stored or logged. Per form token: POSTs
  of one rendered form, SURVEY_TOKEN_POST_LIMIT. A POST that stores nothing (no or
  a forged token, a form with mistakes, a repeat) never counts against its client,
  so junk sent from behind a commune's NAT cannot lock out its service centre.
- Every rendered form carries a signed token: a random idempotency key, the time it
  was rendered and what it was rendered for. A double click, a refresh or a
  back-and-resubmit sends the same key, so one response is stored (the unique
  Response.idempotency_key makes that hold even for two requests in a race).
- A form sent back faster than settings.SURVEY_MIN_FILL_SECONDS is stored, but
  flagged: flagged responses stay out of the indices until staff accept them. So
  is a form handed out past the client's SURVEY_TOKEN_ISSUE_LIMIT per window
  (forms fetched ahead to beat the fill time). Tokens are bound to their page
  (place, version, invitation) and store one response at most (the key).
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest

from sipas.clientip import client_ip

TOKEN_SALT = "surveys.form-token"
FLAG_TOO_FAST = "fill_time"
FLAG_OVER_ISSUED = "forms_fetched_ahead"


def client_key(request: HttpRequest) -> str:
    """A keyed hash of the client's IP address; the address itself is not kept."""
    digest = hmac.new(
        settings.HASH_PEPPER.encode(),
        client_ip(request).encode(),
        hashlib.sha256,
    )
    return digest.hexdigest()[:32]


def _window() -> int:
    return int(time.time()) // settings.SURVEY_RATE_WINDOW_SECONDS


def _rate_key(request: HttpRequest) -> str:
    return f"surveys:rate:{client_key(request)}:{_window()}"


def _count(key: str, timeout: int) -> int:
    """Add one to a counter that lives `timeout` seconds from its first count;
    return the new value. On Redis one round trip (SET NX EX, then INCR, in one
    pipeline): a citizen's request makes several counts, and Django's add + incr
    took three round trips each."""
    return _count_and_read(key, timeout, None)[0]


def _count_and_read(key: str, timeout: int, other: str | None) -> tuple[int, Any]:
    """:func:`_count` of `key` and, in the same round trip, the value of the key
    `other` (None when it has none, or when `other` is None)."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        name = backend.make_and_validate_key(key)
        client = backend._cache.get_client(name, write=True)
        # No MULTI/EXEC: SET NX then INCR count right whatever runs between
        # them, and a transaction costs three more replies to parse.
        pipeline = client.pipeline(transaction=False)
        pipeline.set(name, 0, ex=timeout, nx=True)
        pipeline.incr(name)
        if other is not None:
            pipeline.get(backend.make_and_validate_key(other))
        replies = pipeline.execute()
        raw = replies[2] if other is not None else None
        value = None if raw is None else backend._cache._serializer.loads(raw)
        return replies[1], value
    cache.add(key, 0, timeout=timeout)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=timeout)
        count = 1
    return count, (None if other is None else cache.get(other))


def count_stored_response(request: HttpRequest) -> None:
    """Count one new response against its client (not repeats, not refusals)."""
    _count(_rate_key(request), settings.SURVEY_RATE_WINDOW_SECONDS + 5)


def post_limits(request: HttpRequest, token: FormToken) -> tuple[bool, bool]:
    """The two limits of one POST, in one cache round trip: (this form was sent
    more than SURVEY_TOKEN_POST_LIMIT times, counting this one; this client
    stored SURVEY_RATE_LIMIT responses in this window). Fixed windows of
    SURVEY_RATE_WINDOW_SECONDS: cheap and good enough to stop a script; a burst
    at a window edge can reach twice the limit."""
    count, stored = _count_and_read(
        f"surveys:token-posts:{token.key}",
        settings.SURVEY_FORM_MAX_AGE_SECONDS + 5,
        _rate_key(request),
    )
    return (
        count > settings.SURVEY_TOKEN_POST_LIMIT,
        (stored or 0) >= settings.SURVEY_RATE_LIMIT,
    )


@dataclass(frozen=True)
class FormToken:
    key: str
    rendered_at: float
    target: str
    over_issued: bool = False

    def seconds_to_fill(self, now: float | None = None) -> float:
        return (now if now is not None else time.time()) - self.rendered_at


class TokenExpired(Exception):
    """The form was rendered too long ago; the citizen should send it again."""


class TokenInvalid(Exception):
    """The token was not made by us, or for another survey."""


def make_token(target: str, key: str | None = None, over_issued: bool = False) -> str:
    """A signed token for one rendered form of `target` ("<place code>:<version pk>",
    and the caller's page, e.g. one invitation).

    `key` reuses the idempotency key of a form already sent (see `sent_key`).
    `over_issued` marks a form handed out past the client's issuance budget.
    """
    payload = {"k": key or uuid.uuid4().hex, "t": round(time.time(), 3), "g": target}
    if over_issued:
        payload["o"] = 1
    return signing.dumps(payload, salt=TOKEN_SALT, compress=False)


def issue_token(request: HttpRequest, target: str, key: str | None = None) -> str:
    """A token for a form about to be shown, counted against the client's budget.

    Fetching forms ahead and sending them back later would beat the fill-time
    check; so a client gets SURVEY_TOKEN_ISSUE_LIMIT fresh forms per window, and
    the answers of any form past that are stored but flagged for staff review
    (a refusal would turn away the citizens behind a busy shared address).
    """
    if key is not None:  # the same form again (already sent): no new form
        return make_token(target, key=key)
    count = _count(
        f"surveys:issued:{client_key(request)}:{_window()}",
        settings.SURVEY_RATE_WINDOW_SECONDS + 5,
    )
    return make_token(target, over_issued=count > settings.SURVEY_TOKEN_ISSUE_LIMIT)


def read_token(token: str, target: str) -> FormToken:
    """Check a token sent back with a form; raise TokenInvalid or TokenExpired."""
    try:
        payload = signing.loads(
            token, salt=TOKEN_SALT, max_age=settings.SURVEY_FORM_MAX_AGE_SECONDS
        )
    except signing.SignatureExpired:
        raise TokenExpired()
    except signing.BadSignature:
        raise TokenInvalid()
    if not isinstance(payload, dict) or payload.get("g") != target:
        raise TokenInvalid()
    key, rendered_at = payload.get("k"), payload.get("t")
    if not isinstance(key, str) or not isinstance(rendered_at, int | float):
        raise TokenInvalid()
    return FormToken(
        key=key,
        rendered_at=float(rendered_at),
        target=target,
        over_issued=payload.get("o") == 1,
    )


# A quick answer (the overall question alone, "Gửi ngay") is a real one: the form
# is too fast below SURVEY_MIN_FILL_SECONDS or this many seconds per answer given,
# whichever is less.
SECONDS_PER_ANSWER = 3


def fill_time_flag(token: FormToken, answered: int | None = None) -> str:
    """The flag reason for a form sent back too fast or handed out past the
    client's budget, else "". `answered`: how many questions the form answers."""
    seconds = token.seconds_to_fill()
    least = settings.SURVEY_MIN_FILL_SECONDS
    if answered is not None:
        least = min(least, SECONDS_PER_ANSWER * max(answered, 1))
    if seconds < least:
        return f"{FLAG_TOO_FAST}: {seconds:.0f}s"
    if token.over_issued:
        return FLAG_OVER_ISSUED
    return ""


# --- "Already sent" memory for back-and-resubmit --------------------------------
# A browser that re-fetches the form after going back (no back/forward cache) would
# get a fresh key and could store the same answers twice. So after a submission the
# browser keeps, for a short while, a signed cookie naming the place and the key it
# used; the form of that place is then rendered with the same key and a notice.
# It holds no answers and nothing about the citizen. Kiosks never set it: the next
# person at a kiosk is someone else.
SENT_COOKIE = "sipas_sent"
SENT_SALT = "surveys.sent"
SENT_MAX_AGE = 30 * 60


def remember_sent(response, request, target: str, key: str) -> None:
    value = signing.dumps({"g": target, "k": key}, salt=SENT_SALT)
    response.set_cookie(
        SENT_COOKIE,
        value,
        max_age=SENT_MAX_AGE,
        path="/s/",
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )


def sent_key(request: HttpRequest, target: str) -> str | None:
    """The key of the form this browser sent for `target` in the last half hour."""
    raw = request.COOKIES.get(SENT_COOKIE)
    if not raw:
        return None
    try:
        payload = signing.loads(raw, salt=SENT_SALT, max_age=SENT_MAX_AGE)
    except signing.BadSignature:
        return None
    if isinstance(payload, dict) and payload.get("g") == target:
        key = payload.get("k")
        return key if isinstance(key, str) else None
    return None
