"""Celery work of the index engine: every enqueue, the debouncing and the
follow-up sweeps, around thin tasks that call reports.engine.

The engine never enqueues: a sweep returns how many responses it counted, and the
task decides what follows (another sweep when the batch was full, the breakdown
sweep after an official one). Arguments are JSON primitives (period codes); every
task is safe to run twice. Database hiccups (OperationalError) are retried with
exponential back-off.
"""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from reports.engine import moves, repool
from reports.engine.recompute import recompute_period, recompute_periods
from reports.engine.setup import SWEEP_BATCH
from reports.engine.sweep import sweep_breakdowns, sweep_dirty
from sipas import metrics
from sipas.celery import DATABASE_RETRY
from sipas.periods import recent_periods

log = logging.getLogger(__name__)


SWEEP_DEBOUNCE_SECONDS = getattr(settings, "REPORTS_SWEEP_DEBOUNCE_SECONDS", 30)
SWEEP_LOCK_KEY = "reports:sweep-scheduled"
BREAKDOWN_DEBOUNCE_SECONDS = getattr(settings, "REPORTS_BREAKDOWN_DEBOUNCE_SECONDS", 60)
BREAKDOWN_LOCK_KEY = "reports:breakdown-sweep-scheduled"
REPOOL_LOCK_KEY = "reports:repool-scheduled"


def note_new_responses(touched: set[tuple[int, int, datetime.datetime]]) -> None:
    """Schedule the counting of newly stored responses.

    Called inside the storing transaction with (agency_id, version_id,
    submitted_at) tuples of the unflagged responses; they are stored uncounted,
    so they are the sweep's queue whether or not this sweep is ever sent. One
    debounced sweep is enqueued after commit. Never raises because the broker is
    down: the periodic sweep catches up.
    """
    if touched:
        transaction.on_commit(enqueue_sweep)


def enqueue_sweep() -> bool:
    """Schedule one sweep in SWEEP_DEBOUNCE_SECONDS unless one is already pending.

    Returns whether a task was sent. Broker or cache failures are logged, not
    raised: the responses are stored and the periodic sweep will process them.
    """
    return _enqueue_debounced(sweep_dirty_task, SWEEP_LOCK_KEY, SWEEP_DEBOUNCE_SECONDS)


def enqueue_breakdown_sweep() -> bool:
    """Schedule one breakdown sweep in BREAKDOWN_DEBOUNCE_SECONDS unless one is
    already pending; like :func:`enqueue_sweep`, never raises (beat catches up)."""
    return _enqueue_debounced(
        sweep_breakdowns_task, BREAKDOWN_LOCK_KEY, BREAKDOWN_DEBOUNCE_SECONDS
    )


def enqueue_repool() -> bool:
    """Schedule the re-pooling of moved agencies (reports.engine.moves) and mark
    the dashboards as updating until it has run; never raises."""
    moves.mark_updating()
    return _enqueue_debounced(repool_moved_task, REPOOL_LOCK_KEY, 5)


def _check_moves() -> None:
    """After a sweep or a recompute: agencies moved by a bulk update (reference
    sync: no save signal) are re-pooled too."""
    if moves.moved():
        transaction.on_commit(enqueue_repool)


def _enqueue_debounced(task, key: str, seconds: int) -> bool:
    """Send `task` to run in `seconds` unless the cache `key` says one is pending."""
    try:
        if not cache.add(key, "1", timeout=seconds * 4):
            return False
    except Exception:
        log.warning("cache unavailable; enqueueing %s anyway", task.name, exc_info=True)
    try:
        task.apply_async(countdown=seconds, retry=False)
        return True
    except Exception:
        log.warning(
            "could not enqueue %s; the periodic sweep will catch up",
            task.name,
            exc_info=True,
        )
        try:
            cache.delete(key)
        except Exception:
            pass
        return False


def after_recompute(periods: list[str], *, sync: bool = False) -> None:
    """Run the follow-up tasks of settings.SIPAS_AFTER_RECOMPUTE (key drivers,
    alerts) for the periods just rewritten: enqueued, or here with ``sync``.
    Named in settings because the apps that follow up sit above reports, which
    may not import them."""
    for name in settings.SIPAS_AFTER_RECOMPUTE:
        task = import_string(name)
        if sync:
            task(list(periods))
            continue
        try:
            task.delay(list(periods))
        except Exception:
            # The indices are written; a lost follow-up (broker down) must not
            # fail the recompute. The nightly recompute sends it again.
            log.exception("could not enqueue %s for %s", name, periods)


@shared_task(soft_time_limit=1500, time_limit=1800, **DATABASE_RETRY)
def recompute_period_task(period: str) -> int:
    """Rewrite the indices of one period from the aggregates, then enqueue the
    follow-ups; returns rows written."""
    written = recompute_period(period)
    _check_moves()
    after_recompute([period])
    return written


@shared_task(soft_time_limit=3000, time_limit=3600, **DATABASE_RETRY)
def recompute_recent_periods_task() -> dict[str, int]:
    """Nightly: rewrite the current and previous year, quarter and month, then
    enqueue the follow-ups."""
    today = timezone.localdate()
    written = recompute_periods(recent_periods(today))
    _check_moves()
    after_recompute(list(written))
    return written


@shared_task(soft_time_limit=240, time_limit=300, **DATABASE_RETRY)
def sweep_dirty_task() -> int:
    """Count new or accepted responses and rewrite the indices they change; the
    breakdown sweep follows after commit."""
    _release(SWEEP_LOCK_KEY)
    processed = sweep_dirty()
    _check_moves()
    metrics.note_sweep()
    if processed:
        transaction.on_commit(enqueue_breakdown_sweep)
    if processed >= SWEEP_BATCH:
        enqueue_sweep()  # more left: continue in a fresh task
    return processed


@shared_task(soft_time_limit=240, time_limit=300, **DATABASE_RETRY)
def sweep_breakdowns_task() -> int:
    """Count the queued responses into the dashboards' breakdowns and rewrite the
    breakdowns they change."""
    _release(BREAKDOWN_LOCK_KEY)
    processed = sweep_breakdowns()
    if processed >= SWEEP_BATCH:
        enqueue_breakdown_sweep()  # more left: continue in a fresh task
    return processed


def _release(key: str) -> None:
    """A sweep is starting: notes from now on schedule a new one."""
    try:
        cache.delete(key)
    except Exception:
        log.warning("cache unavailable while sweeping", exc_info=True)


@shared_task(soft_time_limit=3000, time_limit=3600, **DATABASE_RETRY)
def repool_moved_task() -> list[int]:
    """An agency moved in the tree: rebuild the pooled aggregates of every year
    and rewrite their indices (returns the years); the dashboards stop saying
    "đang cập nhật" once it is done."""
    _release(REPOOL_LOCK_KEY)
    years = repool.repool_moved()
    transaction.on_commit(moves.done)
    return years
