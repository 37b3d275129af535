"""Celery tasks of the API: webhook deliveries, invitation links, their sweeps,
and the enqueueing of both (the services store rows; this module sends them)."""

from __future__ import annotations

import logging

from celery import shared_task

from api import delivery, webhooks

log = logging.getLogger(__name__)


def enqueue_webhooks(ids: list[str], countdown: float = 0) -> None:
    """Send webhook deliveries (after commit); a broker that is down is logged,
    and the minute sweep sends them later."""
    for delivery_id in ids:
        try:
            deliver_webhook_task.apply_async((delivery_id,), countdown=countdown)
        except Exception:
            log.warning("webhook %s not enqueued; the sweep will send it", delivery_id)


def enqueue_sends(ids: list[int], countdown: float = 0) -> None:
    """Send invitation links (after commit); the ten-minute sweep catches up."""
    for delivery_id in ids:
        try:
            send_invitation_task.apply_async((delivery_id,), countdown=countdown)
        except Exception:
            log.warning("invitation delivery %s not enqueued", delivery_id)


@shared_task(soft_time_limit=60, time_limit=90, ignore_result=True)
def deliver_webhook_task(delivery_id: str) -> None:
    """Try one delivery; on failure send itself again after the back-off."""
    wait = webhooks.attempt(delivery_id)
    if wait is not None:
        enqueue_webhooks([delivery_id], countdown=wait)


@shared_task(soft_time_limit=240, time_limit=300, ignore_result=True)
def retry_due_webhooks_task() -> int:
    """Every minute: send the pending deliveries whose task was lost."""
    due = webhooks.due_deliveries()
    for delivery_id in due:
        deliver_webhook_task(delivery_id)
    return len(due)


@shared_task(soft_time_limit=60, time_limit=90, ignore_result=True)
def send_invitation_task(delivery_id: int) -> None:
    """Send one invitation's link; after a temporary failure, again later."""
    wait = delivery.deliver(delivery_id)
    if wait is not None:
        enqueue_sends([delivery_id], countdown=wait)


@shared_task(soft_time_limit=240, time_limit=300, ignore_result=True)
def send_pending_invitations_task() -> int:
    """Every ten minutes: send invitation links whose task was lost."""
    pending = delivery.pending_deliveries()
    enqueue_sends(pending)
    return len(pending)
