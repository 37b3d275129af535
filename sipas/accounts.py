"""Password reset, throttled: each request sends an e-mail, so a script could
flood a staff member's mailbox or the mail server from one address, or aim at one
address from many.

PASSWORD_RESET_LIMIT requests per client (its address behind the trusted proxies,
sipas.clientip) and PASSWORD_RESET_EMAIL_LIMIT per e-mail address, per hour; past
either, the form comes back with a 429 and no mail is sent. Counters live in the
cache under keyed hashes, never the address or the e-mail itself.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings
from django.contrib.auth.views import PasswordResetView
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from sipas.clientip import client_ip

WINDOW_SECONDS = 3600


def _over_limit(kind: str, value: str, limit: int) -> bool:
    """Count one request for `value`; True once the hour's count passes `limit`."""
    digest = hmac.new(settings.HASH_PEPPER.encode(), value.encode(), hashlib.sha256)
    key = f"reset:{kind}:{digest.hexdigest()[:32]}:{int(time.time()) // WINDOW_SECONDS}"
    cache.add(key, 0, timeout=WINDOW_SECONDS + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS + 5)
        count = 1
    return count > limit


class ThrottledPasswordResetView(PasswordResetView):
    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if _over_limit("client", client_ip(request), settings.PASSWORD_RESET_LIMIT):
            return self._refused()
        return super().post(request, *args, **kwargs)

    def form_valid(self, form) -> HttpResponse:
        email = form.cleaned_data["email"].strip().lower()
        if _over_limit("email", email, settings.PASSWORD_RESET_EMAIL_LIMIT):
            return self._refused()
        return super().form_valid(form)

    def _refused(self) -> HttpResponse:
        context = self.get_context_data(form=self.get_form_class()(), throttled=True)
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = str(WINDOW_SECONDS)
        return response


password_reset = ThrottledPasswordResetView.as_view()
