"""Redis (the Celery broker) down: citizens are still served, indices catch up later.

The broker is pointed at a port nobody listens on for the outage, then at a
redis-server of the test's own (never the shared one), with a real in-process
Celery worker consuming from it.
"""

from __future__ import annotations

import datetime
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.test import Client

from reports import tasks
from reports.engine import recompute
from reports.models import IndexResult, PendingBreakdown
from sipas.celery import app
from surveys.models import Response
from tests.reliability.conftest import closed_port, filled_form, send
from tests.reliability.engine import snapshot

URL = "/s/TTHCC-T33-Q1/"


@pytest.fixture
def real_broker(monkeypatch):
    """Send tasks through a broker (not in-process); restore the app afterwards."""
    saved = {
        key: app.conf[key]
        for key in ("task_always_eager", "broker_url", "result_backend")
    }
    # Tasks go to the broker; a sweep is due at once rather than in 30 s.
    monkeypatch.setattr(tasks, "SWEEP_DEBOUNCE_SECONDS", 0)
    monkeypatch.setattr(tasks, "SWEEP_MAX_WAIT_SECONDS", 0)
    monkeypatch.setattr(tasks, "BREAKDOWN_DEBOUNCE_SECONDS", 0)

    def point_at(url: str) -> None:
        # Broker and result store are the same Redis, as in production.
        app.conf.task_always_eager = False
        app.conf.broker_url = url
        app.conf.result_backend = url
        app._pool = None  # the connection pool was made for the previous URL
        app.amqp._producer_pool = None

    yield point_at
    for key, value in saved.items():
        app.conf[key] = value
    app._pool = None
    app.amqp._producer_pool = None


def _periodic_sweep() -> dict:
    """The beat entry that counts new responses (at least every 15 minutes)."""
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "reports.tasks.sweep_dirty_task"
    ]
    assert len(entries) == 1, "a periodic sweep is scheduled in beat"
    assert entries[0]["schedule"].remaining_estimate(
        entries[0]["schedule"].now()
    ) <= datetime.timedelta(minutes=15)
    return entries[0]


def _wait_until_swept(timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # counted, and the breakdown sweep that follows has run too
        if not (
            Response.objects.filter(counted=False).exists()
            or PendingBreakdown.objects.exists()
        ):
            return
        time.sleep(0.2)
    raise AssertionError("the worker did not count the new responses")


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_a_submission_is_stored_and_acknowledged(
    citizen, counter, real_broker
):
    real_broker(f"redis://127.0.0.1:{closed_port()}/0")
    sent = send(citizen, URL, filled_form(citizen, URL))
    assert sent.status_code == 302
    assert "/cam-on/" in sent["Location"]
    assert Response.objects.count() == 1
    # The work for the engine is remembered in the database, not only in Redis.
    assert Response.objects.filter(agency=counter.agency, counted=False).exists()
    assert citizen.get(sent["Location"]).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_when_redis_returns_the_indices_catch_up_with_the_outage(
    citizen, counter, real_broker, own_redis
):
    real_broker(f"redis://127.0.0.1:{own_redis.port}/0")  # not started yet: down
    for e11 in ("5", "2", "4"):  # three citizens, three browsers
        browser = Client()
        data = filled_form(browser, URL, **{"E1.1": e11})
        assert send(browser, URL, data).status_code == 302
    assert not IndexResult.objects.exists()

    own_redis.start()
    real_broker(own_redis.url)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        # No new submission needed: beat's periodic sweep, sent through the broker
        # as beat sends it, finds the responses left uncounted during the outage.
        app.send_task(_periodic_sweep()["task"])
        _wait_until_swept()
    caught_up = snapshot()
    item = IndexResult.objects.get(
        agency=counter.agency,
        scope="own",
        kind="item",
        indicator="E1.1",
        dimension="",
        period__regex=r"^\d{4}$",
    )
    assert item.n == 3
    assert item.value == pytest.approx(200 / 3, abs=0.01)
    # Identical to what a full rebuild from raw answers gives.
    recompute.recompute_period(item.period)
    assert {r for r in snapshot() if r[1] == item.period} == {
        r for r in caught_up if r[1] == item.period
    }
