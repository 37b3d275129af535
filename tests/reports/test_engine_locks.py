"""The engine's locks: one per part, so an official sweep never waits for a
breakdown sweep, while writers of the same part (and recomputes, which take
both) still wait for each other.

Needs PostgreSQL (advisory locks between real connections); SQLite has one
writer at a time and nothing to stage.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from reports import tasks
from reports.engine import recompute, sweep
from reports.engine.setup import BREAKDOWNS, OFFICIAL, lock_engine
from reports.models import PendingBreakdown
from surveys.services import store_responses
from tests.reports.test_engine import ALL_FIVE, JUNE, draft

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("advisory locks need PostgreSQL (DATABASE_URL unset)")
    # the sweeps run where the test says, not from the tasks stores enqueue
    for task in (tasks.sweep_dirty_task, tasks.sweep_breakdowns_task):
        monkeypatch.setattr(task, "apply_async", lambda **kw: None)


class Holder:
    """A transaction in another connection holding the locks of some parts."""

    def __init__(self, parts: tuple[str, ...]):
        self.holding = threading.Event()
        self.release = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(parts,))

    def _run(self, parts):
        try:
            with transaction.atomic():
                lock_engine(parts)
                self.holding.set()
                self.release.wait(60)
        finally:
            connections.close_all()

    def __enter__(self):
        self.thread.start()
        assert self.holding.wait(20), "the holder never got its lock"
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(20)


def in_thread(function) -> tuple[threading.Thread, list]:
    result: list = []

    def run():
        try:
            result.append(function())
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def test_an_official_sweep_runs_while_a_breakdown_sweep_holds_its_lock(
    exit_version, commune_centre
):
    store_responses([draft(exit_version, commune_centre, ALL_FIVE, JUNE)])
    with Holder((BREAKDOWNS,)):
        official, counted = in_thread(sweep.sweep_dirty)
        official.join(20)
        assert not official.is_alive(), "the official sweep waited for the breakdowns"
        assert counted == [1]
        # a second writer of the breakdowns does wait
        breakdowns, queued = in_thread(sweep.sweep_breakdowns)
        breakdowns.join(1.5)
        assert breakdowns.is_alive() and queued == []
    breakdowns.join(20)
    assert queued == [1]
    assert not PendingBreakdown.objects.exists()


def test_a_breakdown_sweep_runs_while_an_official_writer_holds_its_lock(
    exit_version, commune_centre
):
    store_responses([draft(exit_version, commune_centre, ALL_FIVE, JUNE)])
    assert sweep.sweep_dirty() == 1
    with Holder((OFFICIAL,)):
        breakdowns, queued = in_thread(sweep.sweep_breakdowns)
        breakdowns.join(20)
        assert not breakdowns.is_alive()
        assert queued == [1]
        official, counted = in_thread(sweep.sweep_dirty)
        official.join(1.5)
        assert official.is_alive(), "two official writers ran at once"
    official.join(20)
    assert counted == [0]


def test_a_recompute_waits_for_a_sweep_of_either_part(exit_version, commune_centre):
    store_responses([draft(exit_version, commune_centre, ALL_FIVE, JUNE)])
    for part in (OFFICIAL, BREAKDOWNS):
        with Holder((part,)):
            worker, written = in_thread(
                lambda: recompute.recompute_periods(["2026-06"])
            )
            worker.join(1.5)
            assert worker.is_alive(), f"a recompute ran beside a {part} writer"
        worker.join(30)
        assert written and written[0]["2026-06"] > 0
