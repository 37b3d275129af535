"""Fixtures for the reference-data tests."""

from pathlib import Path

import pytest
from django.conf import settings


@pytest.fixture
def shared_dir() -> Path:
    """../shared, read-only material; tests that need it are skipped without it."""
    path = Path(settings.SHARED_DIR)
    if not (path / "data").is_dir():
        pytest.skip(f"shared material not found at {path}")
    return path
