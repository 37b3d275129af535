"""The aggregates (AnswerCount, MaskCount, PairCount) become partitioned by
RANGE on their `month` on PostgreSQL, one partition per year
(reports.partitions), so that a year's repair empties its own partitions.

PostgreSQL, in the migration's one transaction, table by table: the table is
locked, a partitioned table is made like it (columns, defaults, checks), with a
partition per year that has rows plus the current and the next year; the rows
move by INSERT … SELECT, the old table is dropped and the new one takes its
name, its id sequence (carried on from the old one), its primary key, now
(id, month) since a partitioned table's keys hold the partition key, and its
unique constraint (which holds `month` already). It rewrites the tables: see
README, "Upgrading". SQLite: nothing changes. Reversible: backwards, each table
is rebuilt as a plain table (ids and sequence kept).
"""

from django.db import migrations

from sipas.partition_tables import join_years, split_by_year
from sipas.partitioning import YearPartitions

TABLES = ("reports_answercount", "reports_maskcount", "reports_paircount")


def _forget():
    # the process's memory of existing partitions is stale now (tests migrate
    # back and forth in one process)
    from reports.partitions import forget_partitions

    forget_partitions()


def _split(cursor, table):
    split_by_year(cursor, YearPartitions(table, "month", by_range=True))


_join = join_years


def _each_table(convert):
    """A RunPython step: `convert` every table (PostgreSQL), then forget."""

    def step(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                for table in TABLES:
                    convert(cursor, table)
        _forget()

    return step


class Migration(migrations.Migration):
    dependencies = [("reports", "0011_derived_rows_unchecked_keys")]

    operations = [migrations.RunPython(_each_table(_split), _each_table(_join), elidable=False)]
