"""The aggregates by year: migration 0012 splits AnswerCount, MaskCount and
PairCount by year on PostgreSQL (rows, ids and constraints kept, and back), the
engine finds a partition for any year it counts, and a year's repair empties
and refills its own partitions only, all or nothing."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from reports import partitions
from reports.engine import rebuild, recompute
from reports.models import AnswerCount, IndexResult, MaskCount, PairCount
from reports.tasks import prepare_aggregate_partitions_task
from surveys.services import ResponseDraft, store_responses
from tests.reports.engine_fixtures import KEPT, OLD, mid_year

postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitions are PostgreSQL's"
)
BEFORE = ("reports", "0011_derived_rows_unchecked_keys")
MODELS = (AnswerCount, MaskCount, PairCount)


def _query(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _migrate(target) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(target or executor.loader.graph.leaf_nodes())


def _by_partition(table: str) -> dict[str, set[int]]:
    """{partition: the years of its rows}."""
    rows = _query(
        f"SELECT tableoid::regclass::text, EXTRACT(YEAR FROM month)::int FROM {table}"
    )
    found: dict[str, set[int]] = {}
    for name, year in rows:
        found.setdefault(name, set()).add(year)
    return found


@pytest.fixture
def counted(two_years):
    """Two years' responses, counted and their indices written."""
    recompute.recompute_periods([str(OLD), str(KEPT)])
    return two_years


def _snapshot() -> dict:
    """Every aggregate row and index row, by value (ids left out)."""
    snapshot = {
        model.__name__: sorted(
            tuple(v for k, v in row.items() if k != "id")
            for row in model.objects.values()
        )
        for model in MODELS
    }
    snapshot["IndexResult"] = sorted(
        IndexResult.objects.values_list(
            "period", "agency_id", "scope", "indicator", "value", "n", "se"
        )
    )
    return snapshot


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_row_and_files_it_under_its_year(counted):
    before = _snapshot()
    ids = {m.__name__: set(m.objects.values_list("pk", flat=True)) for m in MODELS}
    assert all(ids.values())
    _migrate([BEFORE])
    try:
        assert _snapshot() == before
        if connection.vendor == "postgresql":
            assert not _query(
                "SELECT 1 FROM pg_partitioned_table "
                "WHERE partrelid = 'reports_answercount'::regclass"
            )
        _migrate(None)
        assert _snapshot() == before
        assert {
            m.__name__: set(m.objects.values_list("pk", flat=True)) for m in MODELS
        } == ids
        if connection.vendor == "postgresql":
            for table in partitions.TABLES:
                assert _by_partition(table) == {
                    f"{table}_y{OLD}": {OLD},
                    f"{table}_y{KEPT}": {KEPT},
                }
                years = partitions.DERIVED[partitions.TABLES.index(table)].years()
                assert {OLD, KEPT, timezone.localdate().year} <= set(years)
        # the ids go on after the moved rows, and the unique key still holds
        row = AnswerCount.objects.order_by("pk").last()
        copy = AnswerCount.objects.create(
            agency_id=row.agency_id,
            pooled=row.pooled,
            month=datetime.date(2031, 1, 1),  # a year no migration made
            version_id=row.version_id,
            item_code=row.item_code,
            value=row.value,
            count=1,
        )
        assert copy.pk > max(ids["AnswerCount"])
        with pytest.raises(IntegrityError), transaction.atomic():
            AnswerCount.objects.create(
                **{
                    f.attname: getattr(copy, f.attname)
                    for f in AnswerCount._meta.concrete_fields
                    if f.attname != "id"
                }
            )
    finally:
        _migrate(None)


@pytest.mark.django_db
def test_the_engine_finds_a_partition_for_any_year(exit_version, commune_centre):
    partitions.forget_partitions()
    years = [2018, 2033]  # old paper forms, and a year no migration made
    store_responses(
        [
            ResponseDraft(
                version=exit_version,
                agency_id=commune_centre.pk,
                answers={"E1.1": 4, "E1.2": 5, "G": 5},
                submitted_at=mid_year(year),
            )
            for year in years
        ]
    )
    recompute.recompute_periods([str(y) for y in years])
    for model in MODELS:
        assert {m.year for m in model.objects.values_list("month", flat=True)} == set(
            years
        )
    periods = set(IndexResult.objects.values_list("period", flat=True))
    assert {"2018", "2018-Q2", "2033", "2033-Q2"} <= periods
    if connection.vendor == "postgresql":
        for table in partitions.TABLES:
            assert _by_partition(table) == {f"{table}_y{y}": {y} for y in years}
        # and the index rows into their year's (reports_indexresult_y<YEAR>)
        stored = _query(
            "SELECT DISTINCT tableoid::regclass::text, left(period, 4)::int "
            "FROM reports_indexresult"
        )
        assert set(stored) == {(f"reports_indexresult_y{y}", y) for y in years}


@pytest.mark.django_db
def test_a_repair_empties_only_its_years_partitions(counted):
    before = _snapshot()
    kept_rows = {
        m.__name__: set(m.objects.filter(month__year=KEPT).values_list("pk", flat=True))
        for m in MODELS
    }
    old_rows = {
        m.__name__: set(m.objects.filter(month__year=OLD).values_list("pk", flat=True))
        for m in MODELS
    }
    recompute.recompute_periods([str(OLD)], rebuild=True)
    assert _snapshot() == before  # the same sums, rebuilt
    for model in MODELS:
        name = model.__name__
        # the other year's rows are the very same rows; the repaired year's new
        assert (
            set(model.objects.filter(month__year=KEPT).values_list("pk", flat=True))
            == kept_rows[name]
        )
        rebuilt = set(
            model.objects.filter(month__year=OLD).values_list("pk", flat=True)
        )
        assert rebuilt and not rebuilt & old_rows[name]


@pytest.mark.django_db
def test_a_repair_that_fails_half_way_leaves_the_year_as_it_was(counted, monkeypatch):
    before = _snapshot()

    write, calls = rebuild._write, []

    def fail(*args, **kwargs):
        calls.append(args[0])
        if len(calls) == 2:  # the own answer rows are in, the masks not
            raise RuntimeError("the database went away")
        return write(*args, **kwargs)

    monkeypatch.setattr(rebuild, "_write", fail)
    with pytest.raises(RuntimeError):
        recompute.recompute_periods([str(OLD)], rebuild=True)
    assert _snapshot() == before
    if connection.vendor == "postgresql":  # nor any staged table left behind
        assert not _query("SELECT 1 FROM pg_class WHERE relname LIKE 'reports_%%_new'")


def _partition_oids() -> dict[str, int]:
    return dict(
        _query(
            "SELECT c.relname, c.oid::int FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = ANY(%s::regclass[])",
            [list(partitions.TABLES)],
        )
    )


@postgresql
@pytest.mark.django_db
def test_the_repair_swaps_in_fresh_partitions_for_its_year(counted):
    before = _partition_oids()
    statements: list[str] = []

    def spy(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        recompute.recompute_periods([str(OLD)], rebuild=True)
    after = _partition_oids()
    assert set(after) == set(before)  # the same partitions by name
    for table in partitions.TABLES:
        # the repaired year's partition is a new table, the other year's the same
        assert after[f"{table}_y{OLD}"] != before[f"{table}_y{OLD}"]
        assert after[f"{table}_y{KEPT}"] == before[f"{table}_y{KEPT}"]
        # its indexes are the staged table's, attached to the parent's: the
        # primary key and the unique key, no duplicate built by ATTACH
        indexes = _query(
            "SELECT x.indexrelid::regclass::text, EXISTS (SELECT 1 FROM pg_inherits "
            "WHERE inhrelid = x.indexrelid) FROM pg_index x "
            "WHERE x.indrelid = %s::regclass",
            [f"{table}_y{OLD}"],
        )
        assert len(indexes) == 2 and all(attached for _name, attached in indexes)
    # and no aggregate row was deleted or truncated row by row
    aggregate = re.compile(r"reports_(answer|mask|pair)count")
    assert not [
        s
        for s in statements
        if s.startswith(("DELETE", "TRUNCATE")) and aggregate.search(s)
    ]
    # a second repair of the year finds its names free again
    snapshot = _snapshot()
    recompute.recompute_periods([str(OLD)], rebuild=True)
    assert _snapshot() == snapshot
    assert (
        _partition_oids()[f"reports_paircount_y{OLD}"]
        != after[f"reports_paircount_y{OLD}"]
    )


@postgresql
@pytest.mark.django_db
def test_the_nightly_task_makes_next_years_aggregate_partitions_ahead(settings):
    next_year = timezone.localdate().year + 1
    with connection.cursor() as cursor:
        for table in partitions.TABLES:
            cursor.execute(f"DROP TABLE {table}_y{next_year}")
    partitions.forget_partitions()
    prepare_aggregate_partitions_task()
    for table in partitions.DERIVED:
        assert next_year in table.years()
    beat = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "reports.tasks.prepare_aggregate_partitions_task" in beat
