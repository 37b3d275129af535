"""PostgreSQL (or any database) unreachable: a Vietnamese 503, no trace, no half row."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from django.conf import settings
from django.db import OperationalError
from django.utils import translation

from sipas.middleware import server_error
from surveys.models import Answer, Response
from tests.reliability.conftest import closed_port, filled_form, send

URL = "/s/TTHCC-T33-Q1/"


@pytest.fixture
def lost_after_answers(monkeypatch):
    """The database goes away right after the answers are written (the last write
    of the storing transaction; on PostgreSQL they go in by COPY, which execute
    wrappers do not see)."""
    from surveys import services

    original = services._insert_answers

    def write_then_lose(rows):
        original(rows)
        raise OperationalError("server closed the connection unexpectedly")

    def arm():
        monkeypatch.setattr(services, "_insert_answers", write_then_lose)

    def disarm():
        monkeypatch.setattr(services, "_insert_answers", original)

    return arm, disarm


def _assert_is_the_outage_page(response) -> None:
    html = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "Hệ thống tạm thời gián đoạn" in html
    assert "chưa được lưu" in html
    for leak in ("Traceback", "OperationalError", "server closed", 'File "'):
        assert leak not in html


@pytest.mark.django_db(transaction=True)
def test_losing_the_database_mid_submission_writes_nothing_and_says_so(
    citizen, counter, lost_after_answers
):
    data = filled_form(citizen, URL, comment="Cán bộ nhiệt tình")
    # The response and its answers are written first; the database goes away
    # before the transaction commits.
    arm, _disarm = lost_after_answers
    arm()
    response = send(citizen, URL, data)
    _assert_is_the_outage_page(response)
    assert Response.objects.count() == 0
    assert Answer.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_same_form_sent_again_after_the_outage_is_stored_once(
    citizen, counter, lost_after_answers
):
    data = filled_form(citizen, URL)
    arm, disarm = lost_after_answers
    arm()
    assert send(citizen, URL, data).status_code == 503
    disarm()
    assert send(citizen, URL, data).status_code == 302
    assert send(citizen, URL, data).status_code == 302
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_a_database_error_outside_any_view_still_gets_the_503_page(rf):
    # LocaleMiddleware has chosen Vietnamese for the request before the error.
    with translation.override("vi"):
        try:
            raise OperationalError("could not connect to server")
        except OperationalError:
            response = server_error(rf.get("/"))
    _assert_is_the_outage_page(response)


def test_another_error_gets_the_plain_500_page_without_a_trace(rf):
    with translation.override("vi"):
        try:
            raise ValueError("secret detail")
        except ValueError:
            response = server_error(rf.get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Đã xảy ra lỗi" in html
    assert "secret detail" not in html and "Traceback" not in html


def test_with_the_database_server_unreachable_the_portal_answers_503():
    """A real outage: the portal's settings pointed at a port nobody listens on."""
    pytest.importorskip("psycopg2")
    script = textwrap.dedent(
        """
        import django
        django.setup()
        from django.test import Client
        response = Client(raise_request_exception=False).get("/s/TTHCC-T33-Q1/")
        print(response.status_code)
        print(response.content.decode())
        """
    )
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{closed_port()}/sipas",
        "DJANGO_SETTINGS_MODULE": "sipas.settings",
        "DEBUG": "false",
        "PYTHONPATH": str(settings.BASE_DIR),
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    status, _, html = result.stdout.partition("\n")
    assert status == "503", result.stderr[-2000:]
    assert "Hệ thống tạm thời gián đoạn" in html
    assert "Traceback" not in html and "OperationalError" not in html
