"""Staff sessions end after SESSION_IDLE_TIMEOUT idle, and after SESSION_COOKIE_AGE."""

import datetime

import pytest
import time_machine
from django.conf import settings

from audit.models import AuditEvent


def test_staff_sessions_are_bounded_in_length_and_in_idle_time():
    assert 0 < settings.SESSION_IDLE_TIMEOUT <= 3600
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.SESSION_COOKIE_HTTPONLY


@pytest.mark.django_db
def test_a_signed_in_user_idle_too_long_is_signed_out(client, administrator):
    start = datetime.datetime(2026, 11, 27, 8, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client.force_login(administrator)
        assert client.get("/admin/").status_code == 200
        clock.shift(settings.SESSION_IDLE_TIMEOUT + 60)
        response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGOUT)
    assert event.detail == {"reason": "idle"}


@pytest.mark.django_db
def test_a_user_who_keeps_working_stays_signed_in(client, administrator):
    start = datetime.datetime(2026, 11, 27, 8, 0, tzinfo=datetime.UTC)
    step = settings.SESSION_IDLE_TIMEOUT // 2
    with time_machine.travel(start, tick=False) as clock:
        client.force_login(administrator)
        for _ in range(5):
            assert client.get("/admin/").status_code == 200
            clock.shift(step)
        assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_a_session_used_every_half_hour_still_ends_after_the_absolute_limit(
    client, administrator
):
    # Each request rewrites the session (the idle clock), which used to push its
    # expiry SESSION_COOKIE_AGE further: a session used often never ended.
    start = datetime.datetime(2026, 11, 27, 8, 0, tzinfo=datetime.UTC)
    step = min(settings.SESSION_IDLE_TIMEOUT - 60, 30 * 60)
    with time_machine.travel(start, tick=False) as clock:
        client.force_login(administrator)
        assert client.get("/admin/").status_code == 200
        for _ in range(settings.SESSION_COOKIE_AGE // step):
            clock.shift(step)
            assert client.get("/admin/").status_code == 200
        clock.shift(step)
        response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert "_auth_user_id" not in client.session
