"""Celery tasks of the improvement app: thin, JSON arguments, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from improvement import services
from sipas.celery import DATABASE_RETRY


@shared_task(soft_time_limit=3000, time_limit=3600, **DATABASE_RETRY)
def after_recompute_task(periods: list[str]) -> dict[str, int]:
    """Follow-up of an index recompute (settings.SIPAS_AFTER_RECOMPUTE): bring
    the key drivers of the periods up to date; returns analyses per period."""
    return services.after_recompute(periods)
