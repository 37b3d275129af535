"""Moving the staff's work models to the dashboard app loses no row.

The test runs the real migrations on a database with data: back to the state
before the move, rows written through the old (staff) models, then forward to
the newest migrations, where the dashboard models find every row.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from dashboard.models import CommentReview, ReportJob, TransactionVolume


def _migrate_before_the_move():
    """Unapply the move (every other app stays at its newest migration); return
    the models of that state."""
    executor = MigrationExecutor(connection)
    others = [n for n in executor.loader.graph.leaf_nodes() if n[0] != "dashboard"]
    others = [n for n in others if n[0] != "staff"] + [("staff", "0001_initial")]
    executor.migrate([*others, ("dashboard", None)])
    return executor.loader.project_state(others).apps


def _migrate_to_the_newest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_comment_reviews_volumes_and_report_jobs_survive_the_move():
    old = _migrate_before_the_move()
    user = old.get_model("auth", "User").objects.create(username="analyst")
    unit = old.get_model("agencies", "AdministrativeUnit").objects.create(
        code="33", name="Tỉnh Hưng Yên", level="province", province_code="33"
    )
    agency = old.get_model("agencies", "Agency").objects.create(
        code="SNV-T33", name="Sở Nội vụ", kind="so", unit=unit, province_code="33"
    )
    questionnaire = old.get_model("surveys", "Questionnaire").objects.create(
        code="exit-dv", name="Phiếu"
    )
    version = old.get_model("surveys", "QuestionnaireVersion").objects.create(
        questionnaire=questionnaire, number=1, title="Phiếu"
    )
    response = old.get_model("surveys", "Response").objects.create(
        version=version,
        agency=agency,
        submitted_at=datetime.datetime(2026, 7, 1, tzinfo=datetime.UTC),
        comment="Phải chờ lâu.",
    )
    old.get_model("staff", "CommentReview").objects.create(
        response=response, status="in_progress", assignee=user, note="Đã gọi lại"
    )
    old.get_model("staff", "TransactionVolume").objects.create(
        agency=agency, period="2026", count=1200, entered_by=user
    )
    job = old.get_model("staff", "ReportJob").objects.create(
        user=user, agency=agency, period="2026", questionnaire="exit-dv", pdf=b"%PDF"
    )
    old_types = set(
        ContentType.objects.filter(app_label="staff").values_list("model", flat=True)
    )

    _migrate_to_the_newest()

    review = CommentReview.objects.get()
    assert (review.response_id, review.status, review.note) == (
        response.pk,
        "in_progress",
        "Đã gọi lại",
    )
    assert review.assignee.username == "analyst"
    assert TransactionVolume.objects.get().count == 1200
    assert bytes(ReportJob.objects.get(pk=job.pk).pdf) == b"%PDF"
    # Content types (and so permissions and admin history) follow the models.
    moved = {"commentreview", "transactionvolume", "reportjob"}
    assert moved <= old_types
    dashboard_types = ContentType.objects.filter(app_label="dashboard")
    assert moved <= set(dashboard_types.values_list("model", flat=True))
    assert not ContentType.objects.filter(app_label="staff", model__in=moved).exists()
