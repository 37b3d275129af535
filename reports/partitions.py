"""The engine's aggregates by year: on PostgreSQL AnswerCount, MaskCount and
PairCount are partitioned by RANGE on their `month`, one partition
``<table>_y<YEAR>`` per year (reports migration 0012 converts existing tables),
so that a year's repair builds its year's rows in fresh tables and swaps them in
for the year's partitions (:func:`stage_year`, :func:`swap_in`), with no DELETE
of millions of rows and no other year's pages touched (docs/architecture.md,
"Aggregates by year"). IndexResult is partitioned by RANGE on its period code,
``reports_indexresult_y<YEAR>`` (migration 0013): a period's rows are in its
year's partition, which is all a recompute of the year or a dashboard's
`period = …` reads.

Every writer of aggregate or index rows calls :func:`ensure_year_partitions`
with the years it is about to write (the engine's counting, repair and index
rows, and the models' save and bulk_create); the nightly
reports.tasks.prepare_aggregate_partitions_task makes next year's ahead."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import connection, models

from sipas.partitioning import YearPartitions

TABLES = ("reports_answercount", "reports_maskcount", "reports_paircount")
DERIVED = tuple(YearPartitions(table, "month", by_range=True) for table in TABLES)
RESULTS = YearPartitions("reports_indexresult", "period", by_code=True)


def ensure_year_partitions(years: Iterable[int]) -> None:
    """Make sure the aggregates and index rows of `years` have partitions to
    go to."""
    years = set(years)
    for table in (*DERIVED, RESULTS):
        table.ensure(years)


def forget_partitions() -> None:
    for table in (*DERIVED, RESULTS):
        table.forget()


def delete_year(year: int, models_: Iterable[type[models.Model]]) -> None:
    """Delete every aggregate row of a year: a repair's first step where the
    tables are not partitioned (SQLite; PostgreSQL before migration 0012)."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    for model in models_:
        model.objects.filter(month__gte=first, month__lte=last).delete()


def stage_year(year: int) -> dict[str, str]:
    """Empty tables for a year's rebuilt aggregates, one per partitioned table
    ({table: staged table}), without indexes: a repair fills them and
    :func:`swap_in` indexes them and puts them in place of the year's
    partitions (loading first and indexing after is several times faster than
    inserting millions of rows into indexed tables). {} where the tables are
    not partitioned: the repair then deletes and inserts as before. In the
    caller's transaction: a rollback drops them."""
    if not all(p.is_partitioned() for p in DERIVED):
        return {}
    ensure_year_partitions([year])
    staged = {}
    with connection.cursor() as cursor:
        for p in DERIVED:
            name = f"{p.name(year)}_new"
            cursor.execute(f'DROP TABLE IF EXISTS "{name}"')
            cursor.execute(
                f'CREATE TABLE "{name}" (LIKE "{p.table}" '
                "INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
            )
            # the partition's bounds as a check: ATTACH then need not scan it
            first, after = p.span(year)
            cursor.execute(
                f'ALTER TABLE "{name}" ADD CONSTRAINT "{name}_bounds" '
                f"CHECK (month >= '{first}' AND month < '{after}')"
            )
            staged[p.table] = name
    return staged


def swap_in(year: int, staged: dict[str, str]) -> None:
    """Index the staged tables of a year (:func:`stage_year`) like the
    partitions they replace, and put them in their place: the old partitions
    are detached and dropped, the staged ones take their names and are attached
    (their indexes become the partitions' own, no scan: the bounds are
    checked). Holds the tables exclusively until the caller's transaction
    ends."""
    by_table = {p.table: p for p in DERIVED}
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL maintenance_work_mem = '{REPAIR_INDEX_MEMORY}'")
        for table, name in staged.items():
            partition = by_table[table]
            old = partition.name(year)
            cursor.execute(
                "SELECT contype, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('p', 'u') "
                "ORDER BY contype, conname",
                [table],
            )
            keys = cursor.fetchall()
            # Built under names no index has (the transaction's id), renamed to
            # the partition's own once the old partition is gone: a second
            # repair of the year then finds them free again.
            cursor.execute("SELECT txid_current()")
            (txid,) = cursor.fetchone()
            final = []
            for number, (kind, definition) in enumerate(keys):
                building = f"{name}_{number}_{txid}"
                cursor.execute(
                    f'ALTER TABLE "{name}" ADD CONSTRAINT "{building}" {definition}'
                )
                final.append(
                    (building, f"{old}_pkey" if kind == "p" else f"{old}_key{number}")
                )
            cursor.execute(f'ALTER TABLE "{table}" DETACH PARTITION "{old}"')
            cursor.execute(f'DROP TABLE "{old}"')
            for building, name_of_key in final:
                cursor.execute(
                    f'ALTER TABLE "{name}" RENAME CONSTRAINT "{building}" '
                    f'TO "{name_of_key}"'
                )
            cursor.execute(f'ALTER TABLE "{name}" RENAME TO "{old}"')
            cursor.execute(
                f'ALTER TABLE "{table}" ATTACH PARTITION "{old}" '
                f"{partition.bounds(year)}"
            )
            cursor.execute(f'ALTER TABLE "{old}" DROP CONSTRAINT "{name}_bounds"')


# maintenance_work_mem of a repair's index builds (PostgreSQL's default, 64 MB,
# sorts a year's millions of keys on disk)
REPAIR_INDEX_MEMORY = "256MB"


class DerivedQuerySet(models.QuerySet):
    """The manager of the aggregates and index rows: bulk_create finds its
    years' partitions."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        ensure_year_partitions({y for o in objs if (y := o.partition_year())})
        return super().bulk_create(objs, *args, **kwargs)
