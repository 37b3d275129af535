"""Answers get a `year` (the local year of their response's submitted_at) and,
on PostgreSQL, the table becomes partitioned by LIST (year).

PostgreSQL, in the migration's one transaction: the old table is locked, a
partitioned table is made with one partition per year that has answers plus the
current and the next year, the rows move by INSERT … SELECT (joined to their
responses for the year), the old table is dropped and the new one takes its name,
its id sequence (carried on from the old one) and, built after the load, its
primary key (id, year), the response_id index and the foreign key to
surveys_response. It rewrites the whole table: see README, "Upgrading".

SQLite: the column is added and filled. Reversible on both: backwards, the
PostgreSQL table is rebuilt as the plain table of 0004 (ids and sequence kept)
and the column goes.
"""

import datetime
import zoneinfo

from django.conf import settings
from django.db import migrations, models

TABLE = "surveys_answer"
NEW = "surveys_answer_by_year"
SEQUENCE = "surveys_answer_id_seq"


def _year_sql(vendor):
    """The local year of r.submitted_at, in SQL."""
    if vendor == "postgresql":
        zone = settings.TIME_ZONE.replace("'", "''")
        return f"EXTRACT(YEAR FROM r.submitted_at AT TIME ZONE '{zone}')::smallint"
    offset = zoneinfo.ZoneInfo(settings.TIME_ZONE).utcoffset(
        datetime.datetime(2000, 1, 1)
    )
    shift = f"'{offset // datetime.timedelta(minutes=1):+d} minutes'"
    return f"CAST(strftime('%Y', substr(r.submitted_at, 1, 19), {shift}) AS INTEGER)"


def _forget():
    # the process's memory of existing partitions is stale now (tests migrate
    # back and forth in one process)
    from surveys.partitions import forget_partitions

    forget_partitions()


def _names(cursor, connection):
    """The names of the response_id index and of the foreign key of the table."""
    constraints = connection.introspection.get_constraints(cursor, TABLE)
    index = fk = None
    for name, c in constraints.items():
        if c["columns"] == ["response_id"] and c["foreign_key"]:
            fk = name
        elif c["columns"] == ["response_id"] and c["index"]:
            index = name
    return index, fk


def _finish(cursor, index, fk, key):
    cursor.execute(
        f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY ({key})"
    )
    cursor.execute(f"CREATE INDEX {index} ON {TABLE} (response_id)")
    cursor.execute(
        f"ALTER TABLE {TABLE} ADD CONSTRAINT {fk} FOREIGN KEY (response_id) "
        "REFERENCES surveys_response (id) DEFERRABLE INITIALLY DEFERRED"
    )


def partition(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        Answer = apps.get_model("surveys", "Answer")
        field = models.SmallIntegerField(default=0)
        field.set_attributes_from_name("year")
        schema_editor.add_field(Answer, field)
        schema_editor.execute(
            f"UPDATE {TABLE} SET year = (SELECT {_year_sql(connection.vendor)} "
            f"FROM surveys_response r WHERE r.id = {TABLE}.response_id)"
        )
        return
    year = _year_sql("postgresql")
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        index, fk = _names(cursor, connection)
        cursor.execute(f"SELECT pg_get_serial_sequence('{TABLE}', 'id')")
        (old_sequence,) = cursor.fetchone()
        cursor.execute(f"SELECT last_value, is_called FROM {old_sequence}")
        last_value, is_called = cursor.fetchone()
        cursor.execute(f"CREATE SEQUENCE {NEW}_seq AS bigint")
        cursor.execute(f"SELECT setval('{NEW}_seq', %s, %s)", [last_value, is_called])
        cursor.execute(
            f"""CREATE TABLE {NEW} (
                id bigint NOT NULL DEFAULT nextval('{NEW}_seq'),
                item_code varchar(10) NOT NULL,
                value smallint NOT NULL CONSTRAINT {TABLE}_value_check CHECK (value >= 0),
                response_id uuid NOT NULL,
                year smallint NOT NULL
            ) PARTITION BY LIST (year)"""
        )
        # the years answered; their responses are far fewer than the answers
        cursor.execute(
            f"SELECT DISTINCT {year} FROM surveys_response r "
            f"WHERE EXISTS (SELECT 1 FROM {TABLE} a WHERE a.response_id = r.id)"
        )
        years = {row[0] for row in cursor.fetchall()}
        today = datetime.datetime.now(zoneinfo.ZoneInfo(settings.TIME_ZONE)).year
        for y in sorted(years | {today, today + 1}):
            cursor.execute(
                f"CREATE TABLE {TABLE}_y{y:04d} PARTITION OF {NEW} FOR VALUES IN ({y})"
            )
        cursor.execute(
            f"INSERT INTO {NEW} (id, item_code, value, response_id, year) "
            f"SELECT a.id, a.item_code, a.value, a.response_id, {year} "
            f"FROM {TABLE} a JOIN surveys_response r ON r.id = a.response_id"
        )
        cursor.execute(f"DROP TABLE {TABLE}")  # and its identity sequence
        cursor.execute(f"ALTER TABLE {NEW} RENAME TO {TABLE}")
        cursor.execute(f"ALTER SEQUENCE {NEW}_seq RENAME TO {SEQUENCE}")
        cursor.execute(f"ALTER SEQUENCE {SEQUENCE} OWNED BY {TABLE}.id")
        _finish(cursor, index, fk, "id, year")
        cursor.execute(f"ANALYZE {TABLE}")
    _forget()


def unpartition(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} DROP COLUMN year")
        return
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        index, fk = _names(cursor, connection)
        cursor.execute(f"SELECT last_value, is_called FROM {SEQUENCE}")
        last_value, is_called = cursor.fetchone()
        cursor.execute(
            f"""CREATE TABLE {NEW} (
                id bigint NOT NULL GENERATED BY DEFAULT AS IDENTITY,
                item_code varchar(10) NOT NULL,
                value smallint NOT NULL CONSTRAINT {TABLE}_value_check CHECK (value >= 0),
                response_id uuid NOT NULL
            )"""
        )
        cursor.execute(
            f"INSERT INTO {NEW} (id, item_code, value, response_id) "
            f"SELECT id, item_code, value, response_id FROM {TABLE}"
        )
        cursor.execute(f"DROP TABLE {TABLE}")  # its partitions and sequence
        cursor.execute(f"ALTER TABLE {NEW} RENAME TO {TABLE}")
        cursor.execute(f"ALTER SEQUENCE {NEW}_id_seq RENAME TO {SEQUENCE}")
        cursor.execute(f"SELECT setval('{SEQUENCE}', %s, %s)", [last_value, is_called])
        _finish(cursor, index, fk, "id")
    _forget()


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0004_paper"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(partition, unpartition)],
            state_operations=[
                migrations.AddField(
                    model_name="answer",
                    name="year",
                    field=models.SmallIntegerField(editable=False, verbose_name="năm"),
                    preserve_default=False,
                ),
            ],
        ),
    ]
