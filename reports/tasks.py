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
import time
from collections.abc import Callable

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
from reports.partitions import ensure_year_partitions
from sipas import metrics
from sipas.celery import DATABASE_RETRY
from sipas.periods import current_year, recent_periods

log = logging.getLogger(__name__)


SWEEP_DEBOUNCE_SECONDS = getattr(settings, "REPORTS_SWEEP_DEBOUNCE_SECONDS", 30)
SWEEP_REST_FACTOR = getattr(settings, "REPORTS_SWEEP_REST_FACTOR", 4)
SWEEP_MAX_WAIT_SECONDS = getattr(settings, "REPORTS_SWEEP_MAX_WAIT_SECONDS", 6)
SWEEP_LOCK_KEY = "reports:sweep-scheduled"
# How long the last official sweep ran (seconds), for the pacing of the next.
SWEEP_SECONDS_KEY = "reports:last-sweep-seconds"
BREAKDOWN_DEBOUNCE_SECONDS = getattr(settings, "REPORTS_BREAKDOWN_DEBOUNCE_SECONDS", 60)
BREAKDOWN_LOCK_KEY = "reports:breakdown-sweep-scheduled"
REPOOL_LOCK_KEY = "reports:repool-scheduled"
# What this process knows of the scheduled official sweep (time.time() values): a
# response stored before `until` (a margin before the sweep is due, for clock skew
# between the web and worker machines) will be counted by it and need not ask the
# cache; `asked` is when the cache was last asked when it is due.
_scheduled = {"until": 0.0, "asked": 0.0}
SCHEDULE_MARGIN_SECONDS = 1.0


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
    """Schedule one sweep in :func:`sweep_wait` seconds unless one is already
    pending.

    Returns whether a task was sent. Broker or cache failures are logged, not
    raised: the responses are stored and the periodic sweep will process them.
    The lock holds the time the sweep is due; a process that has read it asks
    the cache again only a margin before then (a submission then costs no cache
    round trip for the engine).
    """
    if time.time() < _scheduled["until"]:
        return False
    return _enqueue_debounced(
        sweep_dirty_task,
        SWEEP_LOCK_KEY,
        _paced_wait,
        longest=_longest_wait(),
        note_due=True,
    )


def _learn_due(due: float | None = None) -> None:
    """Note when the scheduled sweep is due: `due`, or what the lock holds (read at
    most every half second while it is not known)."""
    now = time.time()
    if due is None:
        if now - _scheduled["asked"] < 0.5:
            return
        _scheduled["asked"] = now
        try:
            due = cache.get(SWEEP_LOCK_KEY)
        except Exception:
            return
    if isinstance(due, float) and due > now:
        _scheduled["until"] = due - SCHEDULE_MARGIN_SECONDS


def forget_scheduled_sweep() -> None:
    """Drop the scheduled sweep: the lock, and what this process knows of it."""
    _scheduled.update(until=0.0, asked=0.0)
    _release(SWEEP_LOCK_KEY)


def sweep_wait(last_seconds: float | None) -> float:
    """Seconds until the next official sweep, given how long the last one ran.

    A sweep rewrites the index rows of every agency-scope and period its batch
    touches, so it costs about the same for 50 responses as for 1,000
    (bench/README.md, "Sweep pacing"). While responses keep arriving, the sweep
    is scheduled (by the first response after its start) its run time times
    (1 + SWEEP_REST_FACTOR) later: the engine sweeps at most 1/(1 + factor) of
    the time and its batches grow with the load instead of its CPU. Never
    sooner than the debounce, never later than SWEEP_MAX_WAIT_SECONDS, which
    bounds the freshness (the wait plus one sweep)."""
    wait = float(SWEEP_DEBOUNCE_SECONDS)
    if last_seconds:
        wait = max(wait, (1 + SWEEP_REST_FACTOR) * last_seconds)
    return round(min(wait, _longest_wait()), 3)


def _longest_wait() -> float:
    return float(max(SWEEP_MAX_WAIT_SECONDS, SWEEP_DEBOUNCE_SECONDS))


def _paced_wait() -> float:
    """:func:`sweep_wait` of the run time the last sweep left in the cache."""
    try:
        last = cache.get(SWEEP_SECONDS_KEY)
    except Exception:
        last = None
    return sweep_wait(last if isinstance(last, int | float) else None)


def enqueue_breakdown_sweep() -> bool:
    """Schedule one breakdown sweep in BREAKDOWN_DEBOUNCE_SECONDS unless one is
    already pending; like :func:`enqueue_sweep`, never raises (beat catches up)."""
    return _enqueue_debounced(
        sweep_breakdowns_task,
        BREAKDOWN_LOCK_KEY,
        BREAKDOWN_DEBOUNCE_SECONDS,
        longest=BREAKDOWN_DEBOUNCE_SECONDS,
    )


def enqueue_repool() -> bool:
    """Schedule the re-pooling of moved agencies (reports.engine.moves) and mark
    the dashboards as updating until it has run; never raises."""
    moves.mark_updating()
    return _enqueue_debounced(repool_moved_task, REPOOL_LOCK_KEY, 5, longest=5)


def _check_moves() -> None:
    """After a sweep or a recompute: agencies moved by a bulk update (reference
    sync: no save signal) are re-pooled too."""
    if moves.moved():
        transaction.on_commit(enqueue_repool)


def _enqueue_debounced(
    task,
    key: str,
    seconds: float | Callable[[], float],
    longest: float = 0,
    note_due: bool = False,
) -> bool:
    """Send `task` to run in `seconds` unless the cache `key` says one is pending.

    `seconds` may be a function, asked only by the caller that takes the key
    (once per sweep, not once per response); `longest` is the most it returns.
    `note_due` (the official sweep): the key holds the time the task is due,
    written before it is sent, and this process remembers it (:func:`_learn_due`).
    """
    lifetime = int(max(longest, 1) * 4)
    try:
        if not cache.add(key, "1", timeout=lifetime):
            if note_due:
                _learn_due()
            return False
    except Exception:
        log.warning("cache unavailable; enqueueing %s anyway", task.name, exc_info=True)
    countdown = seconds() if callable(seconds) else seconds
    if note_due:
        due = time.time() + countdown
        try:
            cache.set(key, due, timeout=lifetime)  # before the task can release it
            _learn_due(due)
        except Exception:
            pass
    try:
        task.apply_async(countdown=countdown, retry=False)
        return True
    except Exception:
        log.warning(
            "could not enqueue %s; the periodic sweep will catch up",
            task.name,
            exc_info=True,
        )
        if note_due:
            _scheduled["until"] = 0.0
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
    forget_scheduled_sweep()  # responses stored from now on schedule the next one
    started = time.monotonic()
    processed = sweep_dirty()
    _note_sweep_seconds(time.monotonic() - started)
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


def _note_sweep_seconds(seconds: float) -> None:
    """Leave this sweep's run time for the pacing of the next (sweep_wait)."""
    try:
        cache.set(SWEEP_SECONDS_KEY, round(seconds, 3), timeout=3600)
    except Exception:
        log.warning("cache unavailable while sweeping", exc_info=True)


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


@shared_task(soft_time_limit=300, time_limit=360, **DATABASE_RETRY)
def prepare_aggregate_partitions_task() -> None:
    """Make this year's and next year's aggregate partitions ahead (nightly,
    reports.partitions), so no sweep on New Year's night has to create them."""
    year = current_year()
    ensure_year_partitions([year, year + 1])
