# The staff's work models move from the staff app to the dashboard app (issue #11).
# Their tables stay where they are (db_table): only Django's state changes, so no
# row is copied or lost. staff/migrations/0002 removes them from the staff state.

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models

MOVED = ["commentreview", "transactionvolume", "reportjob"]


def move_content_types(apps, schema_editor, old="staff", new="dashboard"):
    """Keep permissions and admin history: the content types follow the models."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        if not ContentType.objects.using(db).filter(app_label=new, model=model).exists():
            ContentType.objects.using(db).filter(app_label=old, model=model).update(
                app_label=new
            )


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, old="dashboard", new="staff")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('agencies', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('staff', '0001_initial'),
        ('surveys', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='ReportJob',
                fields=[
                    ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                    ('period', models.CharField(max_length=7, verbose_name='kỳ')),
                    ('questionnaire', models.CharField(max_length=20)),
                    ('status', models.CharField(choices=[('pending', 'Đang chờ'), ('running', 'Đang tạo'), ('done', 'Hoàn tất'), ('failed', 'Lỗi')], default='pending', max_length=8)),
                    ('progress', models.PositiveSmallIntegerField(default=0)),
                    ('message', models.CharField(blank=True, max_length=255)),
                    ('pdf', models.BinaryField(blank=True, null=True)),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('updated_at', models.DateTimeField(auto_now=True)),
                    ('agency', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='report_jobs', to='agencies.agency')),
                    ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='report_jobs', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'staff_reportjob',
                    'verbose_name': 'báo cáo PDF',
                    'verbose_name_plural': 'báo cáo PDF',
                },
            ),
            migrations.CreateModel(
                name='CommentReview',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('status', models.CharField(choices=[('new', 'Mới'), ('in_progress', 'Đang xử lý'), ('replied', 'Đã phản hồi')], default='new', max_length=12, verbose_name='trạng thái')),
                    ('note', models.TextField(blank=True, verbose_name='ghi chú')),
                    ('updated_at', models.DateTimeField(auto_now=True, verbose_name='cập nhật lúc')),
                    ('assignee', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='assigned_reviews', to=settings.AUTH_USER_MODEL, verbose_name='người xử lý')),
                    ('response', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='review', to='surveys.response', verbose_name='phiếu trả lời')),
                    ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'staff_commentreview',
                    'verbose_name': 'xử lý ý kiến',
                    'verbose_name_plural': 'xử lý ý kiến',
                    'indexes': [models.Index(fields=['status'], name='comment_review_status')],
                },
            ),
            migrations.CreateModel(
                name='TransactionVolume',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('period', models.CharField(max_length=7, verbose_name='kỳ')),
                    ('count', models.PositiveIntegerField(verbose_name='số giao dịch')),
                    ('entered_at', models.DateTimeField(auto_now=True, verbose_name='nhập lúc')),
                    ('agency', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='transaction_volumes', to='agencies.agency', verbose_name='cơ quan')),
                    ('entered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'staff_transactionvolume',
                    'verbose_name': 'số lượng giao dịch',
                    'verbose_name_plural': 'số lượng giao dịch',
                    'constraints': [models.UniqueConstraint(fields=('agency', 'period'), name='transaction_volume_unique')],
                },
            ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
