"""Load benchmark: 100 citizens and staff on gunicorn + PostgreSQL + Redis + Celery.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sipas \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/7 .venv/bin/python bench/load.py

What it does, all on loopback:
1. creates its own database `<name of DATABASE_URL>_load` (dropped and made anew),
   migrates it, loads one province's reference data, seeds demo responses and
   computes their indices, adds a staff user and the bare-insert table;
2. starts gunicorn (the portal, plus the benchmark-only `/__bench__/insert` from
   bench/bare_urls.py) and a Celery worker;
3. runs three locust phases headless against the same servers:
   - mixed (LOAD_USERS=100 users, LOAD_SECONDS=60 s): 90 % citizens opening and
     submitting surveys with think time, 10 % of them sending the same form twice,
     10 % staff signed in and browsing dashboards;
   - capacity (CAPACITY_SECONDS=20 s): the same users submitting surveys flat out;
   - yardstick (CAPACITY_SECONDS): the same users calling the bare insert flat out;
4. waits for the worker to bring the indices up to date, then runs the freshness
   phase (STEADY_SECONDS=60 s): LOAD_USERS citizens submitting at a steady
   LOAD_STEADY_RATE=50 forms per second in all, while a probe polls the database
   every 0.25 s and notes, for each new response, when it is counted into the
   official indices and when into the breakdowns (p50 / p95 / max seconds after
   it was stored); the probe keeps watching after the phase until every response
   is in both or FRESHNESS_TIMEOUT=300 s have passed;
5. checks that every acknowledged submission is stored exactly once and that no
   response was stored that was not acknowledged (apart from requests cut off at
   the end of a phase);
6. prints throughput, p50/p95/p99 and errors per request type and the freshness,
   writes var/bench/load.json, stops the servers and drops its database.

Without DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis) it says so and
exits 0: the benchmark is about the production stack, not the embedded one.
"""

from __future__ import annotations

import csv
import datetime
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
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


def read_stats(prefix: Path) -> dict[str, dict]:
    """Per request name: count, failures, req/s and latency percentiles (ms)."""
    stats = {}
    with open(f"{prefix}_stats.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            stats[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": round(float(row["Requests/s"]), 1),
                "p50_ms": float(row["50%"] or 0),
                "p95_ms": float(row["95%"] or 0),
                "p99_ms": float(row["99%"] or 0),
            }
    return stats


# --- steps that need Django (run in a subprocess against the load database) --------


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _prepare() -> None:
    """Staff user, bare table; print the place codes and dashboard URLs as JSON."""
    _django()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from agencies.models import Agency, ServicePoint
    from bench.bare_urls import BARE_TABLE
    from staff.models import StaffProfile

    user = get_user_model().objects.create_user(STAFF_USER, password=STAFF_PASSWORD)
    StaffProfile.objects.create(
        user=user, role=StaffProfile.Role.PROVINCIAL_ANALYST, province_code=PROVINCE
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {BARE_TABLE} (id bigserial PRIMARY KEY, "
            "payload text NOT NULL, at timestamptz NOT NULL DEFAULT now())"
        )
    points = list(
        ServicePoint.objects.filter(questionnaire_code="exit-dv")
        .order_by("code")
        .values_list("code", flat=True)[:40]
    )
    root = Agency.objects.filter(code=f"UBND-T{PROVINCE}").first()
    dashboards = ["/dashboard/", "/dashboard/ranking/", "/dashboard/comments/"]
    if root is not None:
        dashboards.append(f"/dashboard/agency/{root.code}/")
    print(json.dumps({"codes": points, "dashboards": dashboards}))


def _verify(ack_file: str, started: str) -> None:
    """Check acknowledged submissions against the database; print JSON."""
    _django()
    from django.core import signing
    from django.db import connection
    from django.db.models import Count

    from bench.bare_urls import BARE_TABLE
    from surveys.abuse import TOKEN_SALT
    from surveys.models import Response

    acked: dict[str, int] = {}
    refused: dict[int, int] = {}
    with open(ack_file, encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if not record["acked"]:
                refused[record["status"]] = refused.get(record["status"], 0) + 1
                continue
            key = signing.loads(record["token"], salt=TOKEN_SALT)["k"]
            acked[key] = acked.get(key, 0) + 1
    new = Response.objects.filter(submitted_at__gte=started)
    stored = dict(
        new.values("idempotency_key")
        .annotate(n=Count("id"))
        .values_list("idempotency_key", "n")
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {BARE_TABLE}")
        bare_rows = cursor.fetchone()[0]
    print(
        json.dumps(
            {
                "acknowledged_posts": sum(acked.values()),
                "refused_posts_by_status": refused,
                "acknowledged_keys": len(acked),
                "repeated_posts": sum(n - 1 for n in acked.values()),
                "stored_responses": sum(stored.values()),
                "acked_not_stored": sum(1 for k in acked if k not in stored),
                "stored_more_than_once": sum(1 for n in stored.values() if n > 1),
                "stored_not_acked": sum(1 for k in stored if k not in acked),
                "uncounted_responses_left": Response.objects.filter(
                    counted=False, flagged=False
                ).count(),
                "bare_rows": bare_rows,
            }
        )
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


TASK_DONE = re.compile(r"Task ([\w.]+)\[[^\]]+\] succeeded in ([\d.]+)s")


def task_times(logfile: Path) -> dict[str, dict]:
    """Per task name: how many ran, their mean and longest run time (worker log)."""
    times: dict[str, list[float]] = {}
    for match in TASK_DONE.finditer(logfile.read_text(errors="replace")):
        times.setdefault(match[1].rsplit(".", 1)[-1], []).append(float(match[2]))
    return {
        name: {
            "runs": len(seconds),
            "mean_s": round(sum(seconds) / len(seconds), 2),
            "max_s": round(max(seconds), 2),
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


# --- the benchmark -----------------------------------------------------------------


def main() -> int:
    base_url = os.environ.get("DATABASE_URL", "")
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not base_url.startswith("postgres") or not broker.startswith("redis"):
        log("skipped: needs DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis)")
        return 0
    users = int(os.environ.get("LOAD_USERS", "100"))
    seconds = int(os.environ.get("LOAD_SECONDS", "60"))
    capacity_seconds = int(os.environ.get("CAPACITY_SECONDS", "20"))
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    db_url, db_name = load_database_url(base_url)
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "REDIS_URL": os.environ.get("REDIS_URL", broker),
        "CACHE_KEY_PREFIX": f"sipas-load-{secrets.token_hex(4)}",
        "DJANGO_SETTINGS_MODULE": "bench.bare_settings",
        "PYTHONPATH": str(ROOT),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        # Every simulated citizen comes from 127.0.0.1: lift the per-address limit,
        # and count forms as filled in normal time so they reach the indices.
        "SURVEY_RATE_LIMIT": "1000000000",
        "SURVEY_TOKEN_ISSUE_LIMIT": "1000000000",
        "SURVEY_MIN_FILL_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    ack_file = OUT_DIR / "load-acks.jsonl"
    ack_file.unlink(missing_ok=True)
    gunicorn = worker = None
    try:
        log(f"database {db_name}: create, migrate, load province {PROVINCE}, seed")
        recreate_database(base_url, db_name)
        manage(env, "migrate", "--noinput")
        manage(env, "load_reference_data", "--province", PROVINCE)
        manage(env, "seed_demo", "--responses", "3000", "--province", PROVINCE)
        # The dashboards read this year, quarter and month (Vietnam time).
        today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=7)))
        periods = [
            f"{today:%Y}",
            f"{today:%Y}-Q{(today.month - 1) // 3 + 1}",
            f"{today:%Y-%m}",
        ]
        computed = subprocess.run(
            [sys.executable, "manage.py", "compute_indices", "--sync", "--period",
             *periods],
            cwd=ROOT, env=env, capture_output=True, text=True,
        )  # fmt: skip
        if computed.returncode:
            # Not fatal for a load test: dashboards then show fewer figures.
            log("compute_indices failed: " + computed.stderr.strip()[-300:])
        prepared = json.loads(
            run(
                [sys.executable, __file__, "_prepare"],
                env,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        workers = os.environ.get("LOAD_GUNICORN_WORKERS", "3")
        log(f"gunicorn ({workers} workers × 2 threads) on {host}, one Celery worker")
        gunicorn = start(
            [
                str(VENV_BIN / "gunicorn"),
                "sipas.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                workers,
                "--threads",
                "2",
                "--worker-class",
                "gthread",
                # Longer than the citizens' think time: with gunicorn's default of
                # 2 s an idle kept-alive connection is closed just as the client
                # reuses it, which locust counts as a reset (a client artifact;
                # a reverse proxy in front of gunicorn holds the client side).
                "--keep-alive",
                "10",
                "--log-level",
                "warning",
            ],
            env,
            OUT_DIR / "load-gunicorn.log",
        )
        worker = start(
            [
                str(VENV_BIN / "celery"),
                "-A",
                "sipas",
                "worker",
                "--concurrency",
                "1",
                "-l",
                "info",  # each task's run time, summarised in the report
                "--without-gossip",
                "--without-mingle",
            ],
            env,
            OUT_DIR / "load-worker.log",
        )
        wait_until_healthy(f"{host}/healthz")
        started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        locust_env = {
            **env,
            "LOAD_SURVEY_CODES": ",".join(prepared["codes"]),
            "LOAD_DASHBOARD_URLS": ",".join(prepared["dashboards"]),
            "LOAD_STAFF": f"{STAFF_USER}:{STAFF_PASSWORD}",
            "LOAD_ACK_FILE": str(ack_file),
            "LOAD_BARE_URL": "/__bench__/insert",
        }
        log(f"phase mixed: {users} users, {seconds} s")
        run_locust(
            locust_env,
            host,
            ["Citizen", "Staff"],
            users,
            seconds,
            OUT_DIR / "load-mixed",
        )
        log(f"phase capacity: {users} citizens flat out, {capacity_seconds} s")
        profiler = None
        if os.environ.get("LOAD_PROFILE"):
            profiler = start_profiler(gunicorn, capacity_seconds)
        run_locust(
            locust_env,
            host,
            ["FlatOutCitizen"],
            users,
            capacity_seconds,
            OUT_DIR / "load-capacity",
        )
        if profiler is not None:
            profiler.wait(timeout=120)
            for name, inside, own in summarise_profile(OUT_DIR / "load-profile.txt"):
                print(
                    f"  profile {100 * inside:5.1f} % ({100 * own:4.1f} % own) {name}"
                )
        log(f"phase yardstick: {users} users on the bare insert, {capacity_seconds} s")
        run_locust(
            locust_env,
            host,
            ["BareInsert"],
            users,
            capacity_seconds,
            OUT_DIR / "load-bare",
        )
        engine_seconds = _wait_for_engine(env)
        freshness = freshness_phase(locust_env, host, db_url, users)
        check = json.loads(
            run(
                [sys.executable, __file__, "_verify", str(ack_file), started],
                env,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
    finally:
        stop(gunicorn)
        stop(worker)
    mixed = read_stats(OUT_DIR / "load-mixed")
    capacity = read_stats(OUT_DIR / "load-capacity")
    bare = read_stats(OUT_DIR / "load-bare")
    result = {
        "users": users,
        "seconds": seconds,
        "capacity_seconds": capacity_seconds,
        "mixed": mixed,
        "capacity": capacity,
        "bare": bare,
        "engine_caught_up_after_s": engine_seconds,
        "freshness": freshness,
        "worker_tasks": task_times(OUT_DIR / "load-worker.log"),
        "check": check,
    }
    (OUT_DIR / "load.json").write_text(json.dumps(result, indent=2))
    report(result)
    if "--keep-db" not in sys.argv:
        recreate_database(base_url, db_name, drop_only=True)
    ok = (
        check["acked_not_stored"] == 0
        and check["stored_more_than_once"] == 0
        and check["acknowledged_keys"] > 0
    )
    return 0 if ok else 1


def report(result: dict) -> None:
    def line(title: str, row: dict) -> str:
        return (
            f"  {title:<24} {row['requests']:>7} req {row['rps']:>7.1f}/s "
            f"p50 {row['p50_ms']:>6.0f} ms  p95 {row['p95_ms']:>6.0f} ms  "
            f"p99 {row['p99_ms']:>6.0f} ms  errors {row['failures']}"
        )

    print(f"\nload: {result['users']} users, mixed {result['seconds']} s")
    for name, row in result["mixed"].items():
        print(line(name, row))
    print(f"capacity, {result['capacity_seconds']} s flat out, same servers:")
    for name, row in list(result["capacity"].items()) + list(result["bare"].items()):
        if name != "Aggregated":
            print(line(name, row))
    submit = result["capacity"].get("citizen: submit", {}).get("rps", 0)
    bare_rps = result["bare"].get("bare insert", {}).get("rps", 0)
    if bare_rps:
        print(
            f"  submissions {submit:.1f}/s vs bare one-row inserts {bare_rps:.1f}/s "
            f"({100 * submit / bare_rps:.0f} %)"
        )
    fresh = result["freshness"]
    submit_row = fresh["submit"] or {"rps": 0, "p95_ms": 0, "failures": 0}
    print(
        f"freshness: {fresh['responses']} responses at {submit_row['rps']:.1f}/s "
        f"(target {fresh['target_rate']:g}/s, submit p95 {submit_row['p95_ms']:.0f} "
        f"ms, errors {submit_row['failures']}); seconds until counted:"
    )
    for part in ("official", "breakdowns"):
        row = fresh[part]
        if row["count"]:
            print(
                f"  {part:<11} p50 {row['p50_s']:>6.1f} s  p95 {row['p95_s']:>6.1f} s"
                f"  max {row['max_s']:>6.1f} s  ({row['count']} responses)"
            )
    print(
        f"  not counted at the end: official {fresh['not_in_official']}, "
        f"breakdowns {fresh['not_in_breakdowns']}; poll every "
        f"{fresh['poll_interval_s']} s, {fresh['poll_mean_ms']} ms each"
        + (f"; probe error {fresh['error']}" if fresh["error"] else "")
    )
    for name, row in sorted(result["worker_tasks"].items()):
        print(
            f"  worker: {name:<28} {row['runs']:>4} runs, mean {row['mean_s']:.2f} s, "
            f"longest {row['max_s']:.2f} s"
        )
    check = result["check"]
    print(
        f"check: {check['acknowledged_posts']} acknowledged POSTs "
        f"({check['repeated_posts']} repeats) → {check['acknowledged_keys']} keys; "
        f"stored {check['stored_responses']}; acked-not-stored "
        f"{check['acked_not_stored']}; stored twice {check['stored_more_than_once']}; "
        f"stored-not-acked {check['stored_not_acked']}; indices caught up after "
        f"{result['engine_caught_up_after_s']} s "
        f"(uncounted left {check['uncounted_responses_left']})"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_prepare":
        _prepare()
    elif len(sys.argv) > 1 and sys.argv[1] == "_verify":
        _verify(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main())
