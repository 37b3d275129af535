"""Webhooks: the one-stop system's whole day, signatures, back-off, switching
off, and events that carry no personal data."""

from __future__ import annotations

import datetime
import json
import re
import time

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from api import tasks, webhooks
from api.models import WebhookDelivery, WebhookSubscription
from surveys.models import ReplyContact, Response
from surveys.services import submit_response
from tests.api.conftest import make_token


def _form(client: Client, url: str) -> dict:
    page = client.get(url)
    assert page.status_code == 200
    token = re.search(r'name="token" value="([^"]+)"', page.content.decode())[1]
    return {
        "token": token,
        "website": "",
        "channel": "truc_tiep",
        "E1.1": "4",
        "E3.1": "5",
        "G": "4",
        "comment": "",
        "reply_contact": "",
    }


def _verified(receiver, secret: str) -> list[dict]:
    """The bodies the receiver accepted, checked with the documented recipe."""
    bodies = []
    for request in receiver.requests:
        assert webhooks.verify_signature(
            secret,
            timestamp=request.headers["X-SIPAS-Timestamp"],
            signature=request.headers["X-SIPAS-Signature"],
            body=request.body,
        )
        bodies.append(json.loads(request.body))
    return bodies


@pytest.fixture
def subscribed(api, agencies, exit_version, receiver):
    """A provincial one-stop system: a token and its subscription on the receiver."""
    token, raw = make_token(agencies["UBND-T33"], "Một cửa tỉnh")
    created = api(raw).post(
        "/api/v1/webhooks/",
        {"url": receiver.url, "events": ["invitation.answered"]},
    )
    assert created.status_code == 201
    return raw, created.json()["secret"]


def test_the_one_stop_system_invites_500_and_hears_of_the_answer(
    api, subscribed, receiver, settings, django_capture_on_commit_callbacks
):
    settings.SURVEY_MIN_FILL_SECONDS = 0
    raw, secret = subscribed
    batch = [
        {"dossier_code": f"000.00.33.H48-261128-{i:04d}", "agency": "TTHCC-X12133"}
        for i in range(500)
    ]
    made = api(raw).post("/api/v1/invitations/batch/", {"invitations": batch})
    assert made.status_code == 200
    assert made.json()["created"] == 500
    invitation = made.json()["invitations"][137]

    citizen = Client()
    link = invitation["link"].removeprefix("http://127.0.0.1:8000")
    form = _form(citizen, link)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answered = citizen.post(link, form)
    assert answered.status_code == 302
    assert callbacks, "the delivery is enqueued once the response is committed"
    delivery = WebhookDelivery.objects.get()
    tasks.deliver_webhook_task(str(delivery.pk))

    assert len(receiver.requests) == 1
    (body,) = _verified(receiver, secret)
    assert receiver.requests[0].headers["X-SIPAS-Event"] == "invitation.answered"
    assert body["event"] == "invitation.answered"
    assert body["data"]["invitation_id"] == invitation["id"]
    assert body["data"]["agency"] == "TTHCC-X12133"
    assert body["data"]["response_id"] == str(Response.objects.get().id)
    status = api(raw).get(f"/api/v1/invitations/{invitation['id']}/").json()
    assert status["status"] == "answered"


def test_a_receiver_that_fails_three_times_gets_the_event_on_the_fourth(
    subscribed, receiver, exit_version, agencies, monkeypatch
):
    _raw, secret = subscribed
    subscription = WebhookSubscription.objects.get()
    requeued = []
    monkeypatch.setattr(
        tasks, "enqueue_webhooks", lambda ids, countdown=0: requeued.append(countdown)
    )
    receiver.statuses = [500, 503, 502]
    webhooks.queue_event("invitation.answered", [(agencies["TTHCC-X12133"].pk, {})])
    delivery = WebhookDelivery.objects.get()
    start = timezone.now()
    with time_machine.travel(start, tick=True) as clock:
        for _try in range(4):
            tasks.deliver_webhook_task(str(delivery.pk))
            delivery.refresh_from_db()
            if delivery.next_attempt_at:
                # Too early: nothing is sent before the back-off has passed.
                tasks.deliver_webhook_task(str(delivery.pk))
                clock.shift(delivery.next_attempt_at - timezone.now())
    assert requeued == [30.0, 60.0, 120.0]
    assert len(receiver.requests) == 4
    assert delivery.status == "delivered" and delivery.attempts == 4
    assert len({r.headers["X-SIPAS-Delivery"] for r in receiver.requests}) == 1
    assert _verified(receiver, secret)
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0


def test_a_wrong_signature_is_detected_with_the_documented_recipe(
    subscribed, receiver, agencies
):
    _raw, secret = subscribed
    webhooks.queue_event("invitation.answered", [(agencies["TTHCC-X12133"].pk, {})])
    tasks.deliver_webhook_task(str(WebhookDelivery.objects.get().pk))
    request = receiver.requests[0]
    stamp, signature = (
        request.headers["X-SIPAS-Timestamp"],
        request.headers["X-SIPAS-Signature"],
    )
    good = {"timestamp": stamp, "signature": signature, "body": request.body}
    assert webhooks.verify_signature(secret, **good)
    assert not webhooks.verify_signature("another-secret", **good)
    assert not webhooks.verify_signature(
        secret, **{**good, "body": request.body.replace(b"}", b" }", 1)}
    )
    assert not webhooks.verify_signature(
        secret, **{**good, "signature": signature[:-1] + "01"[signature[-1] == "0"]}
    )
    assert not webhooks.verify_signature(
        secret, **good, now=int(stamp) + webhooks.SIGNATURE_TOLERANCE_SECONDS + 1
    )


def test_a_receiver_that_keeps_failing_is_switched_off(
    subscribed, receiver, agencies, settings, monkeypatch
):
    monkeypatch.setattr(webhooks, "DISABLE_AFTER_FAILURES", 3)
    monkeypatch.setattr(webhooks, "BACKOFF_SECONDS", 0)
    monkeypatch.setattr(tasks, "enqueue_webhooks", lambda ids, countdown=0: None)
    receiver.statuses = [500] * 10
    webhooks.queue_event("invitation.answered", [(agencies["TTHCC-X12133"].pk, {})])
    delivery = WebhookDelivery.objects.get()
    for _try in range(5):
        tasks.deliver_webhook_task(str(delivery.pk))
    assert len(receiver.requests) == 3
    subscription = WebhookSubscription.objects.get()
    assert not subscription.active and subscription.disabled_at is not None
    assert (
        webhooks.subscriptions_for(
            "invitation.answered", [delivery.subscription.token.agency_id]
        )
        == {}
    )


def test_a_delivery_fails_for_good_after_the_last_try(
    subscribed, receiver, agencies, settings, monkeypatch
):
    monkeypatch.setattr(webhooks, "MAX_ATTEMPTS", 2)
    monkeypatch.setattr(webhooks, "BACKOFF_SECONDS", 0)
    monkeypatch.setattr(tasks, "enqueue_webhooks", lambda ids, countdown=0: None)
    receiver.statuses = [500] * 5
    webhooks.queue_event("invitation.answered", [(agencies["TTHCC-X12133"].pk, {})])
    delivery = WebhookDelivery.objects.get()
    for _try in range(3):
        tasks.deliver_webhook_task(str(delivery.pk))
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == 2
    assert delivery.last_status_code == 500


def test_the_retry_sweep_sends_what_the_broker_lost(
    subscribed, receiver, agencies, monkeypatch
):
    monkeypatch.setattr(tasks, "enqueue_webhooks", lambda ids, countdown=0: None)
    webhooks.queue_event("invitation.answered", [(agencies["TTHCC-X12133"].pk, {})])
    assert tasks.retry_due_webhooks_task() == 1
    assert len(receiver.requests) == 1
    assert tasks.retry_due_webhooks_task() == 0


def test_response_and_comment_events_carry_no_personal_data(
    api, agencies, exit_version, receiver, monkeypatch
):
    monkeypatch.setattr(tasks, "enqueue_webhooks", lambda ids, countdown=0: None)
    token, raw = make_token(agencies["UBND-X12133"])
    created = api(raw).post(
        "/api/v1/webhooks/",
        {"url": receiver.url, "events": ["response.created", "comment.created"]},
    )
    assert created.status_code == 201
    response = submit_response(
        idempotency_key="k-1",
        reply_contact=("phone", "0912345678"),
        version=exit_version,
        agency_id=agencies["TTHCC-X12133"].pk,
        answers={"G": 5},
        respondent={"gender": "nu", "age_group": "25-34"},
        comment="Cán bộ tận tình",
    )
    # Another province's response is not this token's business.
    submit_response(
        idempotency_key="k-2",
        version=exit_version,
        agency_id=agencies["SNV-T01"].pk,
        answers={"G": 1},
        comment="xa lạ",
    )
    assert ReplyContact.objects.count() == 1
    payloads = {d.event: d.payload for d in WebhookDelivery.objects.all()}
    assert set(payloads) == {"response.created", "comment.created"}
    text = json.dumps(payloads, ensure_ascii=False)
    for private in ("0912345678", "nu", "25-34", "gender", "xa lạ"):
        assert f'"{private}"' not in text, private
    assert payloads["comment.created"]["data"]["comment"] == "Cán bộ tận tình"
    assert payloads["response.created"]["data"]["response_id"] == str(response.id)


def test_a_token_may_only_subscribe_to_events_it_may_read(api, agencies):
    _token, raw = make_token(agencies["UBND-T33"], can_read_comments=False)
    refused = api(raw).post(
        "/api/v1/webhooks/",
        {"url": "https://mot-cua.example.vn/", "events": ["comment.created"]},
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "events"
    bad_url = api(raw).post(
        "/api/v1/webhooks/",
        {"url": "ftp://x.example.vn/", "events": ["response.created"]},
    )
    assert bad_url.status_code == 400


def test_the_delivery_log_is_in_the_admin(subscribed, receiver, agencies, admin_client):
    webhooks.queue_event("invitation.answered", [(agencies["TTHCC-X12133"].pk, {})])
    delivery = WebhookDelivery.objects.get()
    tasks.deliver_webhook_task(str(delivery.pk))
    page = admin_client.get("/admin/api/webhookdelivery/")
    assert page.status_code == 200
    assert "invitation.answered" in page.content.decode()
    assert (
        admin_client.get(
            f"/admin/api/webhookdelivery/{delivery.pk}/change/"
        ).status_code
        == 200
    )
    delivery.refresh_from_db()
    assert (
        delivery.delivered_at
        and timezone.now() - delivery.delivered_at < datetime.timedelta(minutes=1)
    )


def test_while_no_subscription_is_active_a_process_asks_nobody_for_two_seconds(
    agencies, monkeypatch, django_assert_num_queries
):
    events = [WebhookSubscription.Event.RESPONSE_CREATED]
    monkeypatch.setattr(webhooks, "NO_SUBSCRIPTIONS_HERE_SECONDS", 0.3)
    token, _ = make_token(agencies["UBND-T33"], "Một cửa tỉnh")  # no subscription
    with django_assert_num_queries(1):  # the one query: none active
        assert webhooks.live_subscriptions(events) == []
    asked = []
    real_get = webhooks.cache.get
    monkeypatch.setattr(
        webhooks.cache, "get", lambda *a, **k: asked.append(a) or real_get(*a, **k)
    )
    with django_assert_num_queries(0):
        assert webhooks.live_subscriptions(events) == []
    assert asked == []  # nor the cache
    # Another process subscribes: its save clears the shared answer, not ours.
    WebhookSubscription.objects.bulk_create(  # no signal here, as in another process
        [WebhookSubscription(token=token, url="https://mc.example.vn/", events=events)]
    )
    webhooks.cache.delete(webhooks.NO_SUBSCRIPTIONS_KEY)
    assert webhooks.live_subscriptions(events) == []  # still what it kept …
    time.sleep(0.35)
    assert len(webhooks.live_subscriptions(events)) == 1  # … for at most that long


def test_a_subscription_saved_in_this_process_is_seen_at_once(agencies):
    events = [WebhookSubscription.Event.RESPONSE_CREATED]
    assert webhooks.live_subscriptions(events) == []
    token, _ = make_token(agencies["UBND-T33"], "Một cửa tỉnh")
    WebhookSubscription.objects.create(
        token=token, url="https://mc.example.vn/", events=events
    )
    assert len(webhooks.live_subscriptions(events)) == 1
