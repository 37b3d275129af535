"""Issuing and checking API tokens. The raw token exists only in the return
value of `issue_token`; the database keeps its SHA-256 and an 8-character prefix."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.utils import timezone

from api.models import ApiToken

TOKEN_PREFIX = "sipas_"
# last_used_at is rewritten at most this often, not on every request.
TOUCH_EVERY = datetime.timedelta(seconds=60)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_raw_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def set_new_key(token: ApiToken) -> str:
    """Give an unsaved or existing token a fresh key; return the raw key, which
    is shown once and never stored."""
    raw = new_raw_token()
    token.key_hash = hash_token(raw)
    token.prefix = raw[len(TOKEN_PREFIX) : len(TOKEN_PREFIX) + 8]
    return raw


def find_token(raw: str) -> ApiToken | None:
    """The token with this raw key (any state), its agency loaded, or None."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    return (
        ApiToken.objects.select_related("agency")
        .filter(key_hash=hash_token(raw))
        .first()
    )


def touch(token: ApiToken) -> None:
    """Record a use, at most once a minute per token."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def revoke(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
