"""People for the security tests: an administrator, an ordinary staff clerk and the
entitled analyst of the authorization matrices (with a finished report of theirs)."""

import pytest
from django.contrib.auth import get_user_model

from dashboard.models import ReportJob
from tests.surveys.conftest import (  # noqa: F401 - fixtures re-exported
    centre,
    citizen,
    counter,
    exit_version,
    procedures,
    province,
    questionnaires,
)

PASSWORD = "Mật-khẩu-đủ-dài-2026"


@pytest.fixture
def administrator(db):
    return get_user_model().objects.create_superuser(
        "quan.tri", "quan.tri@example.gov.vn", PASSWORD
    )


@pytest.fixture
def clerk(db):
    """Staff (may open /admin/) but with no permission on anything."""
    return get_user_model().objects.create_user(
        "can.bo", "can.bo@example.gov.vn", PASSWORD, is_staff=True
    )


@pytest.fixture
def entitled(province_analyst):
    """Staff without the admin's is_staff flag: dashboards and posters all open."""
    assert not province_analyst.is_staff
    return province_analyst


@pytest.fixture
def report_job(entitled, agencies):
    return ReportJob.objects.create(
        user=entitled,
        agency=agencies["UBND-T33"],
        period="2026",
        questionnaire="exit-dv",
        status=ReportJob.Status.DONE,
        progress=100,
        pdf=b"%PDF-1.4 finished report",
    )
