"""The login-throttling backend: django-axes, tolerant of request-less callers."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, first in AUTHENTICATION_BACKENDS.

    Every login over HTTP (the staff login page, the admin login) passes the
    request, and is throttled by username and client address. Callers without a
    request — Django's test client `login()`, the shell, management commands —
    run inside the server, not over the network, so there is no client to lock out:
    axes would raise there; this backend lets the next backend decide instead.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
