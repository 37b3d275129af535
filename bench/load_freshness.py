"""Freshness of the load benchmark (bench/load.py): how long until a submission is
in the official indices and in the breakdowns, the worker's task times and the
web processes' sampling profile.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from load_procs import (
    OUT_DIR,
    ROOT,
    VENV_BIN,
    log,
    read_stats,
    run_locust,
)


def _wait_for_engine(env: dict[str, str], timeout: float = 120) -> float:
    """Seconds until the worker has counted every new response."""
    started = time.monotonic()
    code = (
        "import sys; sys.path.insert(0, '.'); import django; django.setup();"
        "from surveys.models import Response as R;"
        "print(R.objects.filter(counted=False, flagged=False).count())"
    )
    while time.monotonic() - started < timeout:
        left = (
            subprocess.run(
                [sys.executable, "-c", code],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        if left == "0":
            break
        time.sleep(2)
    return round(time.monotonic() - started, 1)


class FreshnessProbe(threading.Thread):
    """Watches new responses until they are in the official indices and in the
    breakdowns.

    A response is in the official indices once `counted` is set: the sweep sets it
    in the transaction that adds its counts and rewrites the index rows. It is in
    the breakdowns once it has also left the breakdown queue (PendingBreakdown),
    which the breakdown sweep empties in the transaction that rewrites them. Each
    poll reads the state as of its start, so a time noted is at most one interval
    plus one poll late, never early.
    """

    INTERVAL = 0.25
    LATE_COMMIT_MARGIN = 30  # a response may commit this long after submitted_at
    SQL = """
        SELECT r.id, EXTRACT(EPOCH FROM r.submitted_at)::float8, r.counted,
               r.counted AND NOT EXISTS (
                   SELECT 1 FROM reports_pendingbreakdown p WHERE p.response_id = r.id
               )
        FROM surveys_response r
        WHERE r.submitted_at >= to_timestamp(%s) AND NOT r.flagged
    """

    def __init__(self, db_url: str, since: float) -> None:
        super().__init__(daemon=True)
        self.db_url = db_url
        self.since = since
        self.submitted: dict[int, float] = {}
        self.official: dict[int, float] = {}
        self.breakdowns: dict[int, float] = {}
        self.polls = 0
        self.poll_seconds = 0.0
        self.error: Exception | None = None
        self._halt = threading.Event()

    def run(self) -> None:
        import psycopg2

        try:
            conn = psycopg2.connect(self.db_url)
            conn.autocommit = True
            with conn.cursor() as cursor:
                while not self._halt.is_set():
                    self._poll(cursor)
                    self._halt.wait(self.INTERVAL)
            conn.close()
        except Exception as exc:  # reported, not raised in a thread
            self.error = exc

    def _poll(self, cursor) -> None:
        started = time.time()
        cursor.execute(self.SQL, (self.since,))
        for pk, submitted, counted, in_breakdowns in cursor.fetchall():
            at = self.submitted.setdefault(pk, submitted)
            if counted and pk not in self.official:
                self.official[pk] = started - at
            if in_breakdowns and pk not in self.breakdowns:
                self.breakdowns[pk] = started - at
        waiting = [t for pk, t in self.submitted.items() if pk not in self.breakdowns]
        if waiting:
            self.since = max(self.since, min(waiting) - self.LATE_COMMIT_MARGIN)
        self.polls += 1
        self.poll_seconds += time.time() - started

    def done(self) -> bool:
        return bool(self.submitted) and len(self.breakdowns) == len(self.submitted)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=10)

    def summary(self) -> dict:
        def spread(seconds: list[float]) -> dict:
            if not seconds:
                return {"count": 0}
            ordered = sorted(seconds)

            def rank(q: int) -> float:
                return round(ordered[max(0, -(-len(ordered) * q // 100) - 1)], 2)

            return {
                "count": len(ordered),
                "p50_s": rank(50),
                "p95_s": rank(95),
                "max_s": round(ordered[-1], 2),
            }

        return {
            "responses": len(self.submitted),
            "official": spread(list(self.official.values())),
            "breakdowns": spread(list(self.breakdowns.values())),
            "not_in_official": len(self.submitted) - len(self.official),
            "not_in_breakdowns": len(self.submitted) - len(self.breakdowns),
            "poll_interval_s": self.INTERVAL,
            "poll_mean_ms": round(1000 * self.poll_seconds / max(1, self.polls), 1),
            "error": repr(self.error) if self.error else None,
        }


TASK_DONE = re.compile(
    r"Task ([\w.]+)\[[^\]]+\] succeeded in ([\d.]+)s(?:: (\d+)$)?", re.M
)


def task_times(logfile: Path) -> dict[str, dict]:
    """Per task name: how many ran, their mean and longest run time, and for the
    sweeps (which return how many responses they counted) the mean batch."""
    times: dict[str, list[float]] = {}
    counted: dict[str, list[int]] = {}
    for match in TASK_DONE.finditer(logfile.read_text(errors="replace")):
        name = match[1].rsplit(".", 1)[-1]
        times.setdefault(name, []).append(float(match[2]))
        if match[3] is not None and name.startswith("sweep_"):
            counted.setdefault(name, []).append(int(match[3]))
    return {
        name: {
            "runs": len(seconds),
            "mean_s": round(sum(seconds) / len(seconds), 2),
            "max_s": round(max(seconds), 2),
            "mean_batch": round(sum(counted[name]) / len(counted[name]), 1)
            if counted.get(name)
            else None,
        }
        for name, seconds in times.items()
    }


def _queues_empty(db_url: str) -> bool:
    import psycopg2

    conn = psycopg2.connect(db_url)
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT (SELECT count(*) FROM surveys_response "
                "WHERE NOT counted AND NOT flagged) + "
                "(SELECT count(*) FROM reports_pendingbreakdown)"
            )
            return cursor.fetchone()[0] == 0
    finally:
        conn.close()


def freshness_phase(
    locust_env: dict[str, str], host: str, db_url: str, users: int
) -> dict:
    """Citizens at a steady rate; how long until their responses are counted."""
    rate = float(os.environ.get("LOAD_STEADY_RATE", "50"))
    seconds = int(os.environ.get("STEADY_SECONDS", "60"))
    timeout = float(os.environ.get("FRESHNESS_TIMEOUT", "300"))
    deadline = time.monotonic() + timeout
    while not _queues_empty(db_url) and time.monotonic() < deadline:
        time.sleep(1)  # start from empty queues: earlier phases' backlog drained
    log(f"phase freshness: {users} citizens at {rate:g} submissions/s, {seconds} s")
    probe = FreshnessProbe(db_url, time.time())
    probe.start()
    run_locust(
        {**locust_env, "LOAD_STEADY_PER_USER": str(rate / users)},
        host,
        ["SteadyCitizen"],
        users,
        seconds,
        OUT_DIR / "load-steady",
    )
    deadline = time.monotonic() + timeout
    while not probe.done() and time.monotonic() < deadline and probe.is_alive():
        time.sleep(1)
    probe.stop()
    steady = read_stats(OUT_DIR / "load-steady")
    return {
        "target_rate": rate,
        "seconds": seconds,
        "submit": steady.get("citizen: submit", {}),
        **probe.summary(),
    }


def start_profiler(gunicorn: subprocess.Popen, seconds: int) -> subprocess.Popen | None:
    """py-spy sampling every gunicorn process for `seconds` (LOAD_PROFILE=1)."""
    spy = VENV_BIN / "py-spy"
    if not spy.exists():
        log("LOAD_PROFILE: py-spy is not installed (requirements-dev.txt)")
        return None
    return subprocess.Popen(
        [
            str(spy), "record", "--pid", str(gunicorn.pid), "--subprocesses",
            "--duration", str(seconds), "--rate", "50", "--nonblocking",
            "--format", "raw", "--output", str(OUT_DIR / "load-profile.txt"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


def summarise_profile(path: Path, top: int = 30) -> list[tuple[str, float, float]]:
    """(function, share of samples inside it, share spent in it itself), from
    py-spy's collapsed stacks, the functions holding most samples first."""
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        samples = int(count)
        total += samples
        # "name (file:line)" → "name (file)": one entry per function.
        frames = [frame.rsplit(":", 1)[0] + ")" for frame in stack.split(";")[1:]]
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + samples
        if frames:
            own[frames[-1]] = own.get(frames[-1], 0) + samples
    ranked = sorted(inclusive.items(), key=lambda item: -item[1])[:top]
    return [
        (name, samples / total, own.get(name, 0) / total) for name, samples in ranked
    ]
