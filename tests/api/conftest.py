"""Tokens and places for the API tests.

Province 33 (UBND-T33 with its departments SNV-T33, STP-T33 and the commune
UBND-X12133 → TTHCC-X12133) and province 01 come from tests.dashboard_fixtures.
Tokens, each with every permission unless said otherwise: `province_token`
(UBND-T33, the whole province), `commune_token` (UBND-X12133), `sibling_token`
(STP-T33, beside the commune), `foreign_token` (UBND-T01), `revoked_token` and
`expired_token` (UBND-T33). Each fixture returns (ApiToken, raw key).
"""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from api import tokens
from api.models import ApiToken
from tests.dashboard_fixtures import *  # noqa: F403

ALL = {"can_invite": True, "can_read_indices": True, "can_read_comments": True}


@pytest.fixture(autouse=True)
def fresh_cache():
    """Throttle counters live in the cache; every test starts with none."""
    cache.clear()
    yield
    cache.clear()


def make_token(agency, name="Một cửa", **fields) -> tuple[ApiToken, str]:
    token = ApiToken(name=name, agency=agency, **{**ALL, **fields})
    raw = tokens.set_new_key(token)
    token.save()
    return token, raw


@pytest.fixture
def province_token(agencies):
    return make_token(agencies["UBND-T33"], "Hệ thống một cửa tỉnh Hưng Yên")


@pytest.fixture
def commune_token(agencies):
    return make_token(agencies["UBND-X12133"], "Một cửa xã Mẫu")


@pytest.fixture
def sibling_token(agencies):
    return make_token(agencies["STP-T33"], "Sở Tư pháp")


@pytest.fixture
def foreign_token(agencies):
    return make_token(agencies["UBND-T01"], "Thành phố Xa Lạ")


@pytest.fixture
def revoked_token(agencies):
    return make_token(agencies["UBND-T33"], "Thu hồi", revoked_at=timezone.now())


@pytest.fixture
def expired_token(agencies):
    yesterday = timezone.now() - datetime.timedelta(days=1)
    return make_token(agencies["UBND-T33"], "Hết hạn", expires_at=yesterday)


class ApiClient:
    """The test client with a token in the Authorization header and JSON bodies."""

    def __init__(self, raw: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {raw}"} if raw else {}

    def get(self, url, params=None, **extra):
        return self.client.get(url, params or {}, headers=self.headers, **extra)

    def post(self, url, body, **extra):
        return self.client.post(
            url, body, content_type="application/json", headers=self.headers, **extra
        )

    def delete(self, url, **extra):
        return self.client.delete(url, headers=self.headers, **extra)


@pytest.fixture
def api():
    """api(raw) → an ApiClient using that token (None: no token)."""
    return ApiClient


@pytest.fixture
def exit_version(db):
    """The shipped exit-dv questionnaire (with its answer options), not the
    dashboard fixtures' skeleton."""
    from surveys.models import QuestionnaireVersion
    from surveys.reference import load_questionnaires

    load_questionnaires()
    return QuestionnaireVersion.objects.get(questionnaire__code="exit-dv", number=1)


@pytest.fixture
def receiver():
    """A loopback HTTP receiver; `receiver.statuses` lists the answers to give."""
    from tests.api.receiver import start_receiver

    found, server = start_receiver()
    yield found
    server.shutdown()
    server.server_close()
