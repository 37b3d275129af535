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
import zlib
from collections.abc import Iterable

from django.db import connection, models, transaction

from sipas.periods import local_day

TABLE = "surveys_answer"
# The transaction-level advisory lock taken while creating partitions, so two
# processes making the same year's partition do not race.
_LOCK_KEY = zlib.crc32(b"sipas:surveys_answer partitions")
# Years whose partition this process has seen committed.
_known: set[int] = set()
# Years whose partition this process made in a transaction not known to be
# committed: never remembered from a look-up, which may see our own DDL.
_uncommitted: set[int] = set()


def partition_name(year: int) -> str:
    """>>> partition_name(2026)
    'surveys_answer_y2026'"""
    return f"{TABLE}_y{int(year):04d}"


def year_of(moment: datetime.datetime) -> int:
    """The partition key of a response's answers: its local year.

    >>> year_of(datetime.datetime(2025, 12, 31, 17, tzinfo=datetime.UTC))
    2026
    """
    return local_day(moment).year


def forget_partitions() -> None:
    """Drop what this process remembers (after a migration rebuilt the table)."""
    _known.clear()
    _uncommitted.clear()


def is_partitioned() -> bool:
    """Whether `surveys_answer` is a partitioned table (PostgreSQL after 0005)."""
    return connection.vendor == "postgresql" and _partitions() is not None


def year_partitions() -> dict[int, str]:
    """{year: partition name} of the partitions that exist (PostgreSQL)."""
    return _partitions() or {}


def _partitions() -> dict[int, str] | None:
    """The year partitions, in one query; None when the table is not partitioned."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.relkind, c.relname FROM pg_class p "
            "LEFT JOIN pg_inherits i ON i.inhparent = p.oid "
            "LEFT JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE p.oid = to_regclass(%s)",
            [TABLE],
        )
        rows = cursor.fetchall()
    if not rows or rows[0][0] != "p":
        return None
    prefix = TABLE + "_y"
    names = [name for _kind, name in rows if name and name.startswith(prefix)]
    return {int(name[len(prefix) :]): name for name in names}


def ensure_year_partitions(years: Iterable[int]) -> None:
    """Make sure the answers of `years` have a partition to go to (PostgreSQL).

    Creates the missing ones (`CREATE TABLE … PARTITION OF`, in the caller's
    transaction: rolled back with it). Only the first call of a year in a process
    asks the database; later calls cost a set look-up. The nightly task
    (surveys.tasks.prepare_answer_partitions) makes next year's partition ahead,
    so the citizens' path does not normally create one."""
    missing = {int(y) for y in years} - _known
    if not missing:
        return
    if connection.vendor != "postgresql":
        _known.update(missing)
        return
    existing = _partitions()
    if existing is None:
        return  # before migration 0005: nothing to make
    absent = missing - set(existing)
    if absent:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
            absent -= set(_partitions() or {})  # made meanwhile by another
            for year in sorted(absent):
                create_partition(year)
    # A partition this process made is remembered once its transaction commits
    # (a rollback takes the DDL with it); until then every call looks again.
    _known.update(missing - absent - _uncommitted)
    if absent:
        _uncommitted.update(absent)
        transaction.on_commit(lambda: _committed(absent))


def _committed(years: set[int]) -> None:
    _uncommitted.difference_update(years)
    _known.update(years)


def create_partition(year: int) -> None:
    """The partition of one year (the caller checked it does not exist)."""
    year = int(year)
    if not 1900 <= year <= 9999:
        raise ValueError(f"no answer partition for the year {year}")
    with connection.cursor() as cursor:
        cursor.execute(
            f'CREATE TABLE "{partition_name(year)}" PARTITION OF "{TABLE}" '
            f"FOR VALUES IN ({year})"
        )


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
