"""The answers table by year: on PostgreSQL `surveys_answer` is partitioned by
LIST on its `year` column (the local year of the response's `submitted_at`,
settings.TIME_ZONE), one partition `surveys_answer_y<YEAR>` per year, so that a
year's repair reads one partition and a year's purge empties one
(docs/architecture.md, "Answers by year"). Migration 0005 converts an existing
table; the partitions of later years are made here, on demand.

Every writer of answers calls :func:`ensure_year_partitions` with the years it is
about to write before inserting (the ORM's Answer.save/bulk_create do it
themselves, surveys.services.store_responses and the bench loader call it). A
process remembers the years it has seen, so after the first call of a year it
costs a set look-up. On SQLite the year is only a column.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import models

from sipas.partitioning import YearPartitions
from sipas.periods import local_day

TABLE = "surveys_answer"
# A response's answers are stored together, so ANALYZE's sample of pages sees a
# few responses many times and guesses far too few distinct response_ids (at
# 10 M responses: 212,071, i.e. 896 answers per response instead of 19). The
# planner then reads a year's 190 M answers to join a sweep's thousand
# responses (30 s) instead of using the response_id index (0.2 s). A response
# has some 20 answers whatever the year's size: -0.05 says one distinct
# response_id per 20 rows.
RESPONSE_ID_DISTINCT = "n_distinct = -0.05"
ANSWERS = YearPartitions(
    TABLE, "year", column_options={"response_id": RESPONSE_ID_DISTINCT}
)


def partition_name(year: int) -> str:
    """The partition of a year's answers.

    >>> partition_name(2026)
    'surveys_answer_y2026'
    """
    return ANSWERS.name(year)


def year_of(moment: datetime.datetime) -> int:
    """The partition key of a response's answers: its local year.

    >>> year_of(datetime.datetime(2025, 12, 31, 17, tzinfo=datetime.UTC))
    2026
    """
    return local_day(moment).year


def forget_partitions() -> None:
    """Drop what this process remembers (after a migration rebuilt the table)."""
    ANSWERS.forget()


def is_partitioned() -> bool:
    """Whether `surveys_answer` is a partitioned table (PostgreSQL after 0005)."""
    return ANSWERS.is_partitioned()


def year_partitions() -> dict[int, str]:
    """{year: partition name} of the partitions that exist (PostgreSQL)."""
    return ANSWERS.years()


def ensure_year_partitions(years: Iterable[int]) -> None:
    """Make sure the answers of `years` have a partition to go to (PostgreSQL):
    sipas.partitioning.YearPartitions.ensure. The nightly task
    (surveys.tasks.prepare_answer_partitions) makes next year's partition ahead,
    so the citizens' path does not normally create one."""
    ANSWERS.ensure(years)


class AnswerQuerySet(models.QuerySet):
    """Answers' manager: bulk_create fills the partition key (fill_years)."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        fill_years(objs)
        return super().bulk_create(objs, *args, **kwargs)


def fill_years(answers: list) -> None:
    """Set the `year` of answers that have none from their responses (one query
    for those whose response is not loaded) and make sure the years' partitions
    exist: what Answer.save and bulk_create do before inserting."""
    if not answers:
        return
    field = type(answers[0])._meta.get_field("response")
    todo = [a for a in answers if a.year is None]
    moments = {
        a.response_id: a.response.submitted_at for a in todo if field.is_cached(a)
    }
    unknown = {a.response_id for a in todo} - set(moments)
    if unknown:
        responses = field.related_model._base_manager.filter(pk__in=unknown)
        moments.update(responses.values_list("pk", "submitted_at"))
    for answer in todo:
        if answer.response_id in moments:
            answer.year = year_of(moments[answer.response_id])
    ensure_year_partitions({a.year for a in answers if a.year is not None})
