"""Tokens: shown once, stored hashed, refused when unknown, revoked or expired,
throttled per token, and every API error is JSON with a code and a field."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from api import tokens
from api.models import ApiToken
from audit.models import AuditEvent
from tests.api.conftest import make_token

TOKEN_URL = "/api/v1/token/"


def test_a_request_without_a_token_is_refused_with_a_json_401(api, agencies):
    response = api(None).get(TOKEN_URL)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["errors"][0]["code"] == "not_authenticated"


@pytest.mark.parametrize(
    "header", ["Bearer sipas_wrong", "Bearer", "Token abc", "Bearer a b", "Bearer é"]
)
def test_a_wrong_or_malformed_token_is_refused(agencies, header):
    response = Client().get(TOKEN_URL, headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] in ("token_invalid", "token_malformed")


def test_revoked_and_expired_tokens_are_refused_with_their_reason(
    api, revoked_token, expired_token
):
    assert api(revoked_token[1]).get(TOKEN_URL).json()["errors"][0]["code"] == (
        "token_revoked"
    )
    assert api(expired_token[1]).get(TOKEN_URL).json()["errors"][0]["code"] == (
        "token_expired"
    )


def test_a_valid_token_describes_itself_and_its_last_use_is_recorded(
    api, province_token
):
    token, raw = province_token
    assert token.last_used_at is None
    response = api(raw).get(TOKEN_URL)
    assert response.status_code == 200
    body = response.json()
    assert body["agency"] == "UBND-T33"
    assert body["permissions"] == ["invitations", "indices", "comments"]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_only_the_hash_and_a_prefix_of_the_key_are_stored(province_token):
    token, raw = province_token
    assert raw.startswith("sipas_") and len(raw) > 40
    assert token.key_hash == tokens.hash_token(raw)
    assert raw not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert raw[len("sipas_") :].startswith(token.prefix)


def test_a_token_without_a_permission_gets_403(api, agencies):
    _token, raw = make_token(agencies["UBND-T33"], can_read_indices=False)
    response = api(raw).get("/api/v1/indices/", {"period": "2026"})
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "permission_denied"


def test_each_token_is_throttled_on_its_own(api, agencies):
    _slow, slow_raw = make_token(agencies["UBND-T33"], rate_per_minute=3)
    _other, other_raw = make_token(agencies["UBND-T33"], rate_per_minute=3)
    codes = [api(slow_raw).get(TOKEN_URL).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = api(slow_raw).get(TOKEN_URL)
    assert refused.json()["errors"][0]["code"] == "throttled"
    assert int(refused["Retry-After"]) >= 1
    assert api(other_raw).get(TOKEN_URL).status_code == 200


def test_unknown_api_urls_and_bad_json_answer_json_errors(api, province_token):
    client = api(province_token[1])
    missing = client.get("/api/v1/khong-co/")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "not_found"
    broken = client.client.post(
        "/api/v1/invitations/",
        "{not json",
        content_type="application/json",
        headers=client.headers,
    )
    assert broken.status_code == 400
    assert broken.json()["errors"][0]["code"] == "parse_error"
    wrong_type = client.client.post(
        "/api/v1/invitations/", "a=b", content_type="text/plain", headers=client.headers
    )
    assert wrong_type.status_code == 415
    nul = client.get("/api/v1/indices/", {"period": "2026\x00"})
    assert nul.status_code == 400
    assert nul["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_an_administrator_creates_a_token_in_the_admin_and_sees_it_once(agencies):
    admin = get_user_model().objects.create_superuser("qt", "qt@example.vn", "x")
    client = Client()
    client.force_login(admin)
    response = client.post(
        "/admin/api/apitoken/add/",
        {
            "name": "Một cửa Hưng Yên",
            "agency": agencies["UBND-T33"].pk,
            "can_invite": "on",
            "rate_per_minute": "60",
            "webhooks-TOTAL_FORMS": "0",
            "webhooks-INITIAL_FORMS": "0",
        },
        follow=True,
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    raw = next(m.split(": ")[-1] for m in shown if "sipas_" in m)
    assert tokens.hash_token(raw) == token.key_hash
    assert token.created_by == admin
    assert client.get("/admin/api/apitoken/").content.decode().count("sipas_") == 0
    assert AuditEvent.objects.filter(action="admin_add").exists()
    client.post(
        "/admin/api/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(
        action="other", detail__operation="api_token.revoke"
    ).exists()
    assert (
        Client()
        .get(TOKEN_URL, headers={"Authorization": f"Bearer {raw}"})
        .json()["errors"][0]["code"]
        == "token_revoked"
    )


def test_a_signed_in_session_is_no_credential_for_the_api(agencies):
    """So the API needs no CSRF protection: a browser's cookies open nothing."""
    admin = get_user_model().objects.create_superuser("qt2", "qt2@example.vn", "x")
    client = Client()
    client.force_login(admin)
    assert client.get(TOKEN_URL).status_code == 401
    posted = client.post(
        "/api/v1/invitations/",
        {"dossier_code": "HS-1"},
        content_type="application/json",
    )
    assert posted.status_code == 401
