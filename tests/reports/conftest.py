"""Fixtures of the reports tests. Index-engine fixtures live in engine_fixtures.py."""

from tests.reports.engine_fixtures import (  # noqa: F401 - fixtures
    commune_centre,
    exit_version,
    province_33,
    shared_reference,
    two_years,
)
