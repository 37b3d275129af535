"""Who may use the pages issue 17 added to the admin and the sample page.

The authorization matrix (test_authorization_matrix.py) walks the registered
admin models and every dashboard URL; the admin's own extra views (the
invitation template, the one-form staff creation) and the volume import with a
real file are checked here: anonymous visitors and staff without the admin flag
are sent to the admin login, a clerk without the permission is refused, and a
scoped administrator or analyst writes nothing outside their province.
"""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from dashboard.models import TransactionVolume
from staff.models import StaffProfile
from tests.dashboard_fixtures import *  # noqa: F403

TEMPLATE = "/admin/invitations/invitation/template.csv"
UPLOAD = "/admin/invitations/invitation/upload/"
ADD_STAFF = "/admin/staff/staffprofile/add/"


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("url", [TEMPLATE, UPLOAD, ADD_STAFF])
def test_the_new_admin_pages_send_visitors_and_dashboard_staff_to_the_admin_login(
    other_analyst, url
):
    for client in (Client(), _login(other_analyst)):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), url


@pytest.mark.parametrize("url", [TEMPLATE, ADD_STAFF])
def test_a_clerk_without_the_permission_is_refused(clerk, url):
    assert _login(clerk).get(url).status_code == 403


def test_the_admin_home_offers_a_clerk_no_task(clerk):
    page = _login(clerk).get("/admin/").content.decode()
    assert "Việc thường làm" not in page


def test_a_scoped_administrator_cannot_place_staff_in_another_province(
    other_analyst, agencies
):
    other_analyst.is_staff = True
    other_analyst.save()
    other_analyst.user_permissions.set(
        Permission.objects.filter(
            codename__in=["add_staffprofile", "view_staffprofile", "add_user"]
        )
    )
    client = _login(other_analyst)
    form = client.get(ADD_STAFF)
    choices = {str(c) for c in form.context["adminform"].form.fields["agency"].queryset}
    assert not any("Hưng Yên" in name for name in choices)
    before = StaffProfile.objects.count()
    response = client.post(
        ADD_STAFF,
        {
            "username": "gia.mao",
            "full_name": "Giả Mạo",
            "email": "gm@example.vn",
            "role": "agency_manager",
            "agency": agencies["UBND-T33"].pk,
        },
    )
    assert response.status_code == 200
    assert StaffProfile.objects.count() == before


def test_staff_of_another_province_import_no_volume_here(other_analyst, agencies):
    upload = io.BytesIO("Mã;Số giao dịch\nUBND-X12133;1.000\n".encode())
    upload.name = "volumes.csv"
    response = _login(other_analyst).post(
        "/dashboard/sample/volumes/import/", {"file": upload, "period": "2026"}
    )
    assert response.status_code == 302
    assert not TransactionVolume.objects.exists()


def test_a_viewer_role_imports_nothing(national_viewer, agencies):
    upload = io.BytesIO("Mã;Số giao dịch\nUBND-X12133;1.000\n".encode())
    upload.name = "volumes.csv"
    response = _login(national_viewer).post(
        "/dashboard/sample/volumes/import/", {"file": upload, "period": "2026"}
    )
    assert response.status_code == 403
    assert not TransactionVolume.objects.exists()
