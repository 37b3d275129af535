"""/metrics for Prometheus: what it exports, and who may read it; JSON logs."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client

from reports.tasks import sweep_dirty_task
from sipas.metrics import JsonFormatter
from surveys.models import Response
from tests.surveys.conftest import filled_form

MONITOR = "198.51.100.40"


@pytest.fixture
def monitor(settings) -> Client:
    settings.METRICS_ALLOWED_IPS = [MONITOR, "10.1.0.0/16"]
    return Client(REMOTE_ADDR=MONITOR)


def _value(body: str, name: str) -> float:
    for line in body.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not exported")


def test_the_monitor_reads_latency_queues_uncounted_responses_and_the_last_sweep(
    monitor, citizen, counter, settings
):
    settings.SURVEY_MIN_FILL_SECONDS = 0
    url = f"/s/{counter.code}/"
    for _ in range(2):
        citizen.post(url, filled_form(citizen, url + "?moi=1"))
    # Tasks run in-process here unless a broker is configured: make them wait.
    Response.objects.update(counted=False)
    body = monitor.get("/metrics").content.decode()
    assert (
        'sipas_http_request_duration_seconds_count{method="POST",route="s/<str:code>/"'
        in body
    )
    assert _value(body, "sipas_uncounted_responses") == 2
    if settings.CELERY_BROKER_URL.startswith("redis"):
        for queue in ("engine", "reports", "mail"):
            assert f'sipas_celery_queue_length{{queue="{queue}"}}' in body
    sweep_dirty_task.apply()
    body = monitor.get("/metrics").content.decode()
    assert _value(body, "sipas_uncounted_responses") == 0
    assert _value(body, "sipas_last_sweep_timestamp_seconds") > 1.7e9


def test_other_addresses_get_a_404_whatever_they_forward(monitor, settings, db):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    assert Client(REMOTE_ADDR="203.0.113.5").get("/metrics").status_code == 404
    forged = Client(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR=MONITOR)
    assert forged.get("/metrics").status_code == 404
    behind_proxy = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.2.3")
    assert behind_proxy.get("/metrics").status_code == 200


def test_json_logs_are_one_object_a_line():
    record = logging.LogRecord(
        "sipas", logging.WARNING, __file__, 1, "Sở %s", ("Nội vụ",), None
    )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "WARNING"
    assert entry["message"] == "Sở Nội vụ"
    assert entry["logger"] == "sipas"


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("LOG_FORMAT", "xml", "LOG_FORMAT must be text or json"),
        ("METRICS_ALLOWED_IPS", "monitor.example", "METRICS_ALLOWED_IPS"),
        ("TRUSTED_PROXIES", "nginx", "TRUSTED_PROXIES"),
    ],
)
def test_a_malformed_operations_setting_stops_the_start(name, value, message):
    env = {**os.environ, name: value, "SECRET_KEY": "x" * 50}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert message in result.stderr


def test_json_logging_is_one_setting_away():
    env = {**os.environ, "LOG_FORMAT": "json", "SECRET_KEY": "x" * 50}
    code = (
        "import logging, django; django.setup(); "
        "logging.getLogger('sipas').warning('xin chào')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "sipas.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    line = result.stderr.strip().splitlines()[-1]
    assert json.loads(line)["message"] == "xin chào"
