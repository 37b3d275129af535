"""Write path of the audit log. Other apps call `record`; nothing else writes here.

Example (an export view)::

    from audit.services import record
    record("export", actor=request.user, request=request,
           object_type="responses", detail={"period": "2026", "format": "csv"})
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest

from audit.models import AuditEvent
from sipas import clientip

_MAX_DETAIL_STRING = 500


def client_ip(request: HttpRequest | None) -> str:
    """The client's address, behind the trusted proxies (sipas.clientip)."""
    if request is None:
        return ""
    return clientip.client_ip(request)


def hash_ip(ip: str) -> str:
    """A keyed hash of an address: lets events from one address be grouped, no more."""
    if not ip:
        return ""
    key = settings.HASH_PEPPER.encode()
    return hmac.new(key, ip.encode(), hashlib.sha256).hexdigest()


def _clip(value: Any) -> Any:
    # Detail is for reading by people; cap free text so a crafted value cannot
    # bloat the table.
    if isinstance(value, str):
        return value[:_MAX_DETAIL_STRING]
    if isinstance(value, dict):
        return {str(k)[:100]: _clip(v) for k, v in list(value.items())[:50]}
    if isinstance(value, (list, tuple)):
        return [_clip(v) for v in list(value)[:50]]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)[:_MAX_DETAIL_STRING]


def record(
    action: str,
    *,
    actor: Any = None,
    request: HttpRequest | None = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the audit log and return it.

    `action` is one of AuditEvent.Action (a plain string is accepted). `actor` is a
    user (anonymous or None is stored as no actor; `request.user` is used when
    `actor` is not given). `obj`, when given, fills object type ("app.model"), id
    and text. `detail` is JSON-serialisable context (filters of an export, changed
    fields); long strings are clipped. Runs inside the caller's transaction, so an
    action that rolls back leaves no event behind.
    """
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)
    return AuditEvent.objects.create(
        actor=actor,
        actor_name=actor.get_username()[:150] if actor is not None else "",
        action=action,
        object_type=str(object_type)[:100],
        object_id=str(object_id if object_id is not None else "")[:100],
        object_repr=str(object_repr)[:200],
        detail=_clip(detail or {}),
        ip_hash=hash_ip(client_ip(request)),
    )
