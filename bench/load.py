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
   capacity and yardstick alternate LOAD_ROUNDS=2 times, and the ratio is that of
   their mean rates (each round's is printed too);
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

import datetime
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

from load_freshness import (
    _wait_for_engine,
    freshness_phase,
    start_profiler,
    summarise_profile,
    task_times,
)
from load_procs import (
    OUT_DIR,
    PROVINCE,
    ROOT,
    STAFF_PASSWORD,
    STAFF_USER,
    VENV_BIN,
    cpu_by_role,
    cpu_delta,
    free_port,
    load_database_url,
    log,
    manage,
    read_stats,
    recreate_database,
    run,
    run_locust,
    start,
    stop,
    wait_until_healthy,
)

STEPS = Path(__file__).resolve().parent / "load_steps.py"


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
                [sys.executable, str(STEPS), "_prepare"],
                env,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        workers = os.environ.get("LOAD_GUNICORN_WORKERS", "3")
        threads = os.environ.get("LOAD_GUNICORN_THREADS", "2")
        log(f"gunicorn ({workers} workers × {threads} threads) on {host}, a worker")
        gunicorn = start(
            [
                str(VENV_BIN / "gunicorn"),
                "sipas.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                workers,
                "--threads",
                threads,
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
                # two processes, as README's production recipe: an official sweep
                # runs beside a breakdown sweep instead of queueing behind it
                "--concurrency",
                os.environ.get("LOAD_WORKER_CONCURRENCY", "2"),
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
        # Capacity and yardstick alternate LOAD_ROUNDS times: on a shared machine
        # whose speed drifts, one window of each compared poorly.
        rounds = max(int(os.environ.get("LOAD_ROUNDS", "2")), 1)
        cpu_capacity = cpu_bare = {}
        profiler = None
        for number in range(1, rounds + 1):
            log(
                f"phase capacity {number}/{rounds}: {users} citizens flat out, "
                f"{capacity_seconds} s"
            )
            if number == 1 and os.environ.get("LOAD_PROFILE"):
                profiler = start_profiler(gunicorn, capacity_seconds)
            cpu_before = cpu_by_role()
            run_locust(
                locust_env,
                host,
                ["FlatOutCitizen"],
                users,
                capacity_seconds,
                OUT_DIR / f"load-capacity-{number}",
            )
            cpu_capacity = _add(cpu_capacity, cpu_delta(cpu_before, cpu_by_role()))
            if profiler is not None:
                profiler.wait(timeout=120)
                profile = summarise_profile(OUT_DIR / "load-profile.txt")
                for name, inside, own in profile:
                    print(
                        f"  profile {100 * inside:5.1f} % ({100 * own:4.1f} % own) "
                        f"{name}"
                    )
                profiler = None
            log(
                f"phase yardstick {number}/{rounds}: {users} users on the bare "
                f"insert, {capacity_seconds} s"
            )
            cpu_before = cpu_by_role()
            run_locust(
                locust_env,
                host,
                ["BareInsert"],
                users,
                capacity_seconds,
                OUT_DIR / f"load-bare-{number}",
            )
            cpu_bare = _add(cpu_bare, cpu_delta(cpu_before, cpu_by_role()))
        engine_seconds = _wait_for_engine(env)
        freshness = freshness_phase(locust_env, host, db_url, users)
        check = json.loads(
            run(
                [sys.executable, str(STEPS), "_verify", str(ack_file), started],
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
    capacity_rounds = [
        read_stats(OUT_DIR / f"load-capacity-{n}") for n in range(1, rounds + 1)
    ]
    bare_rounds = [read_stats(OUT_DIR / f"load-bare-{n}") for n in range(1, rounds + 1)]
    result = {
        "users": users,
        "seconds": seconds,
        "capacity_seconds": capacity_seconds,
        "mixed": mixed,
        "capacity": _merge(capacity_rounds),
        "bare": _merge(bare_rounds),
        "rounds": [
            {
                "submissions_per_s": c.get("citizen: submit", {}).get("rps", 0),
                "bare_per_s": b.get("bare insert", {}).get("rps", 0),
            }
            for c, b in zip(capacity_rounds, bare_rounds, strict=True)
        ],
        "cpu_seconds": {"capacity": cpu_capacity, "bare": cpu_bare},
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


def _add(total: dict[str, float], more: dict[str, float]) -> dict[str, float]:
    return {role: round(total.get(role, 0) + used, 2) for role, used in more.items()}


def _merge(rounds: list[dict[str, dict]]) -> dict[str, dict]:
    """Locust's stats of equally long rounds as one: counts added, the rate their
    mean, each latency percentile the worst round's."""
    merged: dict[str, dict] = {}
    for stats in rounds:
        for name, row in stats.items():
            into = merged.setdefault(name, dict.fromkeys(row, 0))
            for field, value in row.items():
                if field in ("requests", "failures", "rps"):
                    into[field] += value
                else:
                    into[field] = max(into[field], value)
    for row in merged.values():
        row["rps"] = round(row["rps"] / len(rounds), 1)
    return merged


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
    rounds = result["rounds"]
    print(
        f"capacity, {len(rounds)} × {result['capacity_seconds']} s flat out, "
        "alternating with the yardstick, same servers:"
    )
    for number, row in enumerate(rounds, 1):
        ratio = row["submissions_per_s"] / row["bare_per_s"] if row["bare_per_s"] else 0
        print(
            f"  round {number}: submissions {row['submissions_per_s']:.1f}/s vs bare "
            f"{row['bare_per_s']:.1f}/s ({100 * ratio:.0f} %)"
        )
    for name, row in list(result["capacity"].items()) + list(result["bare"].items()):
        if name != "Aggregated":
            print(line(name, row))
    submit = result["capacity"].get("citizen: submit", {}).get("rps", 0)
    bare_rps = result["bare"].get("bare insert", {}).get("rps", 0)
    if bare_rps:
        print(
            f"  submissions {submit:.1f}/s vs bare one-row inserts {bare_rps:.1f}/s "
            f"({100 * submit / bare_rps:.0f} %), all rounds"
        )
    counts = {
        "capacity": result["capacity"].get("Aggregated", {}).get("requests", 0),
        "bare": result["bare"].get("Aggregated", {}).get("requests", 0),
    }
    for phase, used in result["cpu_seconds"].items():
        per = {role: 1000 * s / max(counts[phase], 1) for role, s in used.items()}
        print(
            f"  CPU ms per request, {phase}: "
            + ", ".join(f"{role} {ms:.2f}" for role, ms in per.items())
            + f"; all {sum(per.values()):.2f}"
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
            + (f", {row['mean_batch']:g} responses each" if row["mean_batch"] else "")
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
    sys.exit(main())
