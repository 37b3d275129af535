"""Sweep batches: what one official and one breakdown sweep cost for few and for
many new responses, the reason the engine paces its sweeps under load
(reports.tasks.sweep_wait; bench/README.md, "Sweep pacing").

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sipas \
        .venv/bin/python bench/run.py sweep_batch

Own database `<name of DATABASE_URL>_sweeps` (made anew, dropped afterwards unless
BENCH_KEEP_DB=1): province 33's reference data and the demo seeder's 3,000
responses, as the load benchmark has, with their indices computed (every period,
about 400,000 rows). Then, BENCH_SWEEP_ROUNDS (3) times for each batch size of
BENCH_SWEEP_BATCHES (50,300,1000): that many completed exit-dv questionnaires stored
now at 20 of the province's service points, one official sweep, one breakdown
sweep. Each sweep is measured as the CPU seconds of this process plus those of its
PostgreSQL backend (/proc, so the server must run on this machine). The figures,
medians over the rounds, are the CPU per sweep and per response, each as a ratio
to the smallest batch in the same run. Figures: var/bench/sweep_batch.json.
Without a PostgreSQL DATABASE_URL it says so and exits 0.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time

from engine import OUT_DIR, in_bench_db, setup_django, vacuum

PLACES = 20
SEEDED = 3000


def log(message: str) -> None:
    print(f"[sweep_batch] {message}", flush=True)


def backend_cpu() -> float:
    """CPU seconds of this connection's PostgreSQL backend so far."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def prepare() -> None:
    from django.core.management import call_command
    from django.db import connection

    from surveys.reference import load_reference_data

    call_command("migrate", verbosity=0)
    load_reference_data(["33"])
    call_command("seed_demo", responses=SEEDED, province="33", verbosity=0)
    call_command("compute_indices", sync=True, verbosity=0)
    with connection.cursor() as cursor:
        vacuum(cursor)


def store(count: int, rng: random.Random) -> None:
    from agencies.models import ServicePoint
    from surveys.models import Item, Questionnaire
    from surveys.services import ResponseDraft, store_responses

    version = Questionnaire.objects.get(code="exit-dv").current_version()
    scale = [i.code for i in version.items.all() if i.kind == Item.Kind.SAT5]
    points = list(
        ServicePoint.objects.filter(agency__province_code="33").order_by("code")
    )[:PLACES]
    drafts = []
    for _ in range(count):
        point = rng.choice(points)
        drafts.append(
            ResponseDraft(
                version=version,
                agency_id=point.agency_id,
                service_point_id=point.pk,
                answers={code: rng.randint(1, 5) for code in scale},
                channel="truc_tiep",
            )
        )
    store_responses(drafts)


def measured(sweep) -> tuple[int, float]:
    """(responses counted, CPU seconds of this process and its backend)."""
    cpu, backend = time.process_time(), backend_cpu()
    counted = sweep()
    return counted, time.process_time() - cpu + backend_cpu() - backend


def measure(url: str, reuse: bool) -> int:
    setup_django(url)
    from reports.engine.sweep import sweep_breakdowns, sweep_dirty

    if not reuse:
        log(f"province 33, {SEEDED:,} seeded responses and their indices")
        prepare()
    sizes = [
        int(s) for s in os.environ.get("BENCH_SWEEP_BATCHES", "50,300,1000").split(",")
    ]
    rounds = int(os.environ.get("BENCH_SWEEP_ROUNDS", "3"))
    rng = random.Random(2026)
    while sweep_dirty() or sweep_breakdowns():  # start from nothing waiting
        pass
    cpu: dict[int, dict[str, list[float]]] = {
        n: {"official": [], "breakdowns": []} for n in sizes
    }
    for _round in range(rounds):
        for size in sizes:
            store(size, rng)
            for part, sweep in (
                ("official", sweep_dirty),
                ("breakdowns", sweep_breakdowns),
            ):
                counted, seconds = measured(sweep)
                assert counted == size, f"{part} sweep counted {counted} of {size}"
                cpu[size][part].append(seconds)
    smallest = sizes[0]
    result = {"sizes": sizes, "rounds": rounds, "places": PLACES, "parts": {}}
    for part in ("official", "breakdowns"):
        base = statistics.median(cpu[smallest][part])
        rows = []
        for size in sizes:
            per_sweep = statistics.median(cpu[size][part])
            rows.append(
                {
                    "responses": size,
                    "cpu_s": round(per_sweep, 3),
                    "per_sweep_ratio": round(per_sweep / base, 2),
                    "per_response_ratio": round(
                        per_sweep / size / (base / smallest), 3
                    ),
                }
            )
            log(
                f"{part:<10} {size:>5} responses: {per_sweep:.3f} s CPU per sweep "
                f"({rows[-1]['per_sweep_ratio']:.2f}x the {smallest}-response sweep), "
                f"per response {rows[-1]['per_response_ratio']:.3f}x"
            )
        result["parts"][part] = rows
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "sweep_batch.json").write_text(json.dumps(result, indent=2))
    return 0


def main() -> int:
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        log("DATABASE_URL is not PostgreSQL: the sweeps are measured there only")
        return 0
    return in_bench_db(base_url, "_sweeps", measure)


if __name__ == "__main__":
    raise SystemExit(main())
