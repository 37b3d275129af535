"""A real Celery worker, against the real Redis broker, recomputes after new
responses. Needs CELERY_BROKER_URL (CI sets it); skipped without it."""

import datetime
import time

import pytest
from django.conf import settings

from agencies.models import Agency
from reports import tasks
from reports.models import IndexResult
from sipas.periods import local_tz
from surveys.models import Questionnaire
from surveys.services import ResponseDraft, store_responses

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL,
        reason="CELERY_BROKER_URL is not set: no broker for a real worker",
    ),
]


@pytest.fixture
def worker(monkeypatch):
    from celery.contrib.testing.worker import start_worker

    from sipas.celery import app

    monkeypatch.setattr(tasks, "SWEEP_DEBOUNCE_SECONDS", 1)
    monkeypatch.setattr(tasks, "SWEEP_MAX_WAIT_SECONDS", 1)
    monkeypatch.setattr(tasks, "BREAKDOWN_DEBOUNCE_SECONDS", 1)
    app.control.purge()  # tasks left over from earlier runs of this broker db
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        yield app


@pytest.mark.django_db(transaction=True)
def test_a_worker_recomputes_the_indices_after_new_responses(worker):
    from django.core.cache import cache

    from surveys.reference import load_reference_data

    load_reference_data(["33"])
    cache.delete(tasks.SWEEP_LOCK_KEY)
    cache.delete(tasks.BREAKDOWN_LOCK_KEY)
    version = Questionnaire.objects.get(code="exit-dv").current_version()
    centre = Agency.objects.get(code="TTHCC-X12133")
    at = datetime.datetime(2026, 5, 4, 10, tzinfo=local_tz())
    store_responses(
        [
            ResponseDraft(
                version=version,
                agency_id=centre.pk,
                answers={"G": g},
                submitted_at=at,
                channel="truc_tuyen",
            )
            for g in (5, 4, 2)
        ]
    )  # committed: the on-commit hook sends one sweep to the broker
    row = _first_within(
        60,
        IndexResult.objects.filter(
            agency=centre, period="2026-05", scope="own", indicator="G", dimension=""
        ),
    )
    assert row is not None, "the worker did not recompute within 60 s"
    assert (round(row.value, 2), row.n) == (66.67, 3)
    # The official sweep's commit sends the breakdown sweep: the worker runs it.
    by_channel = _first_within(
        60,
        IndexResult.objects.filter(
            agency=centre,
            period="2026-05",
            scope="subtree",
            indicator="G",
            dimension="channel",
            dimension_value="truc_tuyen",
        ),
    )
    assert by_channel is not None, "the worker did not sweep the breakdowns in 60 s"
    assert (round(by_channel.value, 2), by_channel.n) == (66.67, 3)


def _first_within(seconds: float, rows):
    """The first of `rows` once the worker has written it, or None after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        row = rows.first()
        if row is not None:
            return row
        time.sleep(0.5)
    return None
