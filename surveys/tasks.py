"""Celery tasks of the surveys app: thin wrappers around services."""

from celery import shared_task

from sipas.periods import current_year
from surveys import services
from surveys.partitions import ensure_year_partitions


@shared_task(soft_time_limit=300, time_limit=360)
def purge_reply_contacts_task() -> int:
    """Delete handled and expired reply contacts (nightly, see CELERY_BEAT_SCHEDULE)."""
    return services.purge_reply_contacts()


@shared_task(soft_time_limit=300, time_limit=360)
def prepare_answer_partitions_task() -> None:
    """Make this year's and next year's answer partitions ahead (nightly), so no
    citizen's submission on New Year's night has to create one."""
    year = current_year()
    ensure_year_partitions([year, year + 1])
