"""A real PostgreSQL primary and streaming replica on loopback: dashboards read
from the replica, writes go to the primary, a staff member reads their own write,
and the replica's lag shows in /healthz and on the dashboards.

The clusters are made with initdb and `pg_basebackup -R` (PostgreSQL's own
binaries, run as the `postgres` OS user when the suite runs as root) in a
temporary directory, on free ports, and removed afterwards. The Django side runs
in tests/replica_scenario.py, a process of its own with DATABASE_URL and
DATABASE_REPLICA_URL pointing at them.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "tests" / "replica_scenario.py"

pytestmark = pytest.mark.replica


def _bindir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_basebackup"))
    if found:
        return str(Path(found[-1]).parent)
    initdb = shutil.which("initdb")
    return str(Path(initdb).parent) if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """The two PostgreSQL servers and the commands to drive them."""

    def __init__(self, bindir: str, base: Path) -> None:
        self.bindir = bindir
        self.base = base
        self.primary_port = _free_port()
        self.replica_port = _free_port()
        self.as_postgres = os.geteuid() == 0  # initdb refuses to run as root

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [f"{self.bindir}/{args[0]}", *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(
            command, check=check, capture_output=True, text=True, timeout=120
        )

    def start(self, name: str, port: int) -> None:
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.base} -c fsync=off "
            "-c shared_buffers=16MB -c max_connections=30"
        )
        self.run(
            "pg_ctl", "-D", str(self.base / name), "-o", options,
            "-l", str(self.base / f"{name}.log"), "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self, name: str) -> None:
        if (self.base / name / "postmaster.pid").exists():
            self.run(
                "pg_ctl", "-D", str(self.base / name), "-m", "immediate", "-w",
                "stop", check=False,
            )  # fmt: skip

    def sql(self, port: int, query: str, database: str = "postgres") -> str:
        return self.run(
            "psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
            "-d", database, "-tAXc", query,
        ).stdout.strip()  # fmt: skip

    def url(self, port: int) -> str:
        return f"postgres://postgres@127.0.0.1:{port}/sipas"


@pytest.fixture(scope="module")
def cluster():
    bindir = _bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_basebackup) not found")
    base = Path(tempfile.mkdtemp(prefix="sipas-replica-"))
    made = Cluster(bindir, base)
    if made.as_postgres:
        postgres = pwd.getpwnam("postgres")
        os.chown(base, postgres.pw_uid, postgres.pw_gid)
    try:
        made.run(
            "initdb", "-D", str(base / "primary"), "-U", "postgres",
            "--auth=trust", "-E", "UTF8", "--no-sync",
        )  # fmt: skip
        made.start("primary", made.primary_port)
        made.sql(made.primary_port, "CREATE DATABASE sipas")
        yield made
    finally:
        made.stop("replica")
        made.stop("primary")
        shutil.rmtree(base, ignore_errors=True)


def _django_env(cluster: Cluster, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="sipas.settings",
        DATABASE_URL=cluster.url(cluster.primary_port),
        SECRET_KEY="replica-test-" + "k" * 40,
        SECURE_SSL_REDIRECT="false",
        LOG_LEVEL="WARNING",
        **extra,
    )
    return env


def _step(env: dict[str, str], step: str, argument: dict | None = None) -> dict:
    done = subprocess.run(
        [sys.executable, str(SCENARIO), step, json.dumps(argument or {})],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _wait_for_replay(cluster: Cluster, lsn: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replayed = cluster.sql(cluster.replica_port, "SELECT pg_last_wal_replay_lsn()")
        high, _, low = replayed.partition("/")
        if replayed and (int(high, 16) << 32 | int(low, 16)) >= lsn:
            return
        time.sleep(0.2)
    raise AssertionError(f"the replica did not replay up to {lsn} in {timeout} s")


def test_dashboards_read_the_replica_writes_and_their_reader_use_the_primary(
    cluster,
):
    env = _django_env(cluster)
    migrated = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    made = _step(env, "setup")
    cluster.run(
        "pg_basebackup", "-h", "127.0.0.1", "-p", str(cluster.primary_port),
        "-U", "postgres", "-D", str(cluster.base / "replica"), "-R",
        "-X", "stream", "--checkpoint=fast", "--no-sync",
    )  # fmt: skip
    cluster.start("replica", cluster.replica_port)
    assert cluster.sql(cluster.replica_port, "SELECT pg_is_in_recovery()") == "t"
    _wait_for_replay(cluster, made["primary_lsn"])
    env = _django_env(
        cluster,
        DATABASE_REPLICA_URL=cluster.url(cluster.replica_port),
        REPLICA_LAG_WARNING_SECONDS="1",
        REPLICA_CHECK_SECONDS="0",
    )
    sessions = made["sessions"]

    # Caught up: a dashboard's reads are served by the replica alone.
    before = _step(env, "read", {"sessions": sessions})
    assert before["binh"]["status"] == 200
    assert before["binh"]["volume"] == "4321"
    assert before["binh"]["replica_read"] == [
        "reports_indexresult",
        "staff_transactionvolume",
    ]
    assert before["binh"]["primary_read"] == []
    assert before["binh"]["lag_notice"] is False
    assert before["health"]["replica"]["state"] == "ok"

    # The replica stops replaying: what the primary writes now, it does not have.
    cluster.sql(cluster.replica_port, "SELECT pg_wal_replay_pause()")
    time.sleep(1.5)  # older than the 1 s warning threshold once a write arrives
    during = _step(env, "write_and_read", {"sessions": sessions})
    assert during["post_status"] == 302
    assert during["write_on_primary"] is True
    assert during["writes_on_replica"] == 0
    # An, who wrote, reads the primary and sees the new figure.
    assert during["an_cookies"], "the write left no read-your-writes cookie"
    assert during["an"]["volume"] == "8765"
    assert during["an"]["primary_read"] == [
        "reports_indexresult",
        "staff_transactionvolume",
    ]
    assert during["an"]["replica_read"] == []
    assert during["an"]["lag_notice"] is False
    # Binh reads the lagging replica: the old figure, with the notice.
    assert during["binh"]["volume"] == "4321"
    assert during["binh"]["replica_read"]
    assert during["binh"]["primary_read"] == []
    assert during["binh"]["lag_notice"] is True
    assert during["health"]["status"] == "ok"
    assert during["health"]["replica"]["state"] == "lagging"
    assert during["health"]["replica"]["lag_seconds"] > 1

    # Replay resumes: both read the replica again and see the new figure; An's
    # cookie is dropped once the replica has passed An's write.
    cluster.sql(cluster.replica_port, "SELECT pg_wal_replay_resume()")
    (written_at,) = during["an_cookies"].values()
    _wait_for_replay(cluster, int(written_at))
    after = _step(env, "read", {"sessions": sessions, "cookies": during["an_cookies"]})
    for person in ("an", "binh"):
        assert after[person]["volume"] == "8765"
        assert after[person]["replica_read"]
        assert after[person]["primary_read"] == []
        assert after[person]["lag_notice"] is False
    assert after["an"]["sticky_cookie"] == ""
    assert after["health"]["replica"]["state"] == "ok"
    assert after["health"]["replica"]["warning_seconds"] == 1

    # The replica goes away: dashboards fall back to the primary, /healthz says so.
    cluster.stop("replica")
    lost = _step(env, "read", {"sessions": sessions})
    assert lost["binh"]["status"] == 200
    assert lost["binh"]["volume"] == "8765"
    assert lost["binh"]["primary_read"]
    assert lost["health"]["status"] == "ok"
    assert lost["health"]["replica"] == {"state": "unavailable"}
