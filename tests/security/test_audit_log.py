"""The audit log: staff logins, exports, admin edits, user and role changes."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from audit.models import AuditEvent
from audit.services import hash_ip, record
from tests.security.conftest import PASSWORD


def _actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


@pytest.mark.django_db
def test_a_login_and_a_logout_are_recorded_with_a_hashed_address(administrator):
    client = Client()
    client.post(
        "/admin/login/",
        {"username": "quan.tri", "password": PASSWORD, "next": "/admin/"},
        REMOTE_ADDR="203.0.113.9",
    )
    client.post("/admin/logout/", REMOTE_ADDR="203.0.113.9")
    login = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN)
    assert login.actor == administrator
    assert login.ip_hash == hash_ip("203.0.113.9")
    assert "203.0.113.9" not in login.ip_hash
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.LOGOUT, actor=administrator
    ).exists()


@pytest.mark.django_db
def test_a_failed_login_is_recorded_without_the_password(administrator):
    Client().post(
        "/admin/login/",
        {"username": "quan.tri", "password": "bi-mat-sai", "next": "/admin/"},
    )
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED)
    assert event.actor is None
    assert event.detail == {"username": "quan.tri"}
    assert "bi-mat-sai" not in str(event.detail)


@pytest.mark.django_db
def test_an_admin_edit_is_recorded_with_what_changed(client, administrator):
    client.force_login(administrator)
    group = Group.objects.create(name="Chuyên viên")
    AuditEvent.objects.all().delete()
    response = client.post(
        f"/admin/auth/group/{group.pk}/change/",
        {"name": "Chuyên viên Sở Nội vụ", "permissions": []},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=AuditEvent.Action.ADMIN_CHANGE)
    assert event.actor == administrator
    assert event.object_type == "auth.group"
    assert event.object_id == str(group.pk)
    assert "Name" in event.detail["change"] or "Tên" in event.detail["change"]


@pytest.mark.django_db
def test_granting_staff_rights_and_a_group_is_recorded(clerk):
    AuditEvent.objects.all().delete()
    clerk.is_superuser = True
    clerk.save()
    clerk.groups.add(Group.objects.create(name="Quản trị"))
    user_change = AuditEvent.objects.get(action=AuditEvent.Action.USER_CHANGE)
    assert user_change.detail == {"is_superuser": [False, True]}
    role_change = AuditEvent.objects.get(action=AuditEvent.Action.ROLE_CHANGE)
    assert role_change.object_id == str(clerk.pk)
    assert role_change.detail["change"] == "add"


@pytest.mark.django_db
def test_a_password_change_is_recorded_but_not_the_password(clerk):
    AuditEvent.objects.all().delete()
    clerk.set_password("Một-mật-khẩu-mới-2026")
    clerk.save()
    event = AuditEvent.objects.get(action=AuditEvent.Action.USER_CHANGE)
    assert event.detail == {"password": "changed"}


@pytest.mark.django_db
def test_updating_last_login_alone_is_not_an_account_change(clerk):
    AuditEvent.objects.all().delete()
    clerk.save(update_fields=["last_login"])
    assert _actions() == []


@pytest.mark.django_db
def test_an_export_recorded_by_another_app_keeps_its_filters(rf, clerk):
    request = rf.get("/dashboard/export/", REMOTE_ADDR="198.51.100.4")
    request.user = clerk
    event = record(
        AuditEvent.Action.EXPORT,
        request=request,
        object_type="responses",
        detail={"period": "2026", "format": "csv", "note": "x" * 5000},
    )
    assert event.actor == clerk
    assert event.ip_hash == hash_ip("198.51.100.4")
    assert len(event.detail["note"]) == 500


@pytest.mark.django_db
def test_administrators_can_read_the_audit_log_but_not_change_it(client, administrator):
    record(AuditEvent.Action.EXPORT, actor=administrator, object_type="responses")
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    client.force_login(administrator)
    assert client.get("/admin/audit/auditevent/").status_code == 200
    assert client.get(f"/admin/audit/auditevent/{event.pk}/change/").status_code == 200
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    client.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
def test_staff_without_the_permission_cannot_read_the_audit_log(client, clerk):
    client.force_login(clerk)
    assert client.get("/admin/audit/auditevent/").status_code == 403


@pytest.mark.django_db
def test_a_deleted_account_leaves_its_trail_behind(clerk):
    record(AuditEvent.Action.EXPORT, actor=clerk, object_type="responses")
    get_user_model().objects.filter(pk=clerk.pk).delete()
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.actor is None
    assert event.actor_name == "can.bo"
