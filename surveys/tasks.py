"""Celery tasks of the surveys app: thin wrappers around services."""

from celery import shared_task

from surveys import services


@shared_task(soft_time_limit=300, time_limit=360)
def purge_reply_contacts_task() -> int:
    """Delete handled and expired reply contacts (nightly, see CELERY_BEAT_SCHEDULE)."""
    return services.purge_reply_contacts()
