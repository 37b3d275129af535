"""An agency moving in the tree takes its pooled history with it, for every year,
through a Celery task; dashboards say "đang cập nhật" meanwhile."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from agencies.models import Agency
from reports import tasks
from reports.engine import moves
from reports.models import IndexResult, PooledPath
from reports.tasks import repool_moved_task
from staff.models import StaffProfile
from tests.reports.engine_fixtures import generate_rows, write_csv


@pytest.fixture
def two_years(province_33, tmp_path):
    rows = generate_rows(["TTHCC-X12133"], 120, 2025, seed=1)
    rows += generate_rows(["TTHCC-X12133", "UBND-X12103"], 160, 2026, seed=2)
    call_command("import_responses", str(write_csv(rows, tmp_path / "r.csv")))
    call_command("compute_indices", "--sync", period=["2025", "2026"])
    moves.done()


def _n(code: str, period: str) -> int:
    row = IndexResult.objects.filter(
        agency__code=code,
        period=period,
        scope="subtree",
        questionnaire="exit-dv",
        indicator="A_DV",
        dimension="",
    ).first()
    return row.n if row else 0


def test_moving_an_agency_moves_its_pooled_history_for_every_year(
    two_years, client, django_capture_on_commit_callbacks
):
    own_2025, own_2026 = _n("TTHCC-X12133", "2025"), _n("TTHCC-X12133", "2026")
    before_2026 = _n("UBND-X12103", "2026")
    assert _n("UBND-X12133", "2025") == own_2025 > 0
    centre = Agency.objects.get(code="TTHCC-X12133")
    with django_capture_on_commit_callbacks() as callbacks:
        centre.parent = Agency.objects.get(code="UBND-X12103")
        centre.save()
    assert tasks.enqueue_repool in callbacks

    staff = get_user_model().objects.create_user("viewer")
    StaffProfile.objects.create(user=staff, role="national_viewer")
    client.force_login(staff)
    moves.mark_updating()  # what enqueue_repool does before sending the task
    assert "đang cập nhật" in client.get("/dashboard/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        assert repool_moved_task() == [2025, 2026]
    assert _n("UBND-X12133", "2025") == 0
    assert _n("UBND-X12133", "2026") == 0
    assert _n("UBND-X12103", "2025") == own_2025
    assert _n("UBND-X12103", "2026") == before_2026 + own_2026
    assert PooledPath.objects.get(agency=centre).path == centre.path
    assert "đang cập nhật" not in client.get("/dashboard/").content.decode()
    assert repool_moved_task() == []  # nothing left to do


def test_a_move_made_by_a_bulk_update_is_caught_by_the_sweep(
    two_years, django_capture_on_commit_callbacks
):
    centre = Agency.objects.get(code="TTHCC-X12133")
    target = Agency.objects.get(code="UBND-X12103")
    # what the reference sync does: no save(), no signal
    Agency.objects.filter(pk=centre.pk).update(
        parent=target, path=f"{target.path}{centre.pk}/"
    )
    with django_capture_on_commit_callbacks() as callbacks:
        tasks.sweep_dirty_task()
    assert tasks.enqueue_repool in callbacks
    assert repool_moved_task() == [2025, 2026]
    assert _n("UBND-X12133", "2025") == 0


def test_a_new_agency_is_recorded_without_a_rebuild(two_years):
    parent = Agency.objects.get(code="UBND-X12103")
    Agency.objects.create(
        code="TTHCC-X99999",
        name="Trung tâm mới",
        kind=Agency.Kind.SERVICE_CENTRE_COMMUNE,
        parent=parent,
        unit=parent.unit,
    )
    assert repool_moved_task() == []
    assert PooledPath.objects.filter(agency__code="TTHCC-X99999").exists()
