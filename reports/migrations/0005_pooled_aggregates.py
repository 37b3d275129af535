"""Aggregates also kept at every agency above a response's own (``pooled``), so
that subtree groups are summed without walking the agency tree.

Derived data again: the rows are deleted and every response uncounted, so the
sweep or ``compute_indices`` counts them all, each exactly once.
"""

from django.db import migrations, models


def forget_aggregates(apps, schema_editor):
    for name in ("AnswerCount", "MaskCount"):
        apps.get_model("reports", name).objects.all().delete()
    apps.get_model("surveys", "Response").objects.filter(counted=True).update(
        counted=False
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_month_aggregates_counted_queue"),
        ("surveys", "0003_response_counted"),
    ]

    operations = [
        migrations.RunPython(forget_aggregates, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="answercount", name="answer_count_unique"),
        migrations.RemoveConstraint(model_name="maskcount", name="mask_count_unique"),
        migrations.AddField(
            model_name="answercount",
            name="pooled",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="maskcount",
            name="pooled",
            field=models.BooleanField(default=False),
        ),
        migrations.AddConstraint(
            model_name="answercount",
            constraint=models.UniqueConstraint(
                fields=(
                    "agency",
                    "pooled",
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
        migrations.AddConstraint(
            model_name="maskcount",
            constraint=models.UniqueConstraint(
                fields=(
                    "agency",
                    "pooled",
                    "month",
                    "version",
                    "dimension",
                    "dimension_value",
                    "mask",
                ),
                name="mask_count_unique",
            ),
        ),
    ]
