"""Celery tasks of the API: webhook delivery and its retry sweep."""

from __future__ import annotations

from celery import shared_task

from api import webhooks


@shared_task(soft_time_limit=60, time_limit=90, ignore_result=True)
def deliver_webhook_task(delivery_id: str) -> None:
    """Try one delivery; on failure send itself again after the back-off."""
    wait = webhooks.attempt(delivery_id)
    if wait is not None:
        webhooks._enqueue([delivery_id], countdown=wait)


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
    from api import delivery

    wait = delivery.deliver(delivery_id)
    if wait is not None:
        delivery.enqueue(delivery_id, countdown=wait)


@shared_task(soft_time_limit=240, time_limit=300, ignore_result=True)
def send_pending_invitations_task() -> int:
    """Every ten minutes: send invitation links whose task was lost."""
    from api import delivery

    pending = delivery.pending_deliveries()
    for delivery_id in pending:
        delivery.enqueue(delivery_id)
    return len(pending)
