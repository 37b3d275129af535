"""Fixtures for the admin tests: the demo province and a few places elsewhere."""

import pytest
from django.conf import settings
from django.utils import translation

from agencies.models import AdministrativeUnit, Agency


@pytest.fixture
def ha_noi(db) -> AdministrativeUnit:
    """The capital, made by hand: the tests load only province 33's reference data."""
    return AdministrativeUnit.objects.create(
        code="01",
        name="Thành phố Hà Nội",
        level=AdministrativeUnit.Level.PROVINCE,
        division_type="thành phố trung ương",
        province_code="01",
    )


@pytest.fixture
def ha_noi_committee(ha_noi) -> Agency:
    return Agency.objects.create(
        code="UBND-T01",
        name="Ủy ban nhân dân thành phố Hà Nội",
        kind=Agency.Kind.PEOPLES_COMMITTEE_PROVINCE,
        unit=ha_noi,
        province_code="01",
    )


@pytest.fixture
def hung_yen_committee(reference_data) -> Agency:
    return Agency.objects.get(code="UBND-T33")


@pytest.fixture
def thai_binh_committee(reference_data) -> Agency:
    return Agency.objects.get(code="UBND-T34")


@pytest.fixture
def commune_centre(reference_data) -> Agency:
    """A commune's public administrative service centre (three levels deep)."""
    return (
        Agency.objects.filter(
            kind=Agency.Kind.SERVICE_CENTRE_COMMUNE, province_code="33"
        )
        .order_by("code")
        .first()
    )


@pytest.fixture(autouse=True)
def default_language_afterwards():
    """Requests through the test client activate their language in this thread;
    put Vietnamese back so later tests that render outside a request see it."""
    yield
    translation.activate(settings.LANGUAGE_CODE)
