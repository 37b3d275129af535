"""The index rows by year: migration 0013 splits IndexResult by the year of its
period code on PostgreSQL (rows, ids, the unique key and the dashboards' indexes
kept, and back), the ORM finds a partition for any year it writes (the engine:
tests/reports/test_aggregate_partitions.py), and a period's reads and deletes
touch its year's partition only."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from reports import partitions
from reports.engine import recompute
from reports.models import IndexResult
from reports.tasks import prepare_aggregate_partitions_task
from tests.reports.engine_fixtures import KEPT, OLD
from tests.reports.test_aggregate_partitions import _migrate, _query

postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitions are PostgreSQL's"
)
TABLE = "reports_indexresult"
BEFORE = ("reports", "0012_aggregates_by_year")
INDEXES = {"index_result_agency", "index_result_ranking", "index_result_unique"}


def _rows() -> list[tuple]:
    """Every index row, every column, ids included."""
    return sorted(IndexResult.objects.values_list(*_columns()))


def _columns() -> list[str]:
    return [f.attname for f in IndexResult._meta.concrete_fields]


def _by_partition() -> dict[str, set[str]]:
    """{table the row is stored in: the years of its periods}."""
    found: dict[str, set[str]] = {}
    for name, year in _query(
        f"SELECT tableoid::regclass::text, left(period, 4) FROM {TABLE}"
    ):
        found.setdefault(name, set()).add(year)
    return found


def _indexes() -> set[str]:
    return {
        row[0]
        for row in _query(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s", [TABLE]
        )
    }


def _is_partitioned() -> bool:
    return bool(
        _query(
            "SELECT 1 FROM pg_partitioned_table WHERE partrelid = %s::regclass", [TABLE]
        )
    )


@pytest.fixture
def counted(two_years):
    """Two years' responses, counted and their indices written."""
    recompute.recompute_periods([str(OLD), str(KEPT)])
    return two_years


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_row_and_files_it_under_its_year(counted):
    before = _rows()
    assert {row[_columns().index("period")][:4] for row in before} == {
        str(OLD),
        str(KEPT),
    }
    _migrate([BEFORE])
    try:
        assert _rows() == before
        if connection.vendor == "postgresql":
            assert not _is_partitioned()
            assert INDEXES | {f"{TABLE}_pkey"} == _indexes()
        _migrate(None)
        assert _rows() == before
        if connection.vendor == "postgresql":
            assert _is_partitioned()
            assert _by_partition() == {
                f"{TABLE}_y{OLD}": {str(OLD)},
                f"{TABLE}_y{KEPT}": {str(KEPT)},
            }
            assert {OLD, KEPT, timezone.localdate().year} <= set(
                partitions.RESULTS.years()
            )
            # the parent keeps the dashboards' indexes under their names
            assert INDEXES | {f"{TABLE}_pkey"} <= _indexes()
        # ids go on after the moved rows, the unique key still holds, and a
        # year no migration made finds its partition
        row = IndexResult.objects.order_by("pk").last()
        fields = {
            f.attname: getattr(row, f.attname)
            for f in IndexResult._meta.concrete_fields
            if f.attname != "id"
        }
        copy = IndexResult.objects.create(**{**fields, "period": "2031-Q2"})
        assert copy.pk > max(r[0] for r in before)
        with pytest.raises(IntegrityError), transaction.atomic():
            IndexResult.objects.create(**{**fields, "period": "2031-Q2"})
        if connection.vendor == "postgresql":
            assert _by_partition()[f"{TABLE}_y2031"] == {"2031"}
    finally:
        _migrate(None)


@postgresql
@pytest.mark.django_db
def test_a_periods_reads_and_deletes_touch_its_years_partition_only(counted):
    plan = IndexResult.objects.filter(
        period=f"{KEPT}-Q2", questionnaire="exit-dv", indicator="SIPAS", scope="own"
    ).explain()
    assert f"{TABLE}_y{KEPT}" in plan
    assert f"{TABLE}_y{OLD}" not in plan
    # a nightly recompute that replaces rows deletes them in their partition
    statements: list[str] = []

    def spy(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    IndexResult.objects.filter(period=str(KEPT)).update(value=-1.0)
    with connection.execute_wrapper(spy):
        recompute.recompute_periods([str(KEPT)])
    deletes = [s for s in statements if s.startswith(f'DELETE FROM "{TABLE}"')]
    assert deletes and all('"period" = ' in s for s in deletes)
    assert not IndexResult.objects.filter(value=-1.0).exists()


@postgresql
@pytest.mark.django_db
def test_the_nightly_task_makes_next_years_index_partition_ahead():
    next_year = timezone.localdate().year + 1
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {TABLE}_y{next_year}")
    partitions.forget_partitions()
    prepare_aggregate_partitions_task()
    assert next_year in partitions.RESULTS.years()
