"""A real Celery worker, on the real Redis broker, delivers a webhook to a
receiver that fails three times: on the fourth try, after exponential back-off.
Needs CELERY_BROKER_URL (CI sets it); skipped without it."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.db import transaction

from api import tasks, webhooks
from api.models import WebhookDelivery
from tests.api.conftest import make_token

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL,
        reason="CELERY_BROKER_URL is not set: no broker for a real worker",
    ),
]


@pytest.fixture
def worker():
    from celery.contrib.testing.worker import start_worker

    from sipas.celery import app

    app.control.purge()  # tasks left over from earlier runs of this broker db
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        yield app


@pytest.mark.django_db(transaction=True)
def test_a_worker_delivers_on_the_fourth_try_after_backing_off(
    worker, receiver, agencies, monkeypatch
):
    monkeypatch.setattr(webhooks, "BACKOFF_SECONDS", 0.4)  # 0.4 s, 0.8 s, 1.6 s
    token, _raw = make_token(agencies["UBND-T33"])
    subscription = webhooks.create_subscription(
        token=token, url=receiver.url, events=["invitation.answered"]
    )
    receiver.statuses = [500, 502, 503]
    waits = []
    enqueue = tasks.enqueue_webhooks

    def spy(ids, countdown=0):
        waits.append(countdown)
        enqueue(ids, countdown=countdown)

    monkeypatch.setattr(tasks, "enqueue_webhooks", spy)
    with transaction.atomic():
        ids = webhooks.queue_event(
            "invitation.answered", [(agencies["SNV-T33"].pk, {"invitation_id": 7})]
        )
        transaction.on_commit(lambda: tasks.enqueue_webhooks(ids))
    delivery = WebhookDelivery.objects.get()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        delivery.refresh_from_db()
        if delivery.status != "pending":
            break
        time.sleep(0.2)
    assert delivery.status == "delivered"
    assert delivery.attempts == 4
    assert len(receiver.requests) == 4
    # Sent at once, then again after 0.4, 0.8 and 1.6 s.
    assert waits == [0, 0.4, 0.8, 1.6]
    last = receiver.requests[-1]
    assert webhooks.verify_signature(
        subscription.secret,
        timestamp=last.headers["X-SIPAS-Timestamp"],
        signature=last.headers["X-SIPAS-Signature"],
        body=last.body,
    )
