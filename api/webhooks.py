"""Webhooks: signed JSON events to the subscribers of a token, with retries.

Every delivery is one POST of a JSON body with these headers:

- `X-SIPAS-Event`: the event (`invitation.answered`, …)
- `X-SIPAS-Delivery`: the delivery's id (a UUID; the same on every retry)
- `X-SIPAS-Timestamp`: Unix time of this attempt, in seconds
- `X-SIPAS-Signature`: `sha256=` + hex HMAC-SHA256 of `"<timestamp>.<body>"`
  keyed with the subscription's secret

A receiver recomputes the signature over the raw body (`verify_signature` is the
reference) and refuses bodies older than five minutes, so a captured request
cannot be replayed later. A receiver that does not answer 2xx within
TIMEOUT_SECONDS is tried again after BACKOFF_SECONDS × 2^(n−1); after
MAX_ATTEMPTS the delivery is failed, and after DISABLE_AFTER_FAILURES failed
attempts in a row the subscription is switched off (an administrator switches it
on again in the admin). Sending is api.tasks' business: `queue_event` stores the
deliveries and returns their ids for the caller to enqueue after commit.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Iterable

import requests
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from agencies.models import Agency
from api.models import ApiToken, WebhookDelivery, WebhookSubscription

log = logging.getLogger(__name__)
SIGNATURE_TOLERANCE_SECONDS = 300
TIMEOUT_SECONDS = 10
BACKOFF_SECONDS = 30.0  # 30 s, 1 min, 2 min, …
MAX_ATTEMPTS = 8
DISABLE_AFTER_FAILURES = 20


def new_secret() -> str:
    return secrets.token_hex(32)


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The X-SIPAS-Signature value of a body sent at `timestamp`."""
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_signature(
    secret: str,
    *,
    timestamp: str,
    signature: str,
    body: bytes,
    now: float | None = None,
) -> bool:
    """Whether a received webhook is genuine and fresh: the reference recipe
    (README, "Connecting a one-stop system")."""
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - sent) > SIGNATURE_TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(sign(secret, sent, body), signature or "")


# --- Queueing events -----------------------------------------------------------


# Set while no subscription is active, so a citizen's submission asks the
# database nothing about webhooks in the usual case (no subscriber). Saving or
# deleting a subscription or a token clears it; the timeout bounds a stale answer.
NO_SUBSCRIPTIONS_KEY = "api:webhooks:none-active"
NO_SUBSCRIPTIONS_SECONDS = 60
# Each process also keeps that answer (time.monotonic() until which it holds) for a
# couple of seconds, so that a submission costs no cache round trip for webhooks
# either: a subscription saved in another process gets its events from at most
# that long after it was saved. A save in this process clears it at once.
_none_active_here = {"until": 0.0}
NO_SUBSCRIPTIONS_HERE_SECONDS = 2.0


@receiver(post_save, sender=WebhookSubscription)
@receiver(post_delete, sender=WebhookSubscription)
@receiver(post_save, sender=ApiToken)
@receiver(post_delete, sender=ApiToken)
def forget_that_none_are_active(**kwargs) -> None:
    _none_active_here["until"] = 0.0
    cache.delete(NO_SUBSCRIPTIONS_KEY)


def live_subscriptions(events: Iterable[str]) -> list[WebhookSubscription]:
    """Active subscriptions of live tokens to any of `events`: one query, none
    while it is known that no subscription is active."""
    if time.monotonic() < _none_active_here["until"]:
        return []
    if cache.get(NO_SUBSCRIPTIONS_KEY):
        _none_active_here["until"] = time.monotonic() + NO_SUBSCRIPTIONS_HERE_SECONDS
        return []
    events = set(events)
    now = timezone.now()
    active = list(
        WebhookSubscription.objects.filter(active=True, token__revoked_at__isnull=True)
        .exclude(token__expires_at__lte=now)
        .select_related("token__agency")
    )
    if not active:
        cache.set(NO_SUBSCRIPTIONS_KEY, True, NO_SUBSCRIPTIONS_SECONDS)
        _none_active_here["until"] = time.monotonic() + NO_SUBSCRIPTIONS_HERE_SECONDS
    return [s for s in active if events.intersection(s.events)]


def covering(
    subscriptions: list[WebhookSubscription], event: str, agency_ids: Iterable[int]
) -> dict[int, list]:
    """Of `subscriptions`, those to `event` whose token covers each agency."""
    subscriptions = [s for s in subscriptions if event in s.events]
    agency_ids = set(agency_ids)
    if not subscriptions or not agency_ids:
        return {}
    paths = dict(Agency.objects.filter(pk__in=agency_ids).values_list("pk", "path"))
    covered: dict[int, list] = {}
    for agency_id, path in paths.items():
        for subscription in subscriptions:
            if path.startswith(subscription.token.agency.path):
                covered.setdefault(agency_id, []).append(subscription)
    return covered


def subscriptions_for(event: str, agency_ids: Iterable[int]) -> dict[int, list]:
    """Active subscriptions to `event` of live tokens, by agency id they cover."""
    return covering(live_subscriptions([event]), event, agency_ids)


def queue_event(
    event: str, items: Iterable[tuple[int, dict]], *, covered: dict | None = None
) -> list[str]:
    """Store one delivery per (agency id, payload) and subscriber covering the
    agency (`covered`: subscriptions_for's answer, when the caller has it);
    return their ids, to be enqueued after the current transaction commits."""
    items = list(items)
    if covered is None:
        covered = subscriptions_for(event, (agency_id for agency_id, _ in items))
    deliveries = [
        WebhookDelivery(subscription=subscription, event=event, payload=payload)
        for agency_id, payload in items
        for subscription in covered.get(agency_id, [])
    ]
    if not deliveries:
        return []
    for delivery in deliveries:
        delivery.payload = {
            "id": str(delivery.id),
            "event": event,
            "created_at": timezone.localtime(delivery.created_at).isoformat(),
            "data": delivery.payload,
        }
    WebhookDelivery.objects.bulk_create(deliveries, batch_size=1000)
    return [str(d.id) for d in deliveries]


# --- Sending -------------------------------------------------------------------


def backoff_seconds(attempts: int) -> float:
    """Wait before the next try after `attempts` failed tries: base × 2^(n−1)
    (30 s, 1 min, 2 min, … with the default base)."""
    return BACKOFF_SECONDS * 2 ** (attempts - 1)


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True).encode()


def attempt(delivery_id: str) -> float | None:
    """Try to send one pending delivery; return the seconds until the next try
    after a failed one, else None (delivered, failed for good, subscription
    switched off, or not due yet — the sweep picks those up when due). Safe to
    call twice: the row is locked while sending."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .select_related("subscription")
            .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            return None
        subscription = delivery.subscription
        if not subscription.active:
            return None
        # A task may arrive a little early (clocks); a second is close enough.
        due = timezone.now() + datetime.timedelta(seconds=1)
        if delivery.next_attempt_at and delivery.next_attempt_at > due:
            return None
        ok, code, error = _post(subscription, delivery)
        delivery.attempts += 1
        delivery.last_status_code = code
        delivery.last_error = error[:300]
        if ok:
            delivery.status = WebhookDelivery.Status.DELIVERED
            delivery.delivered_at = timezone.now()
            delivery.next_attempt_at = None
            WebhookSubscription.objects.filter(pk=subscription.pk).update(
                consecutive_failures=0
            )
            wait = None
        else:
            _note_failure(subscription)
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = WebhookDelivery.Status.FAILED
                delivery.next_attempt_at = None
                wait = None
            else:
                wait = backoff_seconds(delivery.attempts)
                delivery.next_attempt_at = timezone.now() + datetime.timedelta(
                    seconds=wait
                )
        delivery.save(
            update_fields=[
                "attempts",
                "last_status_code",
                "last_error",
                "status",
                "delivered_at",
                "next_attempt_at",
            ]
        )
        return wait


def _post(
    subscription: WebhookSubscription, delivery: WebhookDelivery
) -> tuple[bool, int | None, str]:
    body = body_of(delivery)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "SIPAS-Webhook/1",
        "X-SIPAS-Event": delivery.event,
        "X-SIPAS-Delivery": str(delivery.id),
        "X-SIPAS-Timestamp": str(timestamp),
        "X-SIPAS-Signature": sign(subscription.secret, timestamp, body),
    }
    try:
        answer = requests.post(
            subscription.url,
            data=body,
            headers=headers,
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        return False, None, f"{exc.__class__.__name__}: {exc}"
    if 200 <= answer.status_code < 300:
        return True, answer.status_code, ""
    return False, answer.status_code, answer.text[:200]


def _note_failure(subscription: WebhookSubscription) -> None:
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    subscription.refresh_from_db(fields=["consecutive_failures"])
    if subscription.consecutive_failures >= DISABLE_AFTER_FAILURES:
        WebhookSubscription.objects.filter(pk=subscription.pk).update(
            active=False, disabled_at=timezone.now()
        )
        log.warning(
            "webhook subscription %s disabled after %s failures",
            subscription.pk,
            subscription.consecutive_failures,
        )


def due_deliveries(limit: int = 500) -> list[str]:
    """Pending deliveries whose time has come (their task was lost, or the
    broker was down): the retry sweep sends them."""
    return [
        str(pk)
        for pk in WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING,
            next_attempt_at__lte=timezone.now(),
            subscription__active=True,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    ]


def create_subscription(
    *, token: ApiToken, url: str, events: list[str]
) -> WebhookSubscription:
    return WebhookSubscription.objects.create(
        token=token, url=url, events=sorted(set(events)), secret=new_secret()
    )
