# CommentReview, TransactionVolume and ReportJob now belong to the dashboard app
# (dashboard/migrations/0001_initial.py, which keeps their tables): they leave the
# staff app's state only; the database is not touched.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('dashboard', '0001_initial'),
        ('staff', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='CommentReview'),
                migrations.DeleteModel(name='ReportJob'),
                migrations.DeleteModel(name='TransactionVolume'),
            ],
            database_operations=[],
        ),
    ]
