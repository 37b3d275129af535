"""Authentication, permissions and throttling of the REST API.

Requests carry `Authorization: Bearer sipas_…`. A token that is unknown, revoked
or expired is refused with 401; a valid token without the permission an
operation needs gets 403; each token has its own requests-per-minute budget.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.throttling import BaseThrottle

from api import tokens
from api.models import ApiToken


class TokenUser:
    """Who a token-authenticated request acts as: the token, not a person."""

    is_authenticated = True
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None

    def __init__(self, token: ApiToken) -> None:
        self.token = token

    def get_username(self) -> str:
        return f"api:{self.token.prefix}"


class TokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header:
            return None
        if len(header) != 2 or header[0].lower() != b"bearer":
            raise exceptions.AuthenticationFailed(
                _("Dùng tiêu đề Authorization: Bearer <mã truy cập>."),
                code="token_malformed",
            )
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raw = ""
        token = tokens.find_token(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(
                _("Mã truy cập không đúng."), code="token_invalid"
            )
        if token.is_revoked:
            raise exceptions.AuthenticationFailed(
                _("Mã truy cập đã bị thu hồi."), code="token_revoked"
            )
        if token.is_expired:
            raise exceptions.AuthenticationFailed(
                _("Mã truy cập đã hết hạn."), code="token_expired"
            )
        tokens.touch(token)
        return TokenUser(token), token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="sipas"'


class HasToken(permissions.BasePermission):
    """Any valid token (the default for every API view)."""

    permission = ""
    message = _("Mã truy cập này không có quyền thực hiện thao tác này.")

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        return not self.permission or getattr(token, self.permission)


class CanInvite(HasToken):
    permission = "can_invite"


class CanReadIndices(HasToken):
    permission = "can_read_indices"


class CanReadComments(HasToken):
    permission = "can_read_comments"


class TokenRateThrottle(BaseThrottle):
    """A sliding one-minute window per token (ApiToken.rate_per_minute), kept in
    the shared cache so every web process counts the same requests."""

    def allow_request(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        now = time.time()
        key = f"api-throttle:{token.pk}"
        history = [t for t in cache.get(key, []) if t > now - 60]
        if len(history) >= token.rate_per_minute:
            self.retry_after = max(1, int(60 - (now - history[0])) + 1)
            return False
        history.append(now)
        cache.set(key, history, 60)
        return True

    def wait(self) -> float | None:
        return getattr(self, "retry_after", None)
