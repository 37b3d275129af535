"""django-axes: repeated wrong passwords lock that username from that address."""

import pytest
from django.conf import settings
from django.test import Client

from audit.models import AuditEvent
from audit.services import hash_ip
from tests.security.conftest import PASSWORD


def _admin_login(client: Client, username: str, password: str, ip: str = "10.0.0.7"):
    return client.post(
        "/admin/login/",
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
    )


def test_the_lockout_is_configured_for_username_and_address_with_a_cool_off():
    assert settings.AUTHENTICATION_BACKENDS[0] == "audit.backends.LockoutBackend"
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_COOLOFF_TIME > 0


@pytest.mark.django_db
def test_the_right_password_is_refused_after_too_many_wrong_ones(administrator):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _admin_login(client, "quan.tri", "sai-mat-khau").status_code == 200
    # The failure that reaches the limit is itself answered with the lockout page.
    assert _admin_login(client, "quan.tri", "sai-mat-khau").status_code == 429
    response = _admin_login(client, "quan.tri", PASSWORD)
    assert response.status_code == 429
    assert "Tạm khoá đăng nhập" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOCKED_OUT).exists()


@pytest.mark.django_db
def test_a_lockout_does_not_block_the_same_user_from_another_address(administrator):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _admin_login(client, "quan.tri", "sai-mat-khau", ip="10.0.0.7")
    response = _admin_login(Client(), "quan.tri", PASSWORD, ip="10.0.0.8")
    assert response.status_code == 302


@pytest.mark.django_db
def test_a_correct_login_before_the_limit_resets_the_failure_count(administrator):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _admin_login(client, "quan.tri", "sai-mat-khau")
    assert _admin_login(client, "quan.tri", PASSWORD).status_code == 302
    client.logout()
    _admin_login(client, "quan.tri", "sai-mat-khau")
    assert _admin_login(client, "quan.tri", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_test_clients_login_still_works_without_a_request(administrator):
    # Client.login() authenticates without a request; the lockout backend steps aside.
    assert Client().login(username="quan.tri", password=PASSWORD)


@pytest.mark.django_db
def test_behind_the_proxy_one_clients_wrong_passwords_do_not_lock_out_another(
    administrator, settings
):
    # Before: axes keyed on REMOTE_ADDR, the proxy's, so anyone's five wrong
    # passwords locked the account for everybody.
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    attacker = Client(HTTP_X_FORWARDED_FOR="198.51.100.66")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _admin_login(attacker, "quan.tri", "sai-mat-khau", ip="127.0.0.1")
    assert _admin_login(attacker, "quan.tri", PASSWORD, ip="127.0.0.1").status_code == (
        429
    )
    owner = Client(HTTP_X_FORWARDED_FOR="203.0.113.20")
    assert _admin_login(owner, "quan.tri", PASSWORD, ip="127.0.0.1").status_code == 302


@pytest.mark.django_db
def test_the_audit_log_hashes_the_client_behind_the_proxy(administrator, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    client = Client(HTTP_X_FORWARDED_FOR="203.0.113.20")
    _admin_login(client, "quan.tri", PASSWORD, ip="127.0.0.1")
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN)
    assert event.ip_hash == hash_ip("203.0.113.20")
    assert event.ip_hash != hash_ip("127.0.0.1")
