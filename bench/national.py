"""A national year of the index engine on PostgreSQL (see bench/README.md,
"national"): bench/engine.py's measurements over all 34 provinces.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sipas \
        .venv/bin/python bench/run.py national

Creates its own database `<name of DATABASE_URL>_national` (dropped and made anew;
BENCH_KEEP_DB=1 keeps it, then BENCH_REUSE_DB=1 measures again without
reloading), loads the reference data of every province (7,118 current agencies)
and BENCH_RESPONSES (default 10,000,000) exit-dv responses of 2026 with COPY
(bench/engine_data.py's generator), weighted towards the one-stop centres
(NationalFixture.WEIGHTS), and measures, each as a ratio to one raw SQL GROUP BY
over the same answers in the same run:

- the repair (`compute_indices --rebuild`: aggregates rebuilt from raw answers,
  both parts written);
- the full recompute of the year's official indices (17 periods, every row
  written) and the nightly case (rows current), and the same for the breakdowns;
- the sweeps after 1,000 new responses at 10 agencies and spread over the country;

each in a fresh process (as a worker runs it) that reports its peak resident set
(VmHWM). Figures: var/bench/national.json. Without a PostgreSQL DATABASE_URL it
says so and exits 0. BENCH_JOBS=official measures only the official recomputes
(full, then nightly; without the repair a new database's aggregates are rebuilt
first, untimed, and a reused one's are used as they are);
BENCH_PROFILE=DIR writes each job's cProfile statistics to DIR/<job>.prof.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time

from engine import (
    OUT_DIR,
    bench_url,
    floor_group_by,
    full_recompute_child,
    in_bench_db,
    own_peak_mb,
    reset_to_loaded,
    run_child,
    setup_django,
    store_new_responses,
    timed_sweeps,
    vacuum,
)
from engine_data import YEAR, Fixture, copy_responses

SWEPT = 1000  # new responses per sweep measured
# BENCH_JOBS picks some; "aggregates" (not by default) times the repair's
# first half alone: the year's aggregates rebuilt into empty tables, then again
# over the rows of the first (what a repair of a live year does).
JOBS = ("repair", "official", "breakdowns", "sweeps")
SKIPPED = dict.fromkeys(("seconds", "breakdown_seconds", "peak_mb", "rows"))


def log(message: str) -> None:
    print(f"[national] {message}", flush=True)


class NationalFixture(Fixture):
    """Every current agency of the country, drawn with weights by kind: most
    citizens are served at the provincial and commune one-stop centres."""

    WEIGHTS = {
        "tthcc_tinh": 150.0,  # provincial public administration service centre
        "tthcc_xa": 5.0,  # commune one-stop centre
        "so": 2.0,  # provincial departments
        "ubnd_xa": 1.0,
        "ubnd_tinh": 1.0,
    }

    def __init__(self) -> None:
        from itertools import accumulate

        from agencies.models import Agency

        super().__init__()
        rows = list(
            Agency.objects.filter(valid_until__isnull=True)
            .order_by("id")
            .values_list("id", "code", "kind", "province_code")
        )
        self.agencies = [(pk, code) for pk, code, _kind, _province in rows]
        self.provinces = len({row[3] for row in rows})
        self.cumulative = list(
            accumulate(self.WEIGHTS.get(kind, 1.0) for _pk, _c, kind, _p in rows)
        )

    def pick_agency(self, rng: random.Random) -> tuple[int, str]:
        return rng.choices(self.agencies, cum_weights=self.cumulative)[0]


def child(mode: str) -> None:
    """In a fresh process: a recompute (bench/engine.py's modes) or, for
    "sweep", the official sweep of the SWEPT stored responses and the breakdown
    sweep after it; prints seconds and this process's peak memory as JSON."""
    if mode == "aggregates":
        rebuild_only()
        return
    if mode != "sweep":
        profiled(full_recompute_child, mode)
        return
    seconds, breakdown_seconds = timed_sweeps(SWEPT)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "breakdown_seconds": breakdown_seconds,
                "peak_mb": own_peak_mb(),
            }
        )
    )


def rebuild_only() -> None:
    """The year's aggregates rebuilt from raw answers, no index row written:
    what the official recomputes read, when BENCH_JOBS leaves the repair out."""
    from django.db import connection, transaction

    from reports.engine.aggregates import rebuild_aggregates
    from reports.engine.setup import load_setup, lock_engine

    steps: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):
        begun = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            steps.append((time.perf_counter() - begun, " ".join(sql.split())[:110]))

    started = time.perf_counter()
    with connection.execute_wrapper(timed), transaction.atomic():
        lock_engine()
        rebuild_aggregates(YEAR, load_setup())
    seconds = time.perf_counter() - started
    slowest = [[round(took, 2), sql] for took, sql in sorted(steps, reverse=True)]
    print(
        json.dumps(
            # where the time went: the slowest statements
            {"seconds": seconds, "peak_mb": own_peak_mb(), "steps": slowest[:12]}
        )
    )


def profiled(job, mode: str) -> None:
    """job(mode), under cProfile when BENCH_PROFILE names a directory."""
    directory = os.environ.get("BENCH_PROFILE")
    if not directory:
        job(mode)
        return
    import cProfile
    from pathlib import Path

    Path(directory).mkdir(parents=True, exist_ok=True)
    profile = cProfile.Profile()
    profile.runcall(job, mode)
    profile.dump_stats(str(Path(directory) / f"{mode}-{os.getpid()}.prof"))


def main() -> int:
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        log("skipped: needs DATABASE_URL pointing at PostgreSQL")
        return 0
    if os.environ.get("BENCH_ENGINE_CHILD"):
        setup_django(os.environ["DATABASE_URL"])
        child(os.environ["BENCH_ENGINE_CHILD"])
        return 0
    responses = int(os.environ.get("BENCH_RESPONSES", "10000000"))
    name = bench_url(base_url, "_national")[1]
    log(f"database {name}: {responses:,} responses of {YEAR}, all provinces")
    return in_bench_db(
        base_url, "_national", lambda url, reuse: run(url, responses, reuse=reuse)
    )


def counts(*tables: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        total = 0
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            total += cursor.fetchone()[0]
        return total


def measure(url: str, mode: str, what: str) -> dict:
    measured = run_child(url, mode, script=__file__)
    rows = f", {measured['rows']:,} rows" if "rows" in measured else ""
    log(f"{what}: {measured['seconds']:.2f} s{rows}, peak {measured['peak_mb']:.0f} MB")
    for took, sql in measured.get("steps", []):
        log(f"  {took:7.2f} s  {sql}")
    return measured


def sweep(url: str, fx: NationalFixture, seed: int, agencies: int | None) -> dict:
    store_new_responses(fx, SWEPT, seed, agencies)
    measured = run_child(url, "sweep", script=__file__)
    where = f"at {agencies} agencies" if agencies else "spread over the country"
    log(
        f"sweep of {SWEPT:,} new responses {where}: official {measured['seconds']:.3f}"
        f" s, breakdowns {measured['breakdown_seconds']:.3f} s, "
        f"peak {measured['peak_mb']:.0f} MB"
    )
    return measured


def run(url: str, responses: int, *, reuse: bool = False) -> int:
    load_before = os.getloadavg()
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from surveys.reference import load_reference_data

    load_reference_data()  # all provinces
    fx = NationalFixture()
    started = time.perf_counter()
    if reuse:
        responses = reset_to_loaded()
    else:
        copy_responses(fx, responses, seed=1)
    load_seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        vacuum(cursor)
        cursor.execute(
            "SELECT COUNT(DISTINCT r.agency_id), "
            "COUNT(DISTINCT g.province_code) FROM surveys_response r "
            "JOIN agencies_agency g ON g.id = r.agency_id"
        )
        agencies_with, provinces_with = cursor.fetchone()
    answers = counts("surveys_answer")
    log(
        f"loaded {responses:,} responses, {answers:,} answers with COPY in "
        f"{load_seconds:.1f} s{' (reused)' if reuse else ''}; responses at "
        f"{agencies_with:,} of {len(fx.agencies):,} agencies, {provinces_with} "
        f"of {fx.provinces} provinces"
    )

    floor_group_by()  # warm the cache so every side reads the same pages
    floor = min(floor_group_by() for _ in range(2))
    log(f"floor: one GROUP BY over the year's answers: {floor:.2f} s")
    jobs = set(os.environ.get("BENCH_JOBS", ",".join(JOBS)).split(","))

    def job(name: str, mode: str, what: str) -> dict:
        return measure(url, mode, what) if name in jobs else SKIPPED

    repair = job("repair", "rebuild", "repair (aggregates rebuilt, both parts)")
    first = "over the reused rows" if reuse else "into empty tables"
    rebuilt = job("aggregates", "aggregates", f"aggregates rebuilt {first}")
    rebuilt_again = job("aggregates", "aggregates", "aggregates rebuilt over them")
    if not {"repair", "aggregates"} & jobs and not reuse:  # a reused database has them
        run_child(url, "aggregates", script=__file__)
        log("aggregates rebuilt (not timed: BENCH_JOBS leaves the repair out)")
    with connection.cursor() as cursor:
        # the target's case first: every row written
        cursor.execute(
            "DELETE FROM reports_indexresult WHERE period LIKE %s", [f"{YEAR}%"]
        )
        vacuum(cursor)
    full = job("official", "official", "full official recompute (every row written)")
    full_bd = job("breakdowns", "breakdowns", "full breakdowns recompute")
    with connection.cursor() as cursor:
        vacuum(cursor)
    nightly = job("official", "official", "nightly official recompute (rows current)")
    nightly_bd = job("breakdowns", "breakdowns", "nightly breakdowns recompute")
    aggregate_rows = counts("reports_answercount", "reports_maskcount")
    pair_rows = counts("reports_paircount")
    index_rows = counts("reports_indexresult")
    log(
        f"{aggregate_rows:,} aggregate rows (+{pair_rows:,} pair rows), "
        f"{index_rows:,} index rows"
    )
    spread, few = SKIPPED, SKIPPED
    if "sweeps" in jobs:
        spread = sweep(url, fx, seed=2, agencies=None)
        few = sweep(url, fx, seed=4, agencies=10)

    def r(value: float | None, digits: int = 2) -> float | None:
        return None if value is None else round(value, digits)

    def ratio(seconds: float | None, digits: int = 2) -> float | None:
        return None if seconds is None else round(seconds / floor, digits)

    figures = {
        "responses": responses,
        "answers": answers,
        "agencies": len(fx.agencies),
        "agencies_with_responses": agencies_with,
        "provinces_with_responses": provinces_with,
        "load_s": None if reuse else round(load_seconds, 1),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "jobs": sorted(jobs),
        "floor_group_by_s": round(floor, 2),
        "full_recompute_s": r(full["seconds"]),
        "full_over_floor": ratio(full["seconds"]),
        "full_rows": full["rows"],
        "nightly_recompute_s": r(nightly["seconds"]),
        "nightly_over_floor": ratio(nightly["seconds"]),
        "full_breakdowns_s": r(full_bd["seconds"]),
        "full_breakdowns_over_floor": ratio(full_bd["seconds"]),
        "full_breakdowns_rows": full_bd["rows"],
        "nightly_breakdowns_s": r(nightly_bd["seconds"]),
        "nightly_breakdowns_over_floor": ratio(nightly_bd["seconds"]),
        "aggregates_s": r(rebuilt["seconds"]),
        "aggregates_over_floor": ratio(rebuilt["seconds"]),
        "aggregates_again_s": r(rebuilt_again["seconds"]),
        "aggregates_again_over_floor": ratio(rebuilt_again["seconds"]),
        "repair_s": r(repair["seconds"]),
        "repair_over_floor": ratio(repair["seconds"]),
        "sweep_spread_s": r(spread["seconds"], 3),
        "sweep_spread_over_floor": ratio(spread["seconds"], 4),
        "sweep_spread_breakdowns_s": r(spread["breakdown_seconds"], 3),
        "sweep_10_agencies_s": r(few["seconds"], 3),
        "sweep_10_agencies_over_floor": ratio(few["seconds"], 4),
        "sweep_10_agencies_breakdowns_s": r(few["breakdown_seconds"], 3),
        "peak_mb": {
            name: r(measured["peak_mb"], 0)
            for name, measured in (
                ("repair", repair),
                ("aggregates", rebuilt),
                ("aggregates_again", rebuilt_again),
                ("full_official", full),
                ("nightly_official", nightly),
                ("full_breakdowns", full_bd),
                ("nightly_breakdowns", nightly_bd),
                ("sweep_spread", spread),
                ("sweep_10_agencies", few),
            )
        },
        "aggregate_rows": aggregate_rows,
        "pair_rows": pair_rows,
        "index_rows": index_rows,
    }
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "national.json").write_text(json.dumps(figures, indent=1) + "\n")
    peak = max(v for v in figures["peak_mb"].values() if v is not None)
    log(
        f"RESULT floor {floor:.2f} s · full official recompute "
        f"{figures['full_over_floor']}x (target <= 2) · nightly "
        f"{figures['nightly_over_floor']}x · breakdowns full "
        f"{figures['full_breakdowns_over_floor']}x · repair "
        f"{figures['repair_over_floor']}x (target <= 10) · aggregates "
        f"{figures['aggregates_over_floor']}x, again "
        f"{figures['aggregates_again_over_floor']}x · sweep of {SWEPT:,}: "
        f"10 agencies {r(few['seconds'], 3)} s, spread {r(spread['seconds'], 3)} s · "
        f"peak {peak} MB (target < 500) · load average "
        f"{figures['load_average_before'][0]} → {figures['load_average_after'][0]}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
