"""Fixtures for the reference-data tests."""

from pathlib import Path

import pytest
from django.conf import settings

from surveys.reference import load_reference_data


@pytest.fixture
def shared_dir() -> Path:
    """../shared, read-only material; tests that need it are skipped without it."""
    path = Path(settings.SHARED_DIR)
    if not (path / "data").is_dir():
        pytest.skip(f"shared material not found at {path}")
    return path


@pytest.fixture
def whole_country(db):
    """All 34 provinces with their pre-2025 units (a few seconds on SQLite)."""
    return load_reference_data()


@pytest.fixture
def hung_yen(db):
    """Province 33 only, with former Thái Bình, as `--province 33` loads it."""
    return load_reference_data(["33"])
