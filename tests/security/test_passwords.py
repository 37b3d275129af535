"""Django's password validators refuse weak staff passwords."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


@pytest.mark.parametrize(
    "password",
    ["ngan", "12345678901", "password123", "quan.tri.2026"],
    ids=["too-short", "all-digits", "common", "like-the-username"],
)
def test_a_weak_password_is_refused(password):
    user = get_user_model()(username="quan.tri.2026", email="quan.tri@example.gov.vn")
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_a_long_uncommon_password_is_accepted():
    user = get_user_model()(username="quan.tri", email="quan.tri@example.gov.vn")
    assert validate_password("Sông-Hồng-chảy-về-biển-2026", user) is None
