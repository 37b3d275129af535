"""Fixtures for the citizen survey: a province's service centre, a counter, a kiosk,
procedures, and the shipped exit-dv / hh-1001 questionnaires."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client

from agencies.models import AdministrativeUnit, Agency, Procedure, ServicePoint
from surveys.models import QuestionnaireVersion
from surveys.reference import load_questionnaires


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters live in the cache; every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def questionnaires(db) -> dict[str, QuestionnaireVersion]:
    load_questionnaires()
    return {
        version.questionnaire.code: version
        for version in QuestionnaireVersion.objects.select_related("questionnaire")
    }


@pytest.fixture
def exit_version(questionnaires) -> QuestionnaireVersion:
    return questionnaires["exit-dv"]


@pytest.fixture
def province(db) -> AdministrativeUnit:
    return AdministrativeUnit.objects.create(
        code="33", name="Tỉnh Hưng Yên", level="province", province_code="33"
    )


@pytest.fixture
def centre(province) -> Agency:
    return Agency.objects.create(
        code="TTHCC-T33",
        name="Trung tâm Phục vụ hành chính công tỉnh Hưng Yên",
        name_en="Hung Yen Provincial Public Administrative Service Centre",
        kind="tthcc_tinh",
        unit=province,
        province_code="33",
    )


@pytest.fixture
def procedures(centre) -> list[Procedure]:
    rows = [
        ("1.000894", "Đăng ký kết hôn", "Hộ tịch"),
        ("2.000884", "Chứng thực chữ ký trong các giấy tờ, văn bản", "Chứng thực"),
        ("1.001612", "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ", "Xây dựng"),
    ]
    made = []
    for code, name, field in rows:
        procedure = Procedure.objects.create(
            code=code, name=name, field=field, levels="tinh"
        )
        procedure.agencies.add(centre)
        made.append(procedure)
    return made


@pytest.fixture
def counter(centre, procedures, exit_version) -> ServicePoint:
    point = ServicePoint.objects.create(
        code="TTHCC-T33-Q1",
        name="Quầy 1 – Trung tâm Phục vụ hành chính công tỉnh",
        kind="counter",
        agency=centre,
    )
    point.procedures.set(procedures)
    return point


@pytest.fixture
def kiosk_point(centre, procedures, exit_version) -> ServicePoint:
    point = ServicePoint.objects.create(
        code="TTHCC-T33-KIOSK",
        name="Ki-ốt sảnh chính",
        kind="kiosk",
        agency=centre,
        kiosk=True,
        kiosk_idle_seconds=60,
    )
    point.procedures.set(procedures)
    return point


@pytest.fixture
def citizen(settings) -> Client:
    """An anonymous citizen's browser that sends the CSRF token like a real one."""
    settings.SURVEY_MIN_FILL_SECONDS = 0
    return Client()


def form_token(html: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', html)
    assert match, "the form carries a signed token"
    return match.group(1)


def filled_form(client: Client, url: str, **overrides) -> dict[str, str]:
    """GET the survey and return the POST data of a sensible, complete answer."""
    page = client.get(url)
    assert page.status_code == 200
    data = {
        "token": form_token(page.content.decode()),
        "website": "",
        "procedure": "",
        "channel": "truc_tiep",
        "E1.1": "4",
        "E3.1": "5",
        "G": "4",
        "comment": "",
        "reply_contact": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
