from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0002_reply_contact"),
    ]

    operations = [
        migrations.AddField(
            model_name="response",
            name="counted",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddIndex(
            model_name="response",
            index=models.Index(
                condition=models.Q(("counted", False), ("flagged", False)),
                fields=["submitted_at"],
                name="response_uncounted",
            ),
        ),
    ]
