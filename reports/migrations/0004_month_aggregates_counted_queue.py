"""Aggregates per month kept current by deltas; the dirty agency-day marks go.

The aggregate rows are derived data: they are deleted here, and every existing
response is uncounted (surveys 0003 adds Response.counted = False), so the engine's
sweep — or ``compute_indices`` — counts them all again, each exactly once.
"""

import datetime

from django.db import migrations, models


def forget_aggregates(apps, schema_editor):
    for name in ("AnswerCount", "MaskCount"):
        apps.get_model("reports", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_dimension_value_fits_procedure_fields"),
        ("surveys", "0003_response_counted"),
        ("agencies", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forget_aggregates, migrations.RunPython.noop),
        migrations.DeleteModel(name="DirtyAgencyDay"),
        migrations.RemoveConstraint(model_name="answercount", name="answer_count_unique"),
        migrations.RemoveIndex(model_name="answercount", name="answer_count_day"),
        migrations.RemoveConstraint(model_name="maskcount", name="mask_count_unique"),
        migrations.RemoveIndex(model_name="maskcount", name="mask_count_day"),
        migrations.RemoveField(model_name="answercount", name="day"),
        migrations.RemoveField(model_name="maskcount", name="day"),
        migrations.AddField(
            model_name="answercount",
            name="month",
            field=models.DateField(default=datetime.date(2000, 1, 1)),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="maskcount",
            name="month",
            field=models.DateField(default=datetime.date(2000, 1, 1)),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="answercount",
            constraint=models.UniqueConstraint(
                fields=(
                    "agency",
                    "month",
                    "version",
                    "dimension",
                    "dimension_value",
                    "item_code",
                    "value",
                ),
                name="answer_count_unique",
            ),
        ),
        migrations.AddIndex(
            model_name="answercount",
            index=models.Index(fields=["month"], name="answer_count_month"),
        ),
        migrations.AddConstraint(
            model_name="maskcount",
            constraint=models.UniqueConstraint(
                fields=(
                    "agency",
                    "month",
                    "version",
                    "dimension",
                    "dimension_value",
                    "mask",
                ),
                name="mask_count_unique",
            ),
        ),
        migrations.AddIndex(
            model_name="maskcount",
            index=models.Index(fields=["month"], name="mask_count_month"),
        ),
    ]
