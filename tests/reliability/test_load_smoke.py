"""A short version of the load benchmark (bench/load.py), run in `make test`.

10 simulated citizens for 5 s against the live test server, through the same
locust scenario as the benchmark; then every acknowledged submission must be
stored exactly once. No timing is asserted: speed is bench/'s business.

On SQLite the test database lives in memory with a shared cache, where two
concurrent writers fail at once ("database table is locked", which the portal
rightly answers with its 503 page): there one citizen at a time is simulated. The
CI run (PostgreSQL) has all ten.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core import signing
from django.db import connection
from django.db.models import Count

from surveys.abuse import TOKEN_SALT
from surveys.models import Response

LOCUST = Path(sys.executable).parent / "locust"
SCENARIO = Path(settings.BASE_DIR) / "bench" / "scenarios" / "citizens_and_staff.py"


@pytest.mark.load
@pytest.mark.django_db(transaction=True)
def test_ten_citizens_for_five_seconds_lose_nothing_and_store_nothing_twice(
    live_server, counter, tmp_path, settings
):
    if not LOCUST.exists():
        pytest.skip("locust is not installed (requirements-dev.txt)")
    settings.SURVEY_MIN_FILL_SECONDS = 0
    settings.SURVEY_RATE_LIMIT = 10**9  # every simulated citizen is 127.0.0.1
    settings.SURVEY_TOKEN_ISSUE_LIMIT = 10**9
    # The live server speaks plain HTTP: cookies marked Secure would not come back.
    settings.CSRF_COOKIE_SECURE = settings.SESSION_COOKIE_SECURE = False
    users = "10" if connection.vendor == "postgresql" else "1"
    acks = tmp_path / "acks.jsonl"
    env = {
        **os.environ,
        "LOAD_SURVEY_CODES": counter.code,
        "LOAD_ACK_FILE": str(acks),
        "LOAD_RESUBMIT_SHARE": "0.3",
    }
    run = subprocess.run(
        [
            str(LOCUST), "-f", str(SCENARIO), "Citizen", "--headless",
            "--host", live_server.url, "-u", users, "-r", users, "-t", "5s",
            "--stop-timeout", "60", "--csv", str(tmp_path / "smoke"),
            "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
        ],
        env=env,
        cwd=settings.BASE_DIR,
        check=True,
        capture_output=True,
        timeout=180,
    )  # fmt: skip
    posts = [json.loads(line) for line in acks.read_text().splitlines()]
    assert posts, run.stdout[-2000:] + run.stderr[-2000:]
    assert [p["status"] for p in posts if not p["acked"]] == []
    acked = {
        signing.loads(p["token"], salt=TOKEN_SALT)["k"] for p in posts if p["acked"]
    }
    stored = dict(
        Response.objects.values("idempotency_key")
        .annotate(n=Count("id"))
        .values_list("idempotency_key", "n")
    )
    assert acked, "some submissions were acknowledged"
    assert acked <= set(stored), "every acknowledged submission is stored"
    assert set(stored.values()) == {1}, "nothing is stored twice"
    # With --stop-timeout every started request finishes: nothing unacknowledged.
    assert set(stored) == acked
