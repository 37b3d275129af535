"""Fixtures of the citizen survey, for the deploy and operations tests."""

from tests.surveys.conftest import (  # noqa: F401 - fixtures re-exported
    centre,
    citizen,
    counter,
    exit_version,
    procedures,
    province,
    questionnaires,
)
