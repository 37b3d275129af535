"""People for the security tests: an administrator and an ordinary staff clerk."""

import pytest
from django.contrib.auth import get_user_model

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
