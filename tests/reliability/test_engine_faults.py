"""Index engine faults: a task delivered twice, a worker killed mid-recompute."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from django.db import connection

from reports import tasks
from reports.engine import rebuild, recompute, results, sweep
from reports.models import IndexResult, PendingBreakdown
from reports.tasks import recompute_period_task, sweep_dirty_task
from sipas.periods import local_day
from surveys.models import Response
from tests.reliability.engine import snapshot, store_random_responses


class WorkerKilled(BaseException):
    """Stands for SIGKILL: not an Exception, so no `except Exception` can catch it."""


def _kill_at_statement(number: int, pattern: str):
    """Kill the worker at the `number`-th SQL statement matching `pattern`."""
    seen = {"n": 0}
    matcher = re.compile(pattern, re.IGNORECASE)

    def wrapper(execute, sql, params, many, context):
        if matcher.search(sql):
            seen["n"] += 1
            if seen["n"] == number:
                raise WorkerKilled()
        return execute(sql, params, many, context)

    return wrapper


@contextmanager
def _killed_after(monkeypatch, module, name: str):
    """Kill the worker once `module.name` (a writer) has written its rows, before
    the commit. On PostgreSQL the engine's rows go in by COPY, which bypasses
    execute wrappers: the index rows (results._insert_results), the repair's
    aggregate rows (rebuild._write: a chunk's answer counts, the first)."""
    original = getattr(module, name)

    def write_then_die(*args):
        original(*args)
        raise WorkerKilled()

    monkeypatch.setattr(module, name, write_then_die)
    try:
        yield
    finally:
        monkeypatch.setattr(module, name, original)


def _period() -> str:
    return str(local_day(Response.objects.earliest("submitted_at").submitted_at).year)


def _own_item(agency_id: int, indicator: str = "E1.1") -> IndexResult:
    return IndexResult.objects.get(
        agency_id=agency_id,
        scope="own",
        kind="item",
        indicator=indicator,
        period=_period(),
        dimension="",
    )


@pytest.mark.django_db
def test_the_same_sweep_delivered_twice_counts_each_response_once(centre, exit_version):
    store_random_responses(exit_version, centre.pk, 40)
    answered = Response.objects.filter(answers__item_code="E1.1").count()
    sweep_dirty_task.apply(task_id="same-delivery").get()
    first = snapshot()
    # A redelivered message (acks_late after a lost ack) runs the same task again,
    # and a response noted twice schedules the same work twice.
    tasks.note_new_responses(
        {(r.agency_id, r.version_id, r.submitted_at) for r in Response.objects.all()}
    )
    sweep_dirty_task.apply(task_id="same-delivery").get()
    sweep_dirty_task.apply(task_id="same-delivery").get()
    assert snapshot() == first
    assert _own_item(centre.pk).n == answered


@pytest.mark.django_db
def test_the_same_recompute_delivered_twice_gives_the_same_rows(centre, exit_version):
    store_random_responses(exit_version, centre.pk, 40)
    recompute_period_task.apply(args=[_period()]).get()
    first = snapshot()
    recompute_period_task.apply(args=[_period()]).get()
    assert snapshot() == first
    assert first


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "pattern",
    [
        None,  # after writing the new index rows, before the commit
        r'^delete from "?reports_indexresult',  # right after dropping the old ones
        "rebuilding",  # after some aggregate rows of a repair are written
    ],
    ids=["writing-indices", "after-delete", "rebuilding-aggregates"],
)
def test_a_recompute_killed_midway_then_rerun_matches_an_uninterrupted_one(
    centre, exit_version, pattern, monkeypatch
):
    # No sweep on commit: the new answers wait for the recompute to count them.
    monkeypatch.setattr(tasks, "enqueue_sweep", lambda: False)
    store_random_responses(exit_version, centre.pk, 60)
    period = _period()
    recompute.recompute_period(period)
    clean = snapshot()
    # New answers arrive, so the interrupted run has real work to do.
    store_random_responses(exit_version, centre.pk, 30, seed=7)
    if pattern is None:
        killer = _killed_after(monkeypatch, results, "_insert_results")
    elif pattern == "rebuilding":
        killer = _killed_after(monkeypatch, rebuild, "_write")
    else:
        killer = connection.execute_wrapper(_kill_at_statement(1, pattern))
    with pytest.raises(WorkerKilled), killer:
        recompute.recompute_period(period, rebuild=pattern is not None)
    # Acks-late redelivers the task; it runs again from the start.
    recompute.recompute_period(period)
    rerun = snapshot()
    recompute.recompute_period(period)
    assert snapshot() == rerun
    assert rerun != clean
    assert (
        _own_item(centre.pk).n
        == Response.objects.filter(answers__item_code="E1.1").count()
    )


@pytest.mark.django_db(transaction=True)
def test_a_sweep_killed_midway_leaves_its_work_marked_for_the_next_one(
    centre, exit_version, monkeypatch
):
    # No sweep is enqueued on commit here: the test runs the sweeps itself.
    monkeypatch.setattr(tasks, "enqueue_sweep", lambda: False)
    monkeypatch.setattr(tasks, "enqueue_breakdown_sweep", lambda: False)
    store_random_responses(exit_version, centre.pk, 50)
    assert Response.objects.filter(counted=False).exists()
    with (
        pytest.raises(WorkerKilled),
        _killed_after(monkeypatch, results, "_insert_results"),
    ):
        sweep.sweep_dirty()
    assert Response.objects.filter(counted=False).exists()
    assert not PendingBreakdown.objects.exists()  # rolled back with the counts
    sweep.sweep_dirty()
    assert PendingBreakdown.objects.count() == 50
    # The breakdown sweep killed the same way keeps its queue for the next one.
    with (
        pytest.raises(WorkerKilled),
        _killed_after(monkeypatch, results, "_insert_results"),
    ):
        sweep.sweep_breakdowns()
    assert PendingBreakdown.objects.count() == 50
    assert sweep.sweep_breakdowns() == 50
    swept = snapshot()
    assert not Response.objects.filter(counted=False).exists()
    assert not PendingBreakdown.objects.exists()
    recompute.recompute_period(_period())
    assert {r for r in swept if r[1] == _period()} == {
        r for r in snapshot() if r[1] == _period()
    }


@pytest.mark.django_db(transaction=True)
def test_a_database_error_while_counting_surfaces_as_itself_for_the_retry(
    centre, exit_version, monkeypatch
):
    """The tasks retry on OperationalError: counting must not hide it behind a
    clean-up statement failing in the aborted transaction."""
    from django.db import DatabaseError, OperationalError

    monkeypatch.setattr(tasks, "enqueue_sweep", lambda: False)
    store_random_responses(exit_version, centre.pk, 20)

    def lost(execute, sql, params, many, context):
        if re.search(r"insert into \"?reports_maskcount", sql, re.IGNORECASE):
            try:  # a real server error first: PostgreSQL aborts the transaction
                execute("SELECT 1/0", None, many, context)
            except DatabaseError:
                pass
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with pytest.raises(OperationalError), connection.execute_wrapper(lost):
        sweep.sweep_dirty()
    assert Response.objects.filter(counted=False).count() == 20
    assert sweep.sweep_dirty() == 20
