"""Index-engine benchmark on PostgreSQL (see bench/README.md, "engine").

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sipas \
        .venv/bin/python bench/engine.py

Creates its own database `<name of DATABASE_URL>_bench` (dropped and made anew),
loads province 33's reference data and BENCH_RESPONSES (default 1,000,000) exit-dv
responses of 2026 with COPY, then measures, each as a ratio within the same run:

(a) full recompute of 2026's official indices (the year, its quarters and months,
    all agencies, both scopes, from the aggregates) against one raw SQL GROUP BY
    (agency, item, value) over the same answers — target <= 2x; the dashboards'
    breakdowns (the engine's other part) and (a') the repair, aggregates rebuilt
    from raw answers first, are measured against the same floor;
(b) the update after 1,000 new responses (the sweep: counts added to the
    official aggregates, their periods rewritten for the agencies concerned)
    against (a) — target <= 1/50, with the responses over ten agencies and spread
    over all; the breakdown sweep that follows, against the breakdowns' recompute;
(c) import_responses of a BENCH_IMPORT_ROWS (default 100,000) row sipas-csv file
    against PostgreSQL COPY of the same rows into the same tables (rolled back) —
    target >= 0.25x (speed); COPY into empty look-alike tables is reported too;
(d) peak memory (max RSS) of the processes running the recomputes — < 500 MB.

Without a PostgreSQL DATABASE_URL it says so and exits 0. BENCH_KEEP_DB=1 keeps
the database afterwards.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from engine_data import (
    YEAR,
    Fixture,
    copy_floor,
    copy_responses,
    log,
    random_response,
    write_import_file,
)

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "var" / "bench"


def bench_url(base_url: str, suffix: str = "_bench") -> tuple[str, str]:
    parsed = urlparse(base_url)
    name = (parsed.path.lstrip("/") or "sipas") + suffix
    return urlunparse(parsed._replace(path="/" + name)), name


def admin_sql(base_url: str, statement: str) -> None:
    import psycopg2

    parsed = urlparse(base_url)
    conn = psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname="postgres",
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(statement)
    conn.close()


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sipas.settings")
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 40)
    os.environ.pop("DEBUG", None)  # DEBUG logs every query: memory figures grow
    # Tasks in-process, no broker: the benchmark calls the engine itself.
    os.environ.pop("CELERY_BROKER_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from reports import tasks

    # The benchmark times the sweeps itself; storing must not run the sweep on
    # commit, nor the sweep the breakdown sweep (a worker's later task).
    tasks.enqueue_sweep = lambda: False
    tasks.enqueue_breakdown_sweep = lambda: False


# --- measurements ------------------------------------------------------------------


def vacuum(cursor) -> None:
    """VACUUM ANALYZE: what autovacuum does between bulk changes in production.
    The benchmark machines run PostgreSQL with autovacuum off, so without it the
    figures would measure dead rows left by the previous step."""
    from django.db import connection

    connection.ensure_connection()
    autocommit = connection.get_autocommit()
    connection.set_autocommit(True)
    try:
        cursor.execute("VACUUM ANALYZE")
    finally:
        connection.set_autocommit(autocommit)


def floor_group_by() -> float:
    from django.db import connection

    from sipas.periods import parse_period

    start, end = parse_period(str(YEAR)).bounds()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT r.agency_id, a.item_code, a.value, COUNT(*)
            FROM surveys_answer a JOIN surveys_response r ON r.id = a.response_id
            WHERE r.submitted_at >= %s AND r.submitted_at < %s
            GROUP BY r.agency_id, a.item_code, a.value
            """,
            [start, end],
        )
        cursor.fetchall()
    return time.perf_counter() - started


def full_recompute_child(mode: str) -> None:
    """Run in a fresh process, as a worker would: the task's work, then its peak
    memory. `mode`: "rebuild", or the engine part to recompute ("official",
    "breakdowns")."""
    from reports.engine import recompute
    from sipas.periods import periods_of_year

    started = time.perf_counter()
    # What beat/compute_indices do for a year: 17 periods written, from the
    # aggregates, one engine part; "rebuild": both parts, the year's aggregates
    # first rebuilt from raw answers (compute_indices --rebuild, the repair).
    if mode == "rebuild":
        written = recompute.recompute_periods(periods_of_year(YEAR), rebuild=True)
    else:
        written = recompute.recompute_periods(periods_of_year(YEAR), parts=(mode,))
    seconds = time.perf_counter() - started
    peak_mb = own_peak_mb()
    print(
        json.dumps(
            {"seconds": seconds, "peak_mb": peak_mb, "rows": sum(written.values())}
        )
    )


def own_peak_mb() -> float:
    """Peak RSS of this process's own memory. Linux's ru_maxrss also counts the
    parent's resident size at the fork that started it (it survives the exec),
    so a child started by the loading process, which held the generated rows,
    would report the loader's memory; VmHWM is the high-water mark of this
    process's own address space."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(url: str, mode: str, script: str = __file__) -> dict:
    """Run `script` (this benchmark, or a sibling that dispatches on
    BENCH_ENGINE_CHILD too) in a fresh process in `mode`; its last line's JSON."""
    child = subprocess.run(
        [sys.executable, script],
        env={**os.environ, "DATABASE_URL": url, "BENCH_ENGINE_CHILD": mode},
        capture_output=True,
        text=True,
    )
    if child.returncode:
        sys.stderr.write(child.stderr)
        raise SystemExit(f"the {mode} child failed")
    return json.loads(child.stdout.strip().splitlines()[-1])


def store_new_responses(
    fx: Fixture, count: int, seed: int, agencies: int | None = None
) -> None:
    """Store `count` responses of one day through the write path (spread over
    all agencies, or over the first `agencies`), uncounted: a sweep's work."""
    from surveys.models import Response
    from surveys.services import ResponseDraft, store_responses

    rng = random.Random(seed)
    day = datetime.datetime(YEAR, 11, 20, 1, tzinfo=datetime.UTC)
    drafts = []
    for _ in range(count):
        meta, answers = random_response(rng, fx)
        agency = meta["agency"]
        if agencies is not None:
            agency = fx.agencies[rng.randrange(agencies)]
        drafts.append(
            ResponseDraft(
                version=fx.version,
                agency_id=agency[0],
                answers=answers,
                submitted_at=day + datetime.timedelta(seconds=rng.randrange(36000)),
                channel=meta["channel"],
                procedure_id=meta["procedure"][0] if meta["procedure"] else None,
                respondent={"gender": meta["gender"], "age_group": meta["age_group"]},
                source=Response.Source.WEB,
            )
        )
    store_responses(drafts)


def timed_sweeps(count: int) -> tuple[float, float]:
    """Time the sweep that counts `count` stored responses and rewrites the
    official indices they change, then the breakdown sweep that follows it."""
    from reports.engine import sweep

    started = time.perf_counter()
    swept = sweep.sweep_dirty(limit=count)
    seconds = time.perf_counter() - started
    assert swept == count, swept
    started = time.perf_counter()
    swept = sweep.sweep_breakdowns(limit=count)
    breakdown_seconds = time.perf_counter() - started
    assert swept == count, swept
    return seconds, breakdown_seconds


def update_after_new_responses(
    fx: Fixture, count: int, seed: int, agencies: int | None = None
) -> tuple[float, float]:
    """Store new responses (:func:`store_new_responses`), then time the sweeps."""
    store_new_responses(fx, count, seed, agencies)
    return timed_sweeps(count)


def reset_to_loaded() -> int:
    """A kept database back to its loaded state (BENCH_REUSE_DB): drop what
    earlier measurements added; returns the number of responses left."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM surveys_answer WHERE response_id IN "
            "(SELECT id FROM surveys_response WHERE source <> 'demo')"
        )
        cursor.execute("DELETE FROM surveys_response WHERE source <> 'demo'")
        cursor.execute("SELECT COUNT(*) FROM surveys_response")
        return cursor.fetchone()[0]


def in_bench_db(base_url: str, suffix: str, measure: Callable[[str, bool], int]) -> int:
    """`measure(url, reuse)` in the benchmark's own database `<name><suffix>`:
    made anew, unless BENCH_REUSE_DB=1 reuses a kept one; dropped afterwards
    unless BENCH_KEEP_DB=1."""
    url, name = bench_url(base_url, suffix)
    reuse = bool(os.environ.get("BENCH_REUSE_DB"))
    if not reuse:
        admin_sql(base_url, f'DROP DATABASE IF EXISTS "{name}"')
        admin_sql(base_url, f'CREATE DATABASE "{name}"')
    try:
        return measure(url, reuse)
    finally:
        if not os.environ.get("BENCH_KEEP_DB"):
            from django.db import connections

            connections.close_all()
            admin_sql(base_url, f'DROP DATABASE IF EXISTS "{name}"')


def main() -> int:
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        log("skipped: needs DATABASE_URL pointing at PostgreSQL")
        return 0
    if os.environ.get("BENCH_ENGINE_CHILD"):
        setup_django(os.environ["DATABASE_URL"])
        full_recompute_child(os.environ["BENCH_ENGINE_CHILD"])
        return 0
    responses = int(os.environ.get("BENCH_RESPONSES", "1000000"))
    import_rows = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
    name = bench_url(base_url)[1]
    log(f"database {name}: {responses:,} responses, import file {import_rows:,} rows")
    return in_bench_db(
        base_url,
        "_bench",
        lambda url, reuse: run(url, responses, import_rows, reuse=reuse),
    )


def run(url: str, responses: int, import_rows: int, *, reuse: bool = False) -> int:
    """Load (unless reusing a kept database: BENCH_KEEP_DB then BENCH_REUSE_DB)
    and measure."""
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from surveys.reference import load_reference_data

    load_reference_data(["33"])
    fx = Fixture()
    started = time.perf_counter()
    if reuse:
        responses = reset_to_loaded()
    else:
        copy_responses(fx, responses, seed=1)
    with connection.cursor() as cursor:
        vacuum(cursor)
        cursor.execute("SELECT COUNT(*) FROM surveys_answer")
        answers = cursor.fetchone()[0]
    log(
        f"loaded {responses:,} responses, {answers:,} answers with COPY in "
        f"{time.perf_counter() - started:.1f} s ({len(fx.agencies)} agencies)"
    )

    floor_group_by()  # warm the cache so both sides read the same pages
    floor = min(floor_group_by() for _ in range(2))
    log(f"(a) floor: one GROUP BY over the year's answers: {floor:.2f} s")
    repair = run_child(url, "rebuild")
    log(
        f"(a') repair: aggregates of {YEAR} rebuilt from raw answers, then its 17 "
        f"periods: {repair['seconds']:.2f} s, peak {repair['peak_mb']:.0f} MB"
    )
    with connection.cursor() as cursor:
        vacuum(cursor)
    nightly = run_child(url, "official")
    log(
        f"(a) nightly recompute of {YEAR}'s official indices (17 periods, rows "
        f"already current, only changes written): {nightly['seconds']:.2f} s"
    )
    nightly_bd = run_child(url, "breakdowns")
    log(f"    the same for the breakdowns: {nightly_bd['seconds']:.2f} s")
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM reports_indexresult WHERE period LIKE %s", [f"{YEAR}%"]
        )
        vacuum(cursor)
    measured = run_child(url, "official")
    full, peak = measured["seconds"], measured["peak_mb"]
    log(
        f"(a) full recompute of {YEAR}'s official indices (17 periods, every row "
        f"written): {full:.2f} s, {measured['rows']:,} rows"
    )
    measured_bd = run_child(url, "breakdowns")
    full_bd = measured_bd["seconds"]
    peak = max(peak, measured_bd["peak_mb"])
    log(
        f"    the same for the breakdowns: {full_bd:.2f} s, "
        f"{measured_bd['rows']:,} rows"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM reports_answercount")
        aggregate_rows = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM reports_maskcount")
        aggregate_rows += cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM reports_indexresult")
        result_rows = cursor.fetchone()[0]
    log(f"    {aggregate_rows:,} aggregate rows, {result_rows:,} index rows")

    update, update_bd = update_after_new_responses(fx, 1000, seed=2)
    log(
        f"(b) update after 1,000 new responses, all agencies: {update:.3f} s "
        f"(breakdown sweep {update_bd:.3f} s)"
    )
    update_few, update_few_bd = update_after_new_responses(
        fx, 1000, seed=4, agencies=10
    )
    log(
        f"(b) update after 1,000 new responses at 10 agencies: {update_few:.3f} s "
        f"(breakdown sweep {update_few_bd:.3f} s)"
    )

    import_file = OUT_DIR / "engine-import.csv"
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    write_import_file(fx, import_file, import_rows, seed=3)
    copy_seconds = copy_floor(fx, import_rows, seed=3, fresh_tables=False)
    log(f"(c) COPY of {import_rows:,} rows into the real tables: {copy_seconds:.2f} s")
    fresh_seconds = copy_floor(fx, import_rows, seed=3, fresh_tables=True)
    log(f"(c) COPY of the same rows into empty tables: {fresh_seconds:.2f} s")
    from surveys.importing import import_responses

    started = time.perf_counter()
    report = import_responses(import_file)
    import_seconds = time.perf_counter() - started
    assert report.stored == import_rows, report
    log(f"(c) import_responses of the same rows: {import_seconds:.2f} s")
    import_file.unlink()

    figures = {
        "responses": responses,
        "answers": answers,
        "agencies": len(fx.agencies),
        "floor_group_by_s": round(floor, 2),
        "full_recompute_s": round(full, 2),
        "a_full_over_floor": round(full / floor, 2),
        "nightly_recompute_s": round(nightly["seconds"], 2),
        "nightly_breakdowns_s": round(nightly_bd["seconds"], 2),
        "full_breakdowns_s": round(full_bd, 2),
        "full_breakdowns_over_floor": round(full_bd / floor, 2),
        "a_nightly_over_floor": round(nightly["seconds"] / floor, 2),
        "repair_s": round(repair["seconds"], 2),
        "a_repair_over_floor": round(repair["seconds"] / floor, 2),
        "repair_peak_mb": round(repair["peak_mb"], 1),
        "update_1000_s": round(update, 3),
        "b_update_over_full": round(update / full, 4),
        "update_1000_at_10_agencies_s": round(update_few, 3),
        "b_update_at_10_agencies_over_full": round(update_few / full, 4),
        "breakdown_update_1000_s": round(update_bd, 3),
        "breakdown_update_over_full": round(update_bd / full_bd, 4),
        "breakdown_update_1000_at_10_agencies_s": round(update_few_bd, 3),
        "breakdown_update_at_10_agencies_over_full": round(update_few_bd / full_bd, 4),
        "copy_s": round(copy_seconds, 2),
        "copy_fresh_tables_s": round(fresh_seconds, 2),
        "c_import_speed_vs_copy_fresh_tables": round(fresh_seconds / import_seconds, 3),
        "import_s": round(import_seconds, 2),
        "c_import_speed_vs_copy": round(copy_seconds / import_seconds, 3),
        "d_worker_peak_mb": round(peak, 1),
        "aggregate_rows": aggregate_rows,
        "index_rows": result_rows,
    }
    (OUT_DIR / "engine.json").write_text(json.dumps(figures, indent=1) + "\n")
    log(
        f"RESULT (a) full/floor = {figures['a_full_over_floor']}x (target <= 2) · "
        f"(b) update/full = 1/{full / update:.0f} (all agencies), "
        f"1/{full / update_few:.0f} (10 agencies) (target <= 1/50) · "
        f"breakdowns: full/floor = {figures['full_breakdowns_over_floor']}x, "
        f"update/full = 1/{full_bd / update_bd:.0f} (all agencies), "
        f"1/{full_bd / update_few_bd:.0f} (10 agencies) · "
        f"(a') repair/floor = {figures['a_repair_over_floor']}x · "
        f"nightly/floor = {figures['a_nightly_over_floor']}x · "
        f"(c) import/COPY speed = {figures['c_import_speed_vs_copy']}x "
        f"(target >= 0.25) · (d) worker peak = {peak:.0f} MB (target < 500)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
