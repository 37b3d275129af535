"""Invitation links sent by e-mail, by SMS through an HTTP gateway and by Zalo
ZNS, against a real HTTP server on loopback; the contact is gone once the link is
delivered or has failed for good."""

from __future__ import annotations

import base64
import json

import pytest
from django.core import mail

from api import tasks
from api.models import InvitationDelivery

URL = "/api/v1/invitations/"


@pytest.fixture
def gateway(receiver, settings):
    """The loopback receiver as SMS gateway and Zalo ZNS endpoint."""
    settings.SMS_GATEWAY_URL = receiver.url + "/sms"
    settings.SMS_GATEWAY_USER = "sipas"
    settings.SMS_GATEWAY_PASSWORD = "mat-khau"
    settings.ZALO_ZNS_URL = receiver.url + "/zns"
    settings.ZALO_ZNS_ACCESS_TOKEN = "zalo-token"
    settings.ZALO_ZNS_TEMPLATE_ID = "246810"
    return receiver


@pytest.fixture
def commune(api, commune_token, exit_version):
    return api(commune_token[1])


def _invite(client, contact, code="HS-GUI-1"):
    response = client.post(URL, {"dossier_code": code, "contact": contact})
    assert response.status_code == 201, response.json()
    return response.json()


def _send_all() -> None:
    for pk in InvitationDelivery.objects.values_list("pk", flat=True):
        tasks.send_invitation_task(pk)


def test_an_sms_goes_through_the_gateway_and_the_number_is_then_deleted(
    commune, gateway, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        body = _invite(commune, {"kind": "sms", "value": "0912 345 678"})
    assert len(callbacks) == 1  # the sending is enqueued once committed
    assert body["delivery"]["status"] == "pending"
    _send_all()
    (request,) = gateway.requests
    assert request.path.endswith("/sms")
    sent = json.loads(request.body)
    assert sent["to"] == "84912345678"
    assert body["link"] in sent["text"]
    user, password = (
        base64.b64decode(request.headers["Authorization"].split()[1])
        .decode()
        .split(":")
    )
    assert (user, password) == ("sipas", "mat-khau")
    stored = InvitationDelivery.objects.get()
    assert stored.status == "delivered" and stored.contact == ""
    assert stored.contact_deleted_at is not None
    status = commune.get(f"{URL}{body['id']}/").json()
    assert status["delivery"]["status"] == "delivered"
    assert "0912" not in json.dumps(status)


def test_a_zalo_template_message_carries_the_agency_and_link(commune, gateway):
    body = _invite(commune, {"kind": "zalo", "value": "+84 912 345 678"})
    gateway.statuses = []
    _send_all()
    (request,) = gateway.requests
    sent = json.loads(request.body)
    assert request.headers["access_token"] == "zalo-token"
    assert sent["phone"] == "84912345678"
    assert sent["template_id"] == "246810"
    assert sent["template_data"] == {
        "agency_name": "UBND xã Mẫu",
        "link": body["link"],
    }
    assert InvitationDelivery.objects.get().status == "delivered"


def test_an_email_is_sent_with_django_mail(commune):
    body = _invite(commune, {"kind": "email", "value": "cong.dan@example.vn"})
    _send_all()
    (message,) = mail.outbox
    assert message.to == ["cong.dan@example.vn"]
    assert body["link"] in message.body
    assert InvitationDelivery.objects.get().contact == ""


def test_a_gateway_that_fails_twice_delivers_on_the_third_try(
    commune, gateway, monkeypatch
):
    later = []
    monkeypatch.setattr(
        tasks, "enqueue_sends", lambda ids, countdown=0: later.append(countdown)
    )
    gateway.statuses = [503, 500]
    _invite(commune, {"kind": "sms", "value": "0912345678"})
    sending = InvitationDelivery.objects.get()
    for _try in range(3):
        tasks.send_invitation_task(sending.pk)
        InvitationDelivery.objects.filter(pk=sending.pk).update(next_attempt_at=None)
    sending.refresh_from_db()
    assert later == [60.0, 120.0]
    assert len(gateway.requests) == 3
    assert sending.status == "delivered" and sending.attempts == 3
    assert sending.contact == ""


def test_a_refused_number_fails_for_good_and_is_deleted(commune, gateway):
    gateway.statuses = [400]
    _invite(commune, {"kind": "sms", "value": "0912345678"})
    _send_all()
    _send_all()
    sending = InvitationDelivery.objects.get()
    assert len(gateway.requests) == 1
    assert sending.status == "failed" and "HTTP 400" in sending.last_error
    assert sending.contact == "" and sending.contact_deleted_at is not None


def test_a_zns_error_code_is_a_failure_for_good(commune, gateway):
    _invite(commune, {"kind": "zalo", "value": "0912345678"})
    gateway.statuses = [(200, b'{"error": -124, "message": "Invalid phone"}')]
    _send_all()
    sending = InvitationDelivery.objects.get()
    assert sending.status == "failed" and "-124" in sending.last_error
    assert sending.contact == ""


def test_asking_again_does_not_send_twice(commune, gateway):
    first = _invite(commune, {"kind": "sms", "value": "0912345678"})
    again = commune.post(
        URL,
        {"dossier_code": "HS-GUI-1", "contact": {"kind": "sms", "value": "0912345678"}},
    )
    assert again.status_code == 200 and again.json()["id"] == first["id"]
    assert InvitationDelivery.objects.count() == 1


def test_a_batch_sends_each_link_with_a_handful_of_queries(
    commune, gateway, django_assert_max_num_queries
):
    batch = [
        {
            "dossier_code": f"HS-B-{i:03d}",
            "contact": {"kind": "sms", "value": f"09123450{i:02d}"},
        }
        for i in range(40)
    ]
    with django_assert_max_num_queries(30):
        made = commune.post("/api/v1/invitations/batch/", {"invitations": batch})
    assert made.status_code == 200
    assert InvitationDelivery.objects.count() == 40


@pytest.mark.parametrize(
    "contact, field",
    [
        ({"kind": "sms", "value": "12345"}, "contact.value"),
        ({"kind": "email", "value": "khong-phai-email"}, "contact.value"),
        ({"kind": "fax", "value": "0912345678"}, "contact.kind"),
    ],
)
def test_a_malformed_contact_is_named(commune, contact, field):
    response = commune.post(URL, {"dossier_code": "HS-X", "contact": contact})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field
    assert InvitationDelivery.objects.count() == 0
