"""The engine's aggregates by year: on PostgreSQL AnswerCount, MaskCount and
PairCount are partitioned by RANGE on their `month`, one partition
``<table>_y<YEAR>`` per year (reports migration 0012 converts existing tables),
so that a year's repair empties and refills its own partitions (TRUNCATE, not a
DELETE of millions of rows) and leaves every other year's pages alone
(docs/architecture.md, "Answers by year").

Every writer of aggregate rows calls :func:`ensure_year_partitions` with the
years it is about to write (the engine's counting and repair, and the models'
save and bulk_create); the nightly task that makes next year's answer partition
makes these too."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import connection, models

from sipas.partitioning import YearPartitions

TABLES = ("reports_answercount", "reports_maskcount", "reports_paircount")
DERIVED = tuple(YearPartitions(table, "month", by_range=True) for table in TABLES)


def ensure_year_partitions(years: Iterable[int]) -> None:
    """Make sure the aggregates of `years` have partitions to go to."""
    years = set(years)
    for table in DERIVED:
        table.ensure(years)


def forget_partitions() -> None:
    for table in DERIVED:
        table.forget()


def empty_year(year: int, models_: Iterable[type[models.Model]]) -> str:
    """Remove every aggregate row of a year (a repair's first step): TRUNCATE of
    the year's partitions where the tables are partitioned, a DELETE otherwise.
    Returns how ("truncate" or "delete"). Inside the caller's transaction:
    a rollback brings the rows back."""
    by_table = {p.table: p for p in DERIVED}
    partitioned = [by_table[m._meta.db_table] for m in models_]
    if all(p.is_partitioned() for p in partitioned):
        ensure_year_partitions([year])
        names = ", ".join(f'"{p.name(year)}"' for p in partitioned)
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {names}")
        return "truncate"
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    for model in models_:
        model.objects.filter(month__gte=first, month__lte=last).delete()
    return "delete"


class DerivedQuerySet(models.QuerySet):
    """The aggregates' manager: bulk_create finds its years' partitions."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        ensure_year_partitions({o.month.year for o in objs if o.month is not None})
        return super().bulk_create(objs, *args, **kwargs)
