"""Which procedures a place handles: derived from levels, plus explicit links."""

import pytest

from agencies.models import Agency, Procedure, ServicePoint
from agencies.queries import procedures_for_agency, procedures_for_point

pytestmark = pytest.mark.django_db


def codes(queryset) -> set[str]:
    return set(queryset.values_list("code", flat=True))


def test_a_commune_handles_the_procedures_of_commune_level(hung_yen):
    commune = Agency.objects.get(code="UBND-X13225")
    expected = {p.code for p in Procedure.objects.all() if "xa" in p.level_list}

    assert codes(procedures_for_agency(commune)) == expected
    assert "1.000894" in expected  # Đăng ký kết hôn


def test_a_department_handles_the_procedures_of_provincial_level(hung_yen):
    department = Agency.objects.get(code="STP-T33")
    expected = {p.code for p in Procedure.objects.all() if "tinh" in p.level_list}

    assert codes(procedures_for_agency(department)) == expected


def test_explicit_links_add_procedures_to_an_agency_and_a_point(hung_yen):
    central = Procedure.objects.filter(levels="trung_uong").first()
    point = ServicePoint.objects.get(code="TTHCC-X13225")
    other = Procedure.objects.filter(levels="trung_uong").last()
    central.agencies.add(point.agency)
    other.service_points.add(point)

    assert central.code in codes(procedures_for_agency(point.agency))
    assert other.code not in codes(procedures_for_agency(point.agency))
    assert {central.code, other.code} <= codes(procedures_for_point(point))
    assert other.code not in codes(
        procedures_for_point(ServicePoint.objects.get(code="TTHCC-X12133"))
    )


def test_a_point_lists_its_procedures_in_one_query(hung_yen, django_assert_num_queries):
    point = ServicePoint.objects.select_related("agency").get(code="TTHCC-T33")

    with django_assert_num_queries(1):
        procedures = list(procedures_for_point(point))

    assert procedures
    assert [p.field for p in procedures] == sorted(p.field for p in procedures)


def test_an_ended_procedure_is_not_offered(hung_yen):
    Procedure.objects.filter(code="1.000894").update(valid_until="2025-01-01")

    assert "1.000894" not in codes(
        procedures_for_agency(Agency.objects.get(code="UBND-X13225"))
    )
