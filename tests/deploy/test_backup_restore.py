"""The backup and restore drill: deploy/backup.sh dumps the database with pg_dump,
pg_restore loads the dump into a fresh database, and the restored portal exports
the very same indices and holds the same responses.

Marked `deploy`; PostgreSQL only (the backup is a pg_dump).
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import zoneinfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from reports.engine.recompute import recompute_period
from reports.engine.sweep import sweep_dirty
from surveys.models import Answer, Response
from tests.reliability.engine import store_random_responses

pytestmark = [pytest.mark.deploy, pytest.mark.django_db(transaction=True)]

VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
BACKUP = settings.BASE_DIR / "deploy" / "backup.sh"


def _url(name: str) -> str:
    db = settings.DATABASES["default"]
    return (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:"
        f"{db['PORT'] or 5432}/{name}"
    )


def _psql(url: str, sql: str) -> str:
    done = subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-tAc", sql],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def _export(tmp_path, database_url: str, name: str) -> list[dict]:
    """`manage.py export_indices --period 2026` run against another database."""
    target = tmp_path / f"{name}.json"
    env = {**os.environ, "DATABASE_URL": database_url, "DATABASE_REPLICA_URL": ""}
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "export_indices",
            str(target),
            "--period",
            "2026",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return _rows(target)


def _rows(path) -> list[dict]:
    data = json.loads(path.read_text())
    rows = data["results"] if isinstance(data, dict) else data
    return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True))


def test_a_nightly_dump_restores_to_the_same_indices_and_responses(
    tmp_path, centre, exit_version
):
    if connection.vendor != "postgresql":
        pytest.skip("the backup is a pg_dump: PostgreSQL only")
    at = datetime.datetime(2026, 7, 3, 9, 30, tzinfo=VN)
    store_random_responses(exit_version, centre.pk, 300, at=at)
    sweep_dirty()
    recompute_period("2026")
    original = tmp_path / "original.json"
    call_command("export_indices", str(original), period="2026")
    expected = _rows(original)
    assert expected, "the drill needs indices to compare"

    source = _url(settings.DATABASES["default"]["NAME"])
    backups = tmp_path / "backups"
    env = {**os.environ, "DATABASE_URL": source, "BACKUP_DIR": str(backups)}
    subprocess.run([str(BACKUP)], env=env, check=True, capture_output=True)
    dumps = sorted(backups.glob("sipas-*.dump"))
    assert len(dumps) == 1 and not list(backups.glob(".*partial"))

    restored_name = settings.DATABASES["default"]["NAME"] + "_restored"
    admin = _url("postgres")
    _psql(admin, f'DROP DATABASE IF EXISTS "{restored_name}"')
    _psql(admin, f'CREATE DATABASE "{restored_name}"')
    try:
        restored = _url(restored_name)
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", "-d", restored, dumps[0]],
            check=True,
            capture_output=True,
        )
        assert _export(tmp_path, restored, "restored") == expected
        counts = _psql(
            restored,
            "SELECT (SELECT count(*) FROM surveys_response) || ' ' || "
            "(SELECT count(*) FROM surveys_answer)",
        )
        assert counts == f"{Response.objects.count()} {Answer.objects.count()}"
    finally:
        _psql(admin, f'DROP DATABASE IF EXISTS "{restored_name}"')
