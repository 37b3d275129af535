"""Every API operation × tokens of the agency, of a sibling, of another
province, revoked and expired: only the agency's own token gets its data.

The operations come from the OpenAPI schema, so an operation added later is in
the matrix (and this test fails if it does not know how to call it).
"""

from __future__ import annotations

import json

import pytest
import yaml
from django.test import Client

from api.models import WebhookSubscription
from invitations.models import Invitation
from tests.dashboard_fixtures import FOREIGN_NAME

# What only the commune's data holds (its code TTHCC-X12133 is the outsiders'
# own input, so an error may repeat it).
MARKERS = ("UBND-X12133", "xã Mẫu", "Cán bộ xã hướng dẫn", "/s/i/")


@pytest.fixture
def invitation(api, commune_token, exit_version):
    body = api(commune_token[1]).post(
        "/api/v1/invitations/", {"dossier_code": "HS-MATRIX", "agency": "TTHCC-X12133"}
    )
    return Invitation.objects.get(pk=body.json()["id"])


@pytest.fixture
def subscription(commune_token):
    return WebhookSubscription.objects.create(
        token=commune_token[0],
        url="https://mot-cua.example.vn/hook",
        events=["invitation.answered"],
        secret="s",
    )


def _operations() -> list[tuple[str, str]]:
    schema = yaml.safe_load(Client().get("/api/schema/").content)
    return [
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in ("get", "post", "delete")
    ]


def _call(client, method, path, invitation, subscription):
    url = path.replace("{id}", str(invitation.pk))
    if "webhooks/{" in path:
        url = path.replace("{id}", str(subscription.pk))
    if method == "GET":
        reads = ("indices/", "comments/", "comparisons/")
        params = {"period": "2026"} if path.endswith(reads) else {}
        if path.endswith("comparisons/"):
            params["baseline"] = "2025"
        if path.endswith((*reads, "invitations/")):
            params["agency"] = "TTHCC-X12133"
        return client.get(url, params)
    if method == "DELETE":
        return client.delete(url)
    body = {"dossier_code": "HS-MATRIX", "agency": "TTHCC-X12133"}
    if path.endswith("batch/"):
        body = {"invitations": [body]}
    if path.endswith("webhooks/"):
        body = {"url": "https://x.example.vn/", "events": ["invitation.answered"]}
    return client.post(url, body)


def _text(response) -> str:
    if response.get("Content-Type", "").startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    return response.content.decode("utf-8", "replace")


def test_the_matrix_covers_every_operation_of_the_schema():
    assert len(_operations()) >= 12


def test_tokens_outside_the_commune_get_nothing_of_it(
    api,
    index_results,
    comments,
    invitation,
    subscription,
    sibling_token,
    foreign_token,
    revoked_token,
    expired_token,
):
    outsiders = {
        "sibling": sibling_token,
        "foreign": foreign_token,
        "revoked": revoked_token,
        "expired": expired_token,
    }
    for who, (_token, raw) in outsiders.items():
        client = api(raw)
        for method, path in _operations():
            response = _call(client, method, path, invitation, subscription)
            assert response.status_code != 500, (who, method, path)
            body = _text(response)
            if who in ("revoked", "expired"):
                assert response.status_code == 401, (who, method, path)
            elif path.endswith(("webhooks/", "/token/")):
                # Their own subscriptions and description: nothing of the commune.
                assert response.status_code in (200, 201), (who, method, path)
            else:
                assert response.status_code in (400, 404), (who, method, path, body)
            for marker in MARKERS:
                assert marker not in body, (who, method, path, marker)
    assert Invitation.objects.count() == 1
    assert WebhookSubscription.objects.filter(pk=subscription.pk).exists()


def test_the_commune_token_gets_every_operation(
    api, index_results, comments, invitation, subscription, commune_token
):
    client = api(commune_token[1])
    for method, path in _operations():
        response = _call(client, method, path, invitation, subscription)
        assert response.status_code in (200, 201, 204), (method, path, response.content)
        assert FOREIGN_NAME not in _text(response)


def test_a_province_token_reaches_the_communes_below_it(
    api, index_results, comments, invitation, subscription, province_token
):
    client = api(province_token[1])
    assert client.get(f"/api/v1/invitations/{invitation.pk}/").status_code == 200
    indices = client.get(
        "/api/v1/indices/", {"period": "2026", "agency": "TTHCC-X12133"}
    )
    assert indices.json()["count"] > 0
    comparisons = client.get(
        "/api/v1/comparisons/",
        {"period": "2026", "baseline": "2025", "agency": "TTHCC-X12133"},
    )
    assert comparisons.json()["count"] > 0


def test_comparisons_without_an_agency_hold_only_the_tokens_subtree(
    api, index_results, sibling_token, foreign_token
):
    for (_token, raw), own in (
        (sibling_token, {"STP-T33"}),
        (foreign_token, {"UBND-T01", "SNV-T01"}),
    ):
        body = (
            api(raw)
            .get(
                "/api/v1/comparisons/",
                {"period": "2026", "baseline": "2025", "page_size": 1000},
            )
            .json()
        )
        assert {row["agency"] for row in body["results"]} == own
        for marker in MARKERS:
            assert marker not in json.dumps(body, ensure_ascii=False), marker
