"""Celery tasks of the index engine: thin wrappers around reports.services.

Arguments are JSON primitives (period codes); every task is safe to run twice.
Database hiccups (OperationalError) are retried with exponential back-off.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone
from django.utils.module_loading import import_string

from reports import services
from sipas.periods import recent_periods

RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}


def after_recompute(periods: list[str], *, sync: bool = False) -> None:
    """Run the follow-up tasks of settings.SIPAS_AFTER_RECOMPUTE (key drivers,
    alerts) for the periods just rewritten: enqueued, or here with ``sync``.
    Named in settings because the apps that follow up sit above reports, which
    may not import them."""
    for name in settings.SIPAS_AFTER_RECOMPUTE:
        task = import_string(name)
        if sync:
            task(list(periods))
        else:
            task.delay(list(periods))


@shared_task(soft_time_limit=1500, time_limit=1800, **RETRY)
def recompute_period_task(period: str) -> int:
    """Rewrite the indices of one period from the aggregates, then enqueue the
    follow-ups; returns rows written."""
    written = services.recompute_period(period)
    after_recompute([period])
    return written


@shared_task(soft_time_limit=3000, time_limit=3600, **RETRY)
def recompute_recent_periods_task() -> dict[str, int]:
    """Nightly: rewrite the current and previous year, quarter and month, then
    enqueue the follow-ups."""
    today = timezone.localdate()
    written = services.recompute_periods(recent_periods(today))
    after_recompute(list(written))
    return written


@shared_task(soft_time_limit=240, time_limit=300, **RETRY)
def sweep_dirty_task() -> int:
    """Count new or accepted responses and rewrite the indices they change."""
    processed = services.sweep_dirty()
    if processed >= services.SWEEP_BATCH:
        services.enqueue_sweep()  # more left: continue in a fresh task
    return processed


@shared_task(soft_time_limit=240, time_limit=300, **RETRY)
def sweep_breakdowns_task() -> int:
    """Count the queued responses into the dashboards' breakdowns and rewrite the
    breakdowns they change."""
    processed = services.sweep_breakdowns()
    if processed >= services.SWEEP_BATCH:
        services.enqueue_breakdown_sweep()  # more left: continue in a fresh task
    return processed
