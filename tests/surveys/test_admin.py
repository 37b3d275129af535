"""The Response admin: read-only answers, the flagged queue, accepting, scope."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User

from agencies.models import Agency
from staff.models import StaffProfile
from surveys import services
from surveys.models import Response

CHANGELIST = "/admin/surveys/response/"


@pytest.fixture
def administrator(db) -> User:
    return User.objects.create_superuser("admin", "admin@example.vn", "x-pass-123!")


@pytest.fixture
def other_agency(centre, province) -> Agency:
    return Agency.objects.create(
        code="SNV-T33", name="Sở Nội vụ", kind="so", unit=province, province_code="33"
    )


def flagged_response(version, agency) -> Response:
    return services.submit_response(
        version=version,
        agency_id=agency.pk,
        answers={"G": 5},
        flagged=True,
        flag_reason="fill_time: 3s",
    )


def test_the_flagged_queue_lists_flagged_responses(
    client, administrator, exit_version, centre
):
    flagged = flagged_response(exit_version, centre)
    services.submit_response(
        version=exit_version, agency_id=centre.pk, answers={"G": 4}
    )
    client.force_login(administrator)
    html = client.get(CHANGELIST + "?flagged__exact=1").content.decode()
    assert str(flagged.pk) in html
    assert "fill_time: 3s" in html


def test_accepting_flagged_responses_counts_them(
    client, administrator, exit_version, centre
):
    flagged = flagged_response(exit_version, centre)
    client.force_login(administrator)
    page = client.post(
        CHANGELIST,
        {"action": "accept_flagged_responses", "_selected_action": [str(flagged.pk)]},
        follow=True,
    )
    assert page.status_code == 200
    flagged.refresh_from_db()
    assert flagged.flagged is False and flagged.flag_reason == ""


def test_answers_cannot_be_changed_in_the_admin(
    client, administrator, exit_version, centre
):
    response = flagged_response(exit_version, centre)
    client.force_login(administrator)
    url = f"{CHANGELIST}{response.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    client.post(url, {"comment": "sửa", "answers-TOTAL_FORMS": "0"})
    response.refresh_from_db()
    assert response.comment == ""
    assert client.get(CHANGELIST + "add/").status_code == 403


def test_an_agency_manager_sees_only_responses_of_their_agencies(
    client, exit_version, centre, other_agency
):
    mine = flagged_response(exit_version, other_agency)
    theirs = flagged_response(exit_version, centre)
    manager = User.objects.create_user("manager", password="x-pass-123!", is_staff=True)
    manager.user_permissions.add(Permission.objects.get(codename="view_response"))
    StaffProfile.objects.create(
        user=manager, role="agency_manager", agency=other_agency
    )
    client.force_login(manager)
    html = client.get(CHANGELIST).content.decode()
    assert str(mine.pk) in html
    assert str(theirs.pk) not in html
