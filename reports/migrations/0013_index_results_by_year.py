"""The index rows (IndexResult) become partitioned by RANGE on their `period`
code on PostgreSQL, one partition per year ('2026' ≤ '2026-Q3' < '2027';
reports.partitions), so that a year's recompute or repair writes, reads and
vacuums one year's partition and a dashboard's `period = …` reads one.

The same steps as migration 0012 (sipas.partition_tables): the table is rebuilt
partitioned in the migration's one transaction, rows, ids, the unique key and
the dashboards' indexes kept; the primary key becomes (id, period). It rewrites
the table: see README, "Upgrading". SQLite: nothing changes. Reversible.
"""

from django.db import migrations

from sipas.partition_tables import join_years, split_by_year
from sipas.partitioning import YearPartitions

TABLE = "reports_indexresult"


def _split(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            split_by_year(cursor, YearPartitions(TABLE, "period", by_code=True))
    _forget()


def _join(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            join_years(cursor, TABLE)
    _forget()


def _forget():
    # the process's memory of existing partitions is stale now
    from reports.partitions import forget_partitions

    forget_partitions()


class Migration(migrations.Migration):
    dependencies = [("reports", "0012_aggregates_by_year")]

    operations = [migrations.RunPython(_split, _join, elidable=False)]
