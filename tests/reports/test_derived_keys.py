"""The engine's derived rows (aggregates, pair counts, index rows) carry no
foreign-key constraint in the database: PostgreSQL checked two per row at each
COMMIT, minutes for a repair. What they point to is still looked after: the
citizens' rows keep their constraints, and deleting an agency still deletes its
derived rows (Django's cascade)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from agencies.models import Agency
from reports.models import AnswerCount, IndexResult, MaskCount, PairCount
from surveys.models import Questionnaire

DERIVED = [AnswerCount, MaskCount, PairCount, IndexResult]


def constrained_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT conrelid::regclass::text FROM pg_constraint "
            "WHERE contype = 'f'"
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's catalogue")
@pytest.mark.django_db
def test_only_the_derived_tables_go_without_key_constraints():
    tables = constrained_tables()
    for model in DERIVED:
        assert model._meta.db_table not in tables
    for kept in ("surveys_response", "surveys_answer", "reports_pendingbreakdown"):
        assert kept in tables


def test_deleting_an_agency_still_deletes_its_derived_rows(province_33):
    parent = Agency.objects.get(code="UBND-T33")
    agency = Agency.objects.create(
        code="TEST-LEAF",
        name="Điểm thử",
        kind="tthcc_xa",
        unit=parent.unit,
        parent=parent,
        province_code="33",
    )
    version = Questionnaire.objects.get(code="exit-dv").current_version()
    month = datetime.date(2026, 1, 1)
    AnswerCount.objects.create(
        agency=agency, month=month, version=version, item_code="E1.1", value=5, count=1
    )
    MaskCount.objects.create(
        agency=agency, month=month, version=version, mask=1, count=1
    )
    PairCount.objects.create(
        agency=agency,
        month=month,
        version=version,
        item_a="E1.1",
        item_b="E1.2",
        answered=1,
        a_satisfied=1,
        b_satisfied=1,
        both_satisfied=1,
    )
    IndexResult.objects.create(
        methodology="sipas-1001",
        period="2026",
        agency=agency,
        scope="own",
        questionnaire="exit-dv",
        kind="item",
        indicator="E1.1",
        value=100.0,
        n=1,
    )
    agency.delete()
    for model in DERIVED:
        assert not model.objects.filter(agency_id=agency.pk).exists(), model
