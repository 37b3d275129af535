"""Celery tasks of the improvement app: thin, JSON arguments, safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from improvement import services

RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(soft_time_limit=3000, time_limit=3600, **RETRY)
def after_recompute_task(periods: list[str]) -> dict[str, int]:
    """Follow-up of an index recompute (settings.SIPAS_AFTER_RECOMPUTE): bring
    the key drivers of the periods up to date; returns analyses per period."""
    return services.after_recompute(periods)
