"""The `alert.raised` webhook: an early warning raised after a recompute reaches
the subscribers whose token covers the agency, signed, through the Celery task
with its back-off, and carries codes and figures only."""

from __future__ import annotations

import json

import pytest
import time_machine
from django.utils import timezone

from api import tasks, webhooks
from api.models import WebhookDelivery
from improvement import alerts
from improvement.models import Alert, Target
from tests.api.conftest import make_token


@pytest.fixture
def below_target(index_results):
    """A 2026 target of 85 for province 33: its agencies at 79–84 are below it
    (the fixtures' province 01 has no target)."""
    return Target.objects.create(province_code="33", year=2026, value=85)


def _subscribe(api, raw: str, url: str) -> str:
    created = api(raw).post(
        "/api/v1/webhooks/", {"url": url, "events": ["alert.raised"]}
    )
    assert created.status_code == 201, created.content
    return created.json()["secret"]


def test_a_new_alert_reaches_the_subscriber_signed_after_a_failed_try(
    api,
    agencies,
    below_target,
    receiver,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    _token, raw = make_token(agencies["UBND-X12133"], "Một cửa xã Mẫu")
    secret = _subscribe(api, raw, receiver.url)
    _foreign, foreign_raw = make_token(agencies["UBND-T01"], "Thành phố Xa Lạ")
    _subscribe(api, foreign_raw, receiver.url + "/xa-la")
    enqueued: list[tuple[str, float]] = []
    monkeypatch.setattr(
        tasks,
        "enqueue_webhooks",
        lambda ids, countdown=0: enqueued.extend((i, countdown) for i in ids),
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert alerts.detect("2026") >= 2
    assert callbacks, "deliveries are enqueued once the alerts are committed"
    # The commune's token covers UBND-X12133 and TTHCC-X12133, not the province.
    raised = {
        a.agency.code: a
        for a in Alert.objects.select_related("agency").filter(period="2026")
    }
    assert {"UBND-X12133", "TTHCC-X12133", "STP-T33"} <= set(raised)
    deliveries = list(WebhookDelivery.objects.order_by("created_at"))
    assert {d.payload["data"]["agency"] for d in deliveries} == {
        "UBND-X12133",
        "TTHCC-X12133",
    }
    assert sorted(i for i, _wait in enqueued) == sorted(str(d.pk) for d in deliveries)

    receiver.statuses = [503]
    start = timezone.now()
    with time_machine.travel(start, tick=True) as clock:
        first = str(deliveries[0].pk)
        tasks.deliver_webhook_task(first)  # refused: tried again after 30 s
        assert enqueued[-1] == (first, webhooks.BACKOFF_SECONDS)
        clock.shift(webhooks.BACKOFF_SECONDS)
        for delivery in deliveries:
            tasks.deliver_webhook_task(str(delivery.pk))
    assert len(receiver.requests) == 3
    assert {r.path for r in receiver.requests} == {"/hook"}
    bodies = []
    for request in receiver.requests[1:]:
        assert request.headers["X-SIPAS-Event"] == "alert.raised"
        assert webhooks.verify_signature(
            secret,
            timestamp=request.headers["X-SIPAS-Timestamp"],
            signature=request.headers["X-SIPAS-Signature"],
            body=request.body,
        )
        bodies.append(json.loads(request.body))
    data = {b["data"]["agency"]: b["data"] for b in bodies}
    commune = data["TTHCC-X12133"]
    alert = raised["TTHCC-X12133"]
    assert commune["alert_id"] == alert.pk
    assert commune["period"] == "2026" and commune["indicator"] == "A_DV"
    assert commune["reasons"] == ["below_target"]
    assert commune["detail"]["below_target"] == {"value": 79.5, "target": 85.0}
    assert commune["value"] == 79.5
    assert set(commune) == {
        "alert_id",
        "agency",
        "period",
        "questionnaire",
        "indicator",
        "value",
        "reasons",
        "detail",
        "raised_at",
    }
    assert all(d.status == "delivered" for d in WebhookDelivery.objects.all())

    # The same alert found again is not raised again.
    with django_capture_on_commit_callbacks(execute=True):
        assert alerts.detect("2026") == 0
    assert WebhookDelivery.objects.count() == 2


def test_alert_events_need_the_permission_to_read_indices(api, agencies):
    _token, raw = make_token(agencies["UBND-T33"], can_read_indices=False)
    refused = api(raw).post(
        "/api/v1/webhooks/",
        {"url": "https://mot-cua.example.vn/", "events": ["alert.raised"]},
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "events"


def test_alerts_without_subscribers_queue_nothing(below_target, agencies):
    assert alerts.detect("2026") >= 1
    assert WebhookDelivery.objects.count() == 0


def test_the_schema_lists_the_alert_event(client):
    schema = client.get("/api/schema/").content.decode()
    assert "alert.raised" in schema
