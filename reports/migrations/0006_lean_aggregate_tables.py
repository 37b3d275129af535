"""Leaner aggregate tables for the sweep's upserts: no index on month (reads go
by agency through the unique index, or scan a whole period), none of their own on
the foreign keys, and on PostgreSQL room in every page (fillfactor 70) so that
`count = count + new` is a HOT update that touches no index."""

import django.db.models.deletion
from django.db import migrations, models


def leave_room(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in ("reports_answercount", "reports_maskcount"):
        schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = 70)")


def fill(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in ("reports_answercount", "reports_maskcount"):
        schema_editor.execute(f"ALTER TABLE {table} RESET (fillfactor)")


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0001_initial'),
        ('reports', '0005_pooled_aggregates'),
        ('surveys', '0003_response_counted'),
    ]

    operations = [
        migrations.RunPython(leave_room, fill),
        migrations.RemoveIndex(
            model_name='answercount',
            name='answer_count_month',
        ),
        migrations.RemoveIndex(
            model_name='maskcount',
            name='mask_count_month',
        ),
        migrations.AlterField(
            model_name='answercount',
            name='agency',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='agencies.agency'),
        ),
        migrations.AlterField(
            model_name='answercount',
            name='version',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='surveys.questionnaireversion'),
        ),
        migrations.AlterField(
            model_name='maskcount',
            name='agency',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='agencies.agency'),
        ),
        migrations.AlterField(
            model_name='maskcount',
            name='version',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='surveys.questionnaireversion'),
        ),
    ]
