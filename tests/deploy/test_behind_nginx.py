"""The production recipe (deploy/) run for real: nginx in front of gunicorn on
loopback with a self-signed certificate, against the test database.

Marked `deploy`; runs in `make test` and `.ci/run`. nginx is installed from apt
when missing (as root), else the module is skipped with the reason.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.db import connection

from surveys.models import Response
from tests.deploy import stack as deploy

pytestmark = [pytest.mark.deploy, pytest.mark.django_db(transaction=True)]

SURVEY = "/s/TTHCC-T33-Q1/"


@pytest.fixture(scope="module")
def served(django_db_setup, tmp_path_factory):
    """nginx + gunicorn serving the test database for the whole module."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "gunicorn runs in another process: needs the PostgreSQL test database"
        )
    database = settings.DATABASES["default"]
    url = (
        f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )
    environment = {
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": "deploy-test-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "TRUSTED_PROXIES": "127.0.0.1,::1",
        "SURVEY_RATE_LIMIT": "1",
        "SURVEY_MIN_FILL_SECONDS": "0",
        "SECURE_SSL_REDIRECT": "true",
        # Tasks run in the web process: no worker in this test.
        "CELERY_BROKER_URL": "",
        "METRICS_ALLOWED_IPS": "127.0.0.9",
    }
    running = deploy.start(tmp_path_factory.mktemp("deploy"), environment)
    yield running
    running.stop()


def test_plain_http_is_sent_to_https(served):
    browser = deploy.Browser(served.ports["http"], "127.0.0.5", tls=False)
    response, _ = browser.request("GET", "/s/TTHCC-T33-Q1/?kiosk=1")
    assert response.status == 301
    assert response.headers["Location"] == (
        f"https://127.0.0.1:{served.ports['https']}/s/TTHCC-T33-Q1/?kiosk=1"
    )


def test_pages_and_static_files_carry_one_hsts_header(served):
    browser = deploy.Browser(served.ports["https"], "127.0.0.5")
    for path in ("/", "/static/css/app.css"):
        response, _ = browser.request("GET", path)
        assert response.status == 200, path
        hsts = response.headers.get_all("Strict-Transport-Security")
        assert hsts == ["max-age=31536000; includeSubDomains; preload"], path


def test_static_files_are_served_by_nginx_not_by_gunicorn(served):
    browser = deploy.Browser(served.ports["https"], "127.0.0.5")
    response, body = browser.request("GET", "/static/css/app.css")
    assert response.status == 200
    assert body == (settings.BASE_DIR / "static" / "css" / "app.css").read_bytes()
    assert "max-age=86400" in response.headers["Cache-Control"]
    # A Django response always has the portal's Content-Security-Policy.
    assert "Content-Security-Policy" not in response.headers
    page, _ = browser.request("GET", "/")
    assert "Content-Security-Policy" in page.headers
    log = served.gunicorn_log
    assert "GET / " in log
    assert "/static/" not in log


def test_two_clients_behind_nginx_have_separate_rate_limit_buckets(served, counter):
    # SURVEY_RATE_LIMIT=1 in this stack: one stored answer per client.
    alice = deploy.Browser(served.ports["https"], "127.0.0.5")
    bob = deploy.Browser(served.ports["https"], "127.0.0.6")
    assert alice.submit_survey(SURVEY) == 302
    assert bob.submit_survey(SURVEY) == 302
    assert alice.submit_survey(SURVEY + "?moi=1") == 429
    assert Response.objects.count() == 2


def test_a_forged_forwarded_address_does_not_open_a_new_bucket(served, counter):
    mallory = deploy.Browser(served.ports["https"], "127.0.0.7")
    forged = {"X-Forwarded-For": "203.0.113.9"}
    assert mallory.submit_survey(SURVEY, forged) == 302
    forged = {"X-Forwarded-For": "203.0.113.10"}
    assert mallory.submit_survey(SURVEY + "?moi=1", forged) == 429
    # Straight to gunicorn, around nginx: the address is not a trusted proxy, so
    # its X-Forwarded-For is not believed either.
    direct = deploy.Browser(served.ports["app"], "127.0.0.8", tls=False)
    https = {"X-Forwarded-Proto": "https"}
    assert direct.submit_survey(SURVEY, {**https, "X-Forwarded-For": "1.1.1.1"}) == 302
    again = {**https, "X-Forwarded-For": "1.1.1.2"}
    assert direct.submit_survey(SURVEY + "?moi=1", again) == 429
    assert Response.objects.count() == 2


def test_an_upload_over_the_size_limit_is_refused_by_nginx(served):
    browser = deploy.Browser(served.ports["https"], "127.0.0.5")
    body = b"x" * (11 * 1024 * 1024)
    response, _ = browser.request(
        "POST", "/admin/login/", body, {"Content-Type": "application/octet-stream"}
    )
    assert response.status == 413


def test_the_recipe_lists_the_services_and_the_environment():
    root = settings.BASE_DIR / "deploy"
    units = {p.name for p in (root / "systemd").iterdir()}
    assert {
        "sipas-web.service",
        "sipas-worker@.service",
        "sipas-beat.service",
        "sipas-backup.service",
        "sipas-backup.timer",
    } <= units
    documented = _variables(settings.BASE_DIR / ".env.example")
    assert _variables(root / "sipas.env.example") <= documented
    assert os.access(root / "backup.sh", os.X_OK)


def _variables(path) -> set[str]:
    return {
        line.split("=", 1)[0].strip()
        for line in path.read_text().splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }


def test_metrics_open_only_to_the_monitor_behind_nginx(served):
    # METRICS_ALLOWED_IPS=127.0.0.9 in this stack.
    monitor = deploy.Browser(served.ports["https"], "127.0.0.9")
    response, body = monitor.request("GET", "/metrics")
    assert response.status == 200
    assert b"sipas_http_request_duration_seconds" in body
    stranger = deploy.Browser(served.ports["https"], "127.0.0.5")
    forged = {"X-Forwarded-For": "127.0.0.9"}
    assert stranger.request("GET", "/metrics", headers=forged)[0].status == 404
