"""Processes and databases of the load benchmark (bench/load.py): its own
database, gunicorn, the Celery worker and locust, all on loopback.
"""

from __future__ import annotations

import csv
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SCENARIO = ROOT / "bench" / "scenarios" / "citizens_and_staff.py"
OUT_DIR = ROOT / "var" / "bench"
PROVINCE = os.environ.get("LOAD_PROVINCE", "33")
STAFF_USER, STAFF_PASSWORD = "bench.analyst", "Tải-thử-nghiệm-2026-" + "x" * 8


def log(message: str) -> None:
    print(f"[load] {message}", flush=True)


# --- database ----------------------------------------------------------------------


def load_database_url(base_url: str) -> tuple[str, str]:
    """The URL of the benchmark's own database and its name."""
    parsed = urlparse(base_url)
    name = (parsed.path.lstrip("/") or "sipas") + "_load"
    return urlunparse(parsed._replace(path="/" + name)), name


def recreate_database(base_url: str, name: str, *, drop_only: bool = False) -> None:
    import psycopg2

    parsed = urlparse(base_url)
    conn = psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password or None,
        dbname="postgres",
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


# --- where the machine's time goes -------------------------------------------------

# Processes by role, recognised by their command line; the benchmark's own
# reaped children (locust, one run per phase) are "locust".
ROLES = {
    "web": "gunicorn",
    "worker": "celery",
    "postgresql": "postgres",
    "redis": "redis-server",
}


def cpu_by_role() -> dict[str, float]:
    """CPU seconds (user + system) used so far by each role's processes and their
    reaped children (so a PostgreSQL backend that has exited still counts, in its
    postmaster). Deltas over a phase say where the machine's time went; the
    machine must be otherwise quiet (other databases' backends count too)."""
    tick = os.sysconf("SC_CLK_TCK")
    totals = dict.fromkeys([*ROLES, "locust"], 0.0)
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        # utime, stime, cutime, cstime: fields 14 to 17 of proc(5)
        used = sum(int(value) for value in fields[11:15]) / tick
        if int(pid) == os.getpid():
            totals["locust"] += sum(int(value) for value in fields[13:15]) / tick
            continue
        for role, mark in ROLES.items():
            if mark in command:
                totals[role] += used
                break
    return totals


def cpu_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {role: round(after[role] - before[role], 2) for role in before}


# --- processes ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env=env, check=True, **kwargs)


def manage(env: dict[str, str], *args: str) -> None:
    run([sys.executable, "manage.py", *args], env, stdout=subprocess.DEVNULL)


def start(args: list[str], env: dict[str, str], logfile: Path) -> subprocess.Popen:
    handle = open(logfile, "w")  # noqa: SIM115 - lives as long as the process
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_until_healthy(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return
        except Exception:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer 200 within {timeout:.0f} s")


def run_locust(
    env: dict[str, str],
    host: str,
    users: list[str],
    count: int,
    seconds: int,
    prefix: Path,
) -> None:
    spawn_rate = max(1, count // 5)  # all users within ~5 s
    with open(f"{prefix}.log", "w") as log_file:
        _locust(users, count, seconds, prefix, host, spawn_rate, env, log_file)


def _locust(users, count, seconds, prefix, host, spawn_rate, env, log_file) -> None:
    run(
        [
            str(VENV_BIN / "locust"),
            "-f",
            str(SCENARIO),
            *users,
            "--headless",
            "--host",
            host,
            "-u",
            str(count),
            "-r",
            str(spawn_rate),
            "-t",
            f"{seconds}s",
            "--stop-timeout",
            "90",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--exit-code-on-error",
            "0",
        ],
        env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )


def _ms(cell: str) -> float:
    """A latency percentile; locust writes N/A for a type with no requests."""
    return float(cell) if cell not in ("", "N/A") else 0.0


def read_stats(prefix: Path) -> dict[str, dict]:
    """Per request name: count, failures, req/s and latency percentiles (ms)."""
    stats = {}
    with open(f"{prefix}_stats.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            stats[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": round(float(row["Requests/s"]), 1),
                "p50_ms": _ms(row["50%"]),
                "p95_ms": _ms(row["95%"]),
                "p99_ms": _ms(row["99%"]),
            }
    return stats
