"""Invitations through the API: one or a batch, idempotent by (agency, dossier),
answered with the link and QR URLs; the status follows the citizen."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from invitations import services as invitation_services
from invitations.models import Invitation

URL = "/api/v1/invitations/"
BATCH = "/api/v1/invitations/batch/"


@pytest.fixture
def commune_client(api, commune_token, exit_version):
    return api(commune_token[1])


def test_one_invitation_is_created_with_its_link_and_qr_urls(commune_client):
    response = commune_client.post(
        URL,
        {
            "dossier_code": "000.00.33.H48-260701-0001",
            "agency": "TTHCC-X12133",
            "channel": "truc_tiep",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["created"] is True
    assert body["status"] == "sent"
    assert body["link"].startswith("http://127.0.0.1:8000/s/i/")
    assert body["qr_png"].endswith(f"/api/v1/invitations/{body['id']}/qr.png")
    invitation = Invitation.objects.get(pk=body["id"])
    assert invitation.channel == "truc_tiep"
    assert "260701" not in str(Invitation.objects.filter(pk=body["id"]).values().get())
    token = body["link"].rstrip("/").rsplit("/", 1)[-1]
    assert invitation_services.token_hash(token) == invitation.token_hash


def test_asking_again_for_the_same_dossier_answers_the_same_invitation(
    commune_client,
):
    first = commune_client.post(URL, {"dossier_code": "hs-0001"}).json()
    again = commune_client.post(URL, {"dossier_code": " HS-0001 "})
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert again.json()["id"] == first["id"]
    assert again.json()["link"] == first["link"]
    assert Invitation.objects.count() == 1


def test_the_qr_code_of_an_invitation_is_served_as_png_and_svg(commune_client):
    body = commune_client.post(URL, {"dossier_code": "hs-qr-1"}).json()
    png = commune_client.get(body["qr_png"])
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    svg = commune_client.get(body["qr_svg"], HTTP_ACCEPT="image/svg+xml")
    assert svg["Content-Type"] == "image/svg+xml"
    assert body["link"].encode() in svg.content


def test_a_batch_creates_every_invitation_or_none(commune_client):
    good = [{"dossier_code": f"HS-{i:04d}"} for i in range(5)]
    bad = good + [{"dossier_code": "x"}, {"dossier_code": "HS-9", "agency": "UBND-T01"}]
    refused = commune_client.post(BATCH, {"invitations": bad})
    assert refused.status_code == 400
    fields = {e["field"]: e["code"] for e in refused.json()["errors"]}
    assert fields == {
        "invitations.5.dossier_code": "invalid_dossier_code",
        "invitations.6.agency": "unknown_agency",
    }
    assert Invitation.objects.count() == 0
    made = commune_client.post(BATCH, {"invitations": good})
    assert made.status_code == 200
    assert made.json()["created"] == 5
    again = commune_client.post(BATCH, {"invitations": good})
    assert again.json()["created"] == 0 and again.json()["existing"] == 5


def test_a_batch_holds_at_most_a_thousand_dossiers(commune_client):
    many = [{"dossier_code": f"HS-{i:05d}"} for i in range(1001)]
    response = commune_client.post(BATCH, {"invitations": many})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "invitations"
    assert commune_client.post(BATCH, {"invitations": []}).status_code == 400


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "dossier_code"),
        ({"dossier_code": 5}, "dossier_code"),
        ({"dossier_code": "HS-1", "channel": "fax"}, "channel"),
        ({"dossier_code": "HS-1", "expires_days": 0}, "expires_days"),
        ({"dossier_code": "HS-1", "procedure": "9.999999"}, "procedure"),
        ({"dossier_code": "HS-1", "service_point": "KHONG"}, "service_point"),
        ({"dossier_code": "HS-1", "agency": "SNV-T01"}, "agency"),
    ],
)
def test_bad_input_is_named_by_its_field(commune_client, body, field):
    response = commune_client.post(URL, body)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_the_status_follows_the_citizen_from_sent_to_answered(
    commune_client, exit_version
):
    body = commune_client.post(URL, {"dossier_code": "HS-STATUS"}).json()
    detail = f"{URL}{body['id']}/"
    assert commune_client.get(detail).json()["status"] == "sent"
    citizen = Client()
    assert citizen.get(body["link"]).status_code == 200
    assert commune_client.get(detail).json()["status"] == "opened"
    invitation_services.answer_invitation(
        token=body["link"].rstrip("/").rsplit("/", 1)[-1],
        version=exit_version,
        answers={"G": 5},
    )
    answered = commune_client.get(detail).json()
    assert answered["status"] == "answered" and answered["answered_at"]
    assert commune_client.get(URL, {"status": "answered"}).json()["count"] == 1
    assert commune_client.get(URL, {"dossier_code": "hs-status"}).json()["count"] == 1


def test_an_unanswered_invitation_expires(commune_client):
    body = commune_client.post(
        URL, {"dossier_code": "HS-OLD", "expires_days": 1}
    ).json()
    Invitation.objects.filter(pk=body["id"]).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert commune_client.get(f"{URL}{body['id']}/").json()["status"] == "expired"


def test_an_invitation_made_in_the_admin_shows_no_link(commune_client, agencies):
    issued = invitation_services.create_invitation(
        dossier_code="HS-ADMIN", agency=agencies["UBND-X12133"]
    )
    body = commune_client.get(f"{URL}{issued.invitation.pk}/").json()
    assert body["link"] is None and body["qr_png"] is None
    assert commune_client.get(f"{URL}{issued.invitation.pk}/qr.png").status_code == 404
