"""Cross-cutting HTTP middleware: security headers, database outages, staff idle expiry.

- SecurityHeadersMiddleware adds the Content-Security-Policy (no inline script:
  `script-src 'self'`) and a Permissions-Policy, and `Cache-Control: no-store` on
  every response to a signed-in user (staff pages and exports). HSTS, nosniff,
  Referrer-Policy and X-Frame-Options come from Django's own SecurityMiddleware
  and XFrameOptionsMiddleware, configured in settings.
- Kiosk pages may be framed by the portal itself (a kiosk shell page): decorate the
  view with `kiosk_frame_allowed`, or call `allow_kiosk_framing(response)` when only
  some requests of a view are kiosk requests (`?kiosk=1`).
- DatabaseUnavailableMiddleware turns a lost database (OperationalError,
  InterfaceError) into a plain Vietnamese 503 page with Retry-After; `server_error`
  is the handler500 that does the same for errors outside views, and otherwise
  shows the 500 page. Neither touches the database nor shows a stack trace.
- StaffIdleTimeoutMiddleware logs a signed-in user out after SESSION_IDLE_TIMEOUT
  seconds without a request, and SESSION_COOKIE_AGE seconds after they signed in
  whatever they do (an absolute limit that does not slide).
- NulCharacterMiddleware answers 400 to a URL, query string or web form holding
  a NUL character, which no page accepts and PostgreSQL cannot even compare (found by
  tests/security/test_bad_dashboard_filters.py).
"""

from __future__ import annotations

import datetime
import functools
import logging
import sys
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseServerError,
    JsonResponse,
)
from django.template import loader
from django.utils.cache import patch_cache_control
from django.views.defaults import bad_request

log = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-src 'self'",
    ]
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def kiosk_frame_allowed(view: Callable) -> Callable:
    """Let the portal's own pages frame this view (X-Frame-Options SAMEORIGIN)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return allow_kiosk_framing(view(request, *args, **kwargs))

    return wrapper


def allow_kiosk_framing(response: HttpResponse) -> HttpResponse:
    """Mark one response as frameable by the same origin only; others stay DENY."""
    response.kiosk_frame_allowed = True
    # XFrameOptionsMiddleware leaves a header that is already set alone.
    response["X-Frame-Options"] = "SAMEORIGIN"
    return response


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        ancestors = (
            "'self'" if getattr(response, "kiosk_frame_allowed", False) else "'none'"
        )
        response.headers.setdefault(
            "Content-Security-Policy",
            f"{CONTENT_SECURITY_POLICY}; frame-ancestors {ancestors}",
        )
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Staff pages and exports show reply contacts and unpublished figures:
            # never kept by the browser or a shared cache.
            patch_cache_control(response, no_store=True, private=True)
        return response


def database_unavailable_response() -> HttpResponse:
    """The 503 page, rendered without a request so no context processor hits the DB."""
    body = loader.render_to_string("503.html")
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        if isinstance(exception, DATABASE_ERRORS):
            # The transaction of the request was rolled back by atomic(); say so to
            # the operator once, and to the citizen in plain words.
            log.error(
                "database unavailable: %s %s: %s",
                request.method,
                request.path,
                exception.__class__.__name__,
            )
            return database_unavailable_response()
        return None


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the 503 page for a lost database, else the plain 500 page."""
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_ERRORS):
        return database_unavailable_response()
    return HttpResponseServerError(loader.render_to_string("500.html"))


class NulCharacterMiddleware:
    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "errors": [
                            {
                                "code": "nul_character",
                                "field": None,
                                "message": "NUL in the URL",
                            }
                        ]
                    },
                    status=400,
                )
            return bad_request(request, SuspiciousOperation("NUL in the URL"))
        if (
            request.method == "POST"
            and request.content_type == "application/x-www-form-urlencoded"
            and any(
                "\x00" in value
                for _, values in request.POST.lists()
                for value in values
            )
        ):
            return bad_request(request, SuspiciousOperation("NUL in the form"))
        return self.get_response(request)


class StaffIdleTimeoutMiddleware:
    """Sign out a user idle for SESSION_IDLE_TIMEOUT seconds, or signed in for
    SESSION_COOKIE_AGE seconds.

    The time of the last request is kept in the session, rewritten at most once a
    minute so that browsing does not write the session on every page. Every write
    of a session would push its expiry SESSION_COOKIE_AGE further (Django counts
    from the last save), so the session is given a fixed expiry date, counted from
    the first request after signing in, and the sign-in time is checked as well.
    """

    KEY = "_last_seen"
    SIGNED_IN_KEY = "_signed_in_at"
    WRITE_EVERY = 60

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timeout = getattr(settings, "SESSION_IDLE_TIMEOUT", 0)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self._check(request, timeout)
        return self.get_response(request)

    def _check(self, request: HttpRequest, timeout: int) -> None:
        session = request.session
        now = int(time.time())
        signed_in_at = session.get(self.SIGNED_IN_KEY)
        if not isinstance(signed_in_at, int):
            signed_in_at = now
            session[self.SIGNED_IN_KEY] = now
            session.set_expiry(
                datetime.datetime.fromtimestamp(
                    now + settings.SESSION_COOKIE_AGE, tz=datetime.UTC
                )
            )
        last_seen = session.get(self.KEY)
        if now - signed_in_at > settings.SESSION_COOKIE_AGE:
            request.logout_reason = "expired"
            logout(request)
        elif timeout and isinstance(last_seen, int) and now - last_seen > timeout:
            request.logout_reason = "idle"
            logout(request)
        elif timeout and (
            not isinstance(last_seen, int) or now - last_seen >= self.WRITE_EVERY
        ):
            session[self.KEY] = now
