"""Answers by year: the partition key `year` is the local year of the response,
migration 0005 converts a table with data (PostgreSQL: into a table partitioned
by year, one partition per year), and every writer finds its year's partition,
however old or new the year."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from sipas.periods import local_tz
from surveys import partitions
from surveys.models import Answer, Response
from surveys.services import ResponseDraft, store_responses
from surveys.tasks import prepare_answer_partitions_task

postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitions are PostgreSQL's"
)
BEFORE = ("surveys", "0004_paper")
# 17:30 UTC on New Year's Eve is already the next year in Hanoi: the key is the
# local year, not the UTC one.
NEW_YEAR_EVE_UTC = datetime.datetime(2024, 12, 31, 17, 30, tzinfo=datetime.UTC)
MID_2025 = datetime.datetime(2025, 6, 1, 9, tzinfo=local_tz())


def _query(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _answers_by_partition() -> dict[str, set[int]]:
    """{partition: the years of its rows}."""
    rows = _query("SELECT tableoid::regclass::text, year FROM surveys_answer")
    found: dict[str, set[int]] = {}
    for table, year in rows:
        found.setdefault(table, set()).add(year)
    return found


def _migrate(target) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(target or executor.loader.graph.leaf_nodes())


def _old_rows() -> dict[int, str]:
    """Responses with answers in two years written through the models of 0004
    (no year column); returns {answer id: response id}."""
    old = MigrationExecutor(connection).loader.project_state([BEFORE]).apps
    unit = old.get_model("agencies", "AdministrativeUnit").objects.create(
        code="33", name="Tỉnh Hưng Yên", level="province", province_code="33"
    )
    agency = old.get_model("agencies", "Agency").objects.create(
        code="SNV-T33", name="Sở Nội vụ", kind="so", unit=unit, province_code="33"
    )
    questionnaire = old.get_model("surveys", "Questionnaire").objects.create(
        code="exit-dv", name="Phiếu"
    )
    version = old.get_model("surveys", "QuestionnaireVersion").objects.create(
        questionnaire=questionnaire, number=1, title="Phiếu"
    )
    ids = {}
    for k, at in enumerate([NEW_YEAR_EVE_UTC, MID_2025, MID_2025]):
        response = old.get_model("surveys", "Response").objects.create(
            version=version, agency=agency, submitted_at=at, source="web"
        )
        for code in ("E1.1", "G"):
            answer = old.get_model("surveys", "Answer").objects.create(
                response=response, item_code=code, value=1 + k
            )
            ids[answer.pk] = response.pk
    return ids


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_answer_and_files_it_under_its_year():
    _migrate([BEFORE])
    try:
        ids = _old_rows()
        _migrate(None)
        stored = dict(Answer.objects.values_list("pk", "response_id"))
        assert stored == ids
        years = dict(Answer.objects.values_list("pk", "year"))
        assert sorted(years.values()) == [2025] * 6  # Hanoi: 2025-01-01 00:30
        if connection.vendor == "postgresql":
            assert _query(
                "SELECT partstrat FROM pg_partitioned_table "
                "WHERE partrelid = 'surveys_answer'::regclass"
            ) == [("l",)]
            assert _answers_by_partition() == {"surveys_answer_y2025": {2025}}
            assert {2025, timezone.localdate().year} <= set(
                partitions.year_partitions()
            )
        # the id sequence goes on after the moved rows
        response = Response.objects.order_by("submitted_at").first()
        new = Answer.objects.create(response=response, item_code="E2.1", value=3)
        assert new.pk > max(ids) and new.year == 2025
        # and back: the plain table of 0004 with the same rows
        _migrate([BEFORE])
        rows = _query(
            "SELECT id, response_id FROM surveys_answer WHERE id <> %s", [new.pk]
        )
        assert {pk: uuid.UUID(str(r)) for pk, r in rows} == {
            pk: uuid.UUID(str(r)) for pk, r in ids.items()
        }
        if connection.vendor == "postgresql":
            assert not _query(
                "SELECT 1 FROM pg_partitioned_table "
                "WHERE partrelid = 'surveys_answer'::regclass"
            )
    finally:
        _migrate(None)


def _draft(version, agency, at) -> ResponseDraft:
    return ResponseDraft(
        version=version,
        agency_id=agency.pk,
        answers={"E1.1": 4, "G": 5},
        submitted_at=at,
    )


@pytest.mark.django_db
def test_writers_fill_the_year_and_find_a_partition_for_any_year(exit_version, centre):
    partitions.forget_partitions()
    years = [2019, 2031]  # old paper forms, and a year no migration made
    store_responses(
        [
            _draft(exit_version, centre, datetime.datetime(y, 3, 1, tzinfo=local_tz()))
            for y in years
        ]
    )
    assert (
        sorted(Answer.objects.values_list("year", flat=True)) == [2019] * 2 + [2031] * 2
    )
    # The ORM fills the year from the response too (fixtures, admin).
    response = Response.objects.get(submitted_at__year=2019)
    Answer.objects.create(response=response, item_code="E2.1", value=4)
    Answer.objects.bulk_create(
        [Answer(response_id=response.pk, item_code="E3.1", value=4)]
    )
    assert set(response.answers.values_list("year", flat=True)) == {2019}
    if connection.vendor == "postgresql":
        assert _answers_by_partition() == {
            "surveys_answer_y2019": {2019},
            "surveys_answer_y2031": {2031},
        }


@postgresql
@pytest.mark.django_db
def test_a_known_year_costs_no_query(exit_version, centre, django_assert_num_queries):
    partitions.forget_partitions()
    year = timezone.localdate().year
    partitions.ensure_year_partitions([year])  # made by the migration: remembered
    with django_assert_num_queries(0):
        partitions.ensure_year_partitions([year])


@postgresql
@pytest.mark.django_db
def test_the_nightly_task_makes_next_years_partition_ahead(settings):
    next_year = timezone.localdate().year + 1
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {partitions.partition_name(next_year)}")
    partitions.forget_partitions()
    prepare_answer_partitions_task()
    assert next_year in partitions.year_partitions()
    beat = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "surveys.tasks.prepare_answer_partitions_task" in beat


def _response_id_options() -> dict[str, list[str] | None]:
    """{table: the attribute options of its response_id column}."""
    return dict(
        _query(
            "SELECT c.relname, a.attoptions FROM pg_attribute a "
            "JOIN pg_class c ON c.oid = a.attrelid "
            "WHERE a.attname = 'response_id' AND c.relname LIKE 'surveys_answer%%' "
            "AND c.relkind IN ('r', 'p')"
        )
    )


@postgresql
@pytest.mark.django_db
def test_every_year_partition_knows_a_response_has_some_twenty_answers():
    """ANALYZE guesses too few responses from a sample of answers stored
    response by response (45 times too few at 10 M): the sweep's join then
    read a whole year. Every partition, old or made later, has the ratio."""
    partitions.forget_partitions()
    partitions.ensure_year_partitions([2041])  # a year no migration made
    options = _response_id_options()
    assert "surveys_answer_y2041" in options
    assert "n_distinct_inherited=-0.05" in options.pop("surveys_answer")
    assert options and all(
        "n_distinct=-0.05" in (found or []) for found in options.values()
    ), options
