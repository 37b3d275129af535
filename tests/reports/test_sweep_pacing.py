"""The official sweep paces itself (reports.tasks.sweep_wait): a sweep costs
about the same for few responses as for many, so under a stream of responses the
next one waits (1 + rest factor) times the last one's run time, between the
debounce and the longest wait; the responses meanwhile join its batch."""

import datetime
import time

import pytest
from django.core.cache import cache

from reports import tasks
from surveys.models import Response
from surveys.services import store_responses
from tests.reports.test_engine import ALL_FIVE, JUNE, draft


@pytest.fixture
def pacing(monkeypatch):
    monkeypatch.setattr(tasks, "SWEEP_DEBOUNCE_SECONDS", 2)
    monkeypatch.setattr(tasks, "SWEEP_REST_FACTOR", 2)
    monkeypatch.setattr(tasks, "SWEEP_MAX_WAIT_SECONDS", 6)
    sent = []
    monkeypatch.setattr(
        tasks.sweep_dirty_task, "apply_async", lambda **kw: sent.append(kw)
    )
    cache.delete(tasks.SWEEP_LOCK_KEY)
    cache.delete(tasks.SWEEP_SECONDS_KEY)
    yield sent
    cache.delete(tasks.SWEEP_LOCK_KEY)
    cache.delete(tasks.SWEEP_SECONDS_KEY)


@pytest.mark.parametrize(
    "last, wait",
    [
        (None, 2.0),  # no sweep ran yet: the debounce
        (0.0, 2.0),
        (0.4, 2.0),  # a quick sweep: never sooner than the debounce
        (1.5, 4.5),  # a sweep of 1.5 s, then twice that at rest
        (1.9, 5.7),
        (30.0, 6.0),  # a very slow sweep: never later than the longest wait
    ],
)
def test_the_wait_follows_the_last_sweep_between_its_bounds(pacing, last, wait):
    assert tasks.sweep_wait(last) == wait


def test_a_debounce_above_the_longest_wait_wins(pacing, monkeypatch):
    monkeypatch.setattr(tasks, "SWEEP_DEBOUNCE_SECONDS", 10)
    assert tasks.sweep_wait(None) == 10.0
    assert tasks.sweep_wait(5.0) == 10.0


def store_five(version, agency, capture) -> None:
    for hour in range(5):
        with capture(execute=True):
            at = JUNE + datetime.timedelta(hours=hour)
            store_responses([draft(version, agency, ALL_FIVE, at)])


def test_responses_after_a_slow_sweep_wait_longer_in_one_task(
    pacing, exit_version, commune_centre, django_capture_on_commit_callbacks
):
    cache.set(tasks.SWEEP_SECONDS_KEY, 1.5)
    store_five(exit_version, commune_centre, django_capture_on_commit_callbacks)
    assert [kw["countdown"] for kw in pacing] == [4.5]


def test_the_sweep_task_leaves_its_run_time_for_the_next(
    pacing, exit_version, commune_centre, django_capture_on_commit_callbacks
):
    store_five(exit_version, commune_centre, django_capture_on_commit_callbacks)
    assert [kw["countdown"] for kw in pacing] == [2.0]
    assert tasks.sweep_dirty_task() == 5
    seconds = cache.get(tasks.SWEEP_SECONDS_KEY)
    assert isinstance(seconds, float) and 0 < seconds < 60
    assert not Response.objects.filter(counted=False).exists()
    # the next response is swept after the wait that run time gives
    store_five(exit_version, commune_centre, django_capture_on_commit_callbacks)
    assert [kw["countdown"] for kw in pacing] == [2.0, tasks.sweep_wait(seconds)]


def test_without_the_cache_a_response_is_still_swept_after_the_debounce(
    pacing,
    exit_version,
    commune_centre,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        store_responses([draft(exit_version, commune_centre, ALL_FIVE, JUNE)])
    monkeypatch.setattr(tasks.cache, "add", down)
    monkeypatch.setattr(tasks.cache, "get", down)
    for callback in after_commit:
        callback()
    assert [kw["countdown"] for kw in pacing] == [2.0]


@pytest.fixture
def cache_calls(monkeypatch) -> list[str]:
    """The engine's cache calls (add, get, set of its pacing keys) from now on."""
    calls: list[str] = []
    keys = {tasks.SWEEP_LOCK_KEY, tasks.SWEEP_SECONDS_KEY}
    for name in ("add", "get", "set"):
        real = getattr(tasks.cache, name)

        def counted(key, *args, _real=real, _name=name, **kwargs):
            if key in keys:
                calls.append(_name)
            return _real(key, *args, **kwargs)

        monkeypatch.setattr(tasks.cache, name, counted)
    return calls


def test_a_process_that_scheduled_the_sweep_asks_the_cache_no_more_until_it_is_due(
    pacing, exit_version, commune_centre, django_capture_on_commit_callbacks,
    cache_calls,
):  # fmt: skip
    store_five(exit_version, commune_centre, django_capture_on_commit_callbacks)
    assert [kw["countdown"] for kw in pacing] == [2.0]
    # the first response: take the lock, read the last run time, write the due time
    assert cache_calls == ["add", "get", "set"]
    due = cache.get(tasks.SWEEP_LOCK_KEY)
    assert isinstance(due, float) and 1.5 < due - time.time() <= 2.0


def test_another_processs_sweep_is_read_once_then_relied_on(
    pacing, exit_version, commune_centre, django_capture_on_commit_callbacks,
    cache_calls,
):  # fmt: skip
    cache.set(tasks.SWEEP_LOCK_KEY, time.time() + 5.0)  # due in 5 s, sent elsewhere
    store_five(exit_version, commune_centre, django_capture_on_commit_callbacks)
    assert pacing == []
    assert cache_calls == ["set", "add", "get"]  # the set: this test's own


def test_a_margin_before_the_sweep_is_due_each_response_asks_again(
    pacing, exit_version, commune_centre, django_capture_on_commit_callbacks,
    cache_calls, monkeypatch,
):  # fmt: skip
    # a sweep due in half a second, inside the margin: it may start any moment,
    # so what is stored now must find the lock free or still taken
    cache.set(tasks.SWEEP_LOCK_KEY, time.time() + 0.5)
    monkeypatch.setattr(tasks, "SCHEDULE_MARGIN_SECONDS", 1.0)
    store_five(exit_version, commune_centre, django_capture_on_commit_callbacks)
    assert pacing == []
    assert cache_calls.count("add") == 5
    # the sweep starts and releases the lock: the next response schedules another
    tasks.sweep_dirty_task()
    store_five(exit_version, commune_centre, django_capture_on_commit_callbacks)
    assert len(pacing) == 1
