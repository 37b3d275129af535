"""Every admin change, delete and history page takes a malformed id calmly."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model

BAD_IDS = ["abc", "²", "99999999999999999999999", "-1"]


@pytest.fixture
def administrator(db):
    return get_user_model().objects.create_superuser(
        "quan.tri", "quan.tri@example.gov.vn", "Mật-khẩu-đủ-dài-2026"
    )


@pytest.mark.parametrize(
    "model", list(admin.site._registry), ids=lambda m: m._meta.label_lower
)
def test_a_malformed_object_id_in_an_admin_url_is_not_a_500(
    client, administrator, model
):
    client.force_login(administrator)
    prefix = f"/admin/{model._meta.app_label}/{model._meta.model_name}"
    for bad in BAD_IDS:
        for page in ("change", "delete", "history"):
            response = client.get(f"{prefix}/{bad}/{page}/")
            assert response.status_code in (302, 403, 404), (bad, page)
