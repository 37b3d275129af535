"""Tables split by year on PostgreSQL (declarative partitioning): one partition
per year, made on demand before a writer inserts into it.

A :class:`YearPartitions` names one such table and how a year's rows are told
apart: a LIST on a ``year`` column (the answers, surveys.partitions), a RANGE
on a date column (the engine's aggregates, reports.partitions) or a RANGE on a
period code that starts with its year (the index rows: '2026' ≤ '2026-Q3' <
'2027'). Writers call
:meth:`YearPartitions.ensure` with the years they are about to write; a process
remembers the years it has seen, so after the first call of a year it costs a
set look-up. On SQLite the tables are plain and every call returns at once.
"""

from __future__ import annotations

import datetime
import zlib
from collections.abc import Iterable

from django.db import connection, transaction


class YearPartitions:
    """The year partitions of one table.

    `column` is the partition key; `by_range` says it is a date (RANGE from 1
    January to the next 1 January) and `by_code` a period code (RANGE from the
    year's code to the next year's) rather than the year itself (LIST)."""

    def __init__(
        self,
        table: str,
        column: str,
        *,
        by_range: bool = False,
        by_code: bool = False,
        column_options: dict[str, str] | None = None,
    ) -> None:
        self.table = table
        self.column = column
        self.by_range = by_range
        self.by_code = by_code
        # ALTER COLUMN … SET (…) of every partition ({column: options}): a new
        # partition does not inherit its parent's column options
        self.column_options = column_options or {}
        # The transaction-level advisory lock taken while creating partitions,
        # so two processes making the same year's partition do not race.
        self.lock_key = zlib.crc32(f"sipas:{table} partitions".encode())
        # Years whose partition this process has seen committed.
        self.known: set[int] = set()
        # Years whose partition this process made in a transaction not known
        # to be committed: never remembered from a look-up, which may see our
        # own DDL.
        self.uncommitted: set[int] = set()

    def name(self, year: int) -> str:
        """The partition of a year.

        >>> YearPartitions("surveys_answer", "year").name(2026)
        'surveys_answer_y2026'
        """
        return f"{self.table}_y{int(year):04d}"

    def bounds(self, year: int) -> str:
        """The FOR VALUES clause of a year's partition.

        >>> YearPartitions("t", "month", by_range=True).bounds(2026)
        "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"
        >>> YearPartitions("t", "period", by_code=True).bounds(2026)
        "FOR VALUES FROM ('2026') TO ('2027')"
        """
        year = int(year)
        if not 1900 <= year <= 9998:
            raise ValueError(f"no partition of {self.table} for the year {year}")
        if self.by_code:
            return f"FOR VALUES FROM ('{year:04d}') TO ('{year + 1:04d}')"
        if self.by_range:
            first, after = self.span(year)
            return f"FOR VALUES FROM ('{first}') TO ('{after}')"
        return f"FOR VALUES IN ({year})"

    @staticmethod
    def span(year: int) -> tuple[datetime.date, datetime.date]:
        """A RANGE partition's bounds: its 1 January and the next one."""
        return datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)

    def year_sql(self) -> str:
        """SQL of a row's year, from the partition key.

        >>> YearPartitions("t", "period", by_code=True).year_sql()
        'left(period, 4)::int'
        """
        if self.by_code:
            return f"left({self.column}, 4)::int"
        if self.by_range:
            return f"EXTRACT(YEAR FROM {self.column})::int"
        return self.column

    def partition_by(self) -> str:
        """The PARTITION BY clause of the table."""
        method = "RANGE" if self.by_range or self.by_code else "LIST"
        return f"PARTITION BY {method} ({self.column})"

    def forget(self) -> None:
        """Drop what this process remembers (after a migration rebuilt the table)."""
        self.known.clear()
        self.uncommitted.clear()

    def is_partitioned(self) -> bool:
        return connection.vendor == "postgresql" and self.existing() is not None

    def years(self) -> dict[int, str]:
        """{year: partition name} of the partitions that exist (PostgreSQL)."""
        return self.existing() or {}

    def existing(self) -> dict[int, str] | None:
        """The year partitions, in one query; None when the table is not
        partitioned (SQLite, or before the migration that splits it)."""
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT p.relkind, c.relname FROM pg_class p "
                "LEFT JOIN pg_inherits i ON i.inhparent = p.oid "
                "LEFT JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE p.oid = to_regclass(%s)",
                [self.table],
            )
            rows = cursor.fetchall()
        if not rows or rows[0][0] != "p":
            return None
        prefix = self.table + "_y"
        names = [name for _kind, name in rows if name and name.startswith(prefix)]
        return {int(name[len(prefix) :]): name for name in names}

    def ensure(self, years: Iterable[int]) -> None:
        """Make sure the rows of `years` have a partition to go to.

        Creates the missing ones (`CREATE TABLE … PARTITION OF`, in the caller's
        transaction: rolled back with it). Only the first call of a year in a
        process asks the database."""
        missing = {int(y) for y in years} - self.known
        if not missing:
            return
        if connection.vendor != "postgresql":
            self.known.update(missing)
            return
        existing = self.existing()
        if existing is None:
            return  # not (yet) partitioned: nothing to make
        absent = missing - set(existing)
        if absent:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [self.lock_key])
                absent -= set(self.existing() or {})  # made meanwhile by another
                for year in sorted(absent):
                    self.create(year)
        # A partition this process made is remembered once its transaction
        # commits (a rollback takes the DDL with it); until then every call
        # looks again.
        self.known.update(missing - absent - self.uncommitted)
        if absent:
            self.uncommitted.update(absent)
            transaction.on_commit(lambda: self._committed(absent))

    def _committed(self, years: set[int]) -> None:
        self.uncommitted.difference_update(years)
        self.known.update(years)

    def create(self, year: int, parent: str | None = None) -> None:
        """The partition of one year (the caller checked it does not exist), of
        this table or of `parent` (a migration's table before it takes the
        name)."""
        clause = self.bounds(year)
        with connection.cursor() as cursor:
            cursor.execute(
                f'CREATE TABLE "{self.name(year)}" '
                f'PARTITION OF "{parent or self.table}" {clause}'
            )
        self.set_column_options(self.name(year))

    def set_column_options(self, table: str) -> None:
        """Give a partition (or the parent) the table's column options."""
        with connection.cursor() as cursor:
            for column, options in self.column_options.items():
                cursor.execute(
                    f'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET ({options})'
                )
