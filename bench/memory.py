"""Worker memory: each heavy job of a Celery worker or a command, in a fresh process
(as a worker runs it), at two data sizes. Memory bounded by design means a job's
peak does not follow the number of responses.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sipas \
        .venv/bin/python bench/memory.py

Own database `<name>_memory` (made anew, dropped afterwards unless BENCH_KEEP_DB),
province 33's reference data, exit-dv responses of 2026 loaded with COPY
(bench/engine_data.py) up to each of BENCH_MEMORY_SIZES (default 20000,200000).
At each size every job runs in a process of its own; the process reports its peak
resident set (ru_maxrss) and its run time. `baseline` is a process that only
starts Django: the floor every job stands on. Figures: var/bench/memory.json.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.engine import admin_sql, setup_django, vacuum  # noqa: E402
from bench.engine_data import YEAR, Fixture, copy_responses  # noqa: E402

OUT = ROOT / "var" / "bench" / "memory.json"
NEW_RESPONSES = 5000  # the sweep's batch (reports.engine.setup.SWEEP_BATCH)


def log(message: str) -> None:
    print(f"[memory] {message}", flush=True)


# --- the jobs, each run in a fresh process -----------------------------------------


def job_baseline() -> str:
    return "django started"


def job_sweep() -> str:
    from reports.engine.sweep import sweep_breakdowns, sweep_dirty

    return f"{sweep_dirty()} counted, {sweep_breakdowns()} into the breakdowns"


def job_recompute() -> str:
    from reports.engine.recompute import recompute_periods
    from sipas.periods import periods_of_year

    written = recompute_periods(periods_of_year(YEAR))
    return f"{sum(written.values()):,} index rows"


def job_rebuild() -> str:
    from reports.engine.recompute import recompute_periods
    from sipas.periods import periods_of_year

    written = recompute_periods(periods_of_year(YEAR), rebuild=True)
    return f"{sum(written.values()):,} index rows"


def _command(*args: str) -> str:
    from django.core.management import call_command

    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / args[0]
        call_command(args[1], str(target), *args[2:], stdout=open(os.devnull, "w"))  # noqa: SIM115
        return f"{target.stat().st_size / 1e6:.1f} MB written"


def job_export_indices_json() -> str:
    return _command("indices.json", "export_indices", "--period", str(YEAR))


def job_export_indices_csv() -> str:
    return _command("indices.csv", "export_indices", "--period", str(YEAR))


def job_export_responses() -> str:
    return _command(
        "responses.csv", "export_responses", "--period", str(YEAR),
        "--questionnaire", "exit-dv",
    )  # fmt: skip


def job_raw_responses_view() -> str:
    """The dashboard's streamed CSV of a year's responses, read to the end."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username="bench.national"))
    response = client.get(
        "/dashboard/responses.csv", {"period": str(YEAR)}, secure=True
    )
    size = sum(len(chunk) for chunk in response.streaming_content)
    return f"HTTP {response.status_code}, {size / 1e6:.1f} MB streamed"


def job_pdf_report() -> str:
    from django.contrib.auth import get_user_model

    from agencies.models import Agency

    try:
        from dashboard.models import ReportJob
        from dashboard.pdf import build_report_pdf
    except ImportError:  # before the dashboard app
        from staff.pdf import build_report_pdf

        from staff.models import ReportJob

    job = ReportJob.objects.create(
        user=get_user_model().objects.get(username="bench.national"),
        agency=Agency.objects.get(code="UBND-T33"),
        period=str(YEAR),
        questionnaire="exit-dv",
    )
    build_report_pdf(job)
    job.refresh_from_db()
    return f"{job.status}, {len(job.pdf or b'') / 1e3:.0f} kB"


JOBS = {
    "baseline": job_baseline,
    "sweep": job_sweep,
    "recompute": job_recompute,
    "rebuild": job_rebuild,
    "export_indices_json": job_export_indices_json,
    "export_indices_csv": job_export_indices_csv,
    "export_responses": job_export_responses,
    "raw_responses_view": job_raw_responses_view,
    "pdf_report": job_pdf_report,
}


def child(job: str) -> None:
    setup_django(os.environ["DATABASE_URL"])
    started = time.perf_counter()
    what = JOBS[job]()
    print(
        json.dumps(
            {
                "seconds": round(time.perf_counter() - started, 2),
                "peak_mb": round(
                    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                ),
                "what": what,
            }
        )
    )


def run_child(url: str, job: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, job],
        env={**os.environ, "DATABASE_URL": url, "DEBUG": "false"},
        capture_output=True,
        text=True,
    )
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1][:200]}
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the benchmark -----------------------------------------------------------------


def _prepare() -> Fixture:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from staff.models import StaffProfile
    from surveys.reference import load_reference_data

    call_command("migrate", verbosity=0)
    load_reference_data(["33"])
    user = get_user_model().objects.create_user("bench.national", password="x" * 20)
    StaffProfile.objects.create(user=user, role="national_viewer")
    return Fixture()


def main() -> int:
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        log("skipped: needs DATABASE_URL pointing at PostgreSQL")
        return 0
    sizes = [
        int(size)
        for size in os.environ.get("BENCH_MEMORY_SIZES", "20000,200000").split(",")
    ]
    from urllib.parse import urlparse, urlunparse

    parsed = urlparse(base_url)
    name = (parsed.path.lstrip("/") or "sipas") + "_memory"
    url = urlunparse(parsed._replace(path="/" + name))
    admin_sql(base_url, f'DROP DATABASE IF EXISTS "{name}"')
    admin_sql(base_url, f'CREATE DATABASE "{name}"')
    results: dict[str, dict[str, dict]] = {}
    try:
        setup_django(url)
        from django.db import connection

        fx = _prepare()
        loaded = 0
        for seed, size in enumerate(sizes, start=1):
            copy_responses(fx, size - loaded, seed=seed)
            loaded = size
            run_child(url, "recompute")  # count them: the state a worker finds
            with connection.cursor() as cursor:
                vacuum(cursor)
            log(f"{size:,} responses")
            for job in JOBS:
                if job == "sweep":
                    copy_responses(fx, NEW_RESPONSES, seed=1000 + seed)
                    loaded += NEW_RESPONSES
                results.setdefault(job, {})[str(size)] = measured = run_child(url, job)
                log(f"  {job:<22} {json.dumps(measured, ensure_ascii=False)}")
    finally:
        from django.db import connections

        connections.close_all()
        if not os.environ.get("BENCH_KEEP_DB"):
            admin_sql(base_url, f'DROP DATABASE IF EXISTS "{name}"')
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"sizes": sizes, "jobs": results}, indent=1))
    report(sizes, results)
    return 0


def report(sizes: list[int], results: dict) -> None:
    small, big = (str(s) for s in (sizes[0], sizes[-1]))
    print(f"\npeak RSS per job, fresh process: {small} vs {big} responses")
    for job, by_size in results.items():
        a, b = by_size.get(small, {}), by_size.get(big, {})
        if "peak_mb" in a and "peak_mb" in b:
            print(
                f"  {job:<22} {a['peak_mb']:>5} MB {a['seconds']:>7.2f} s   "
                f"{b['peak_mb']:>5} MB {b['seconds']:>7.2f} s   "
                f"×{b['peak_mb'] / a['peak_mb']:.2f} memory"
            )
        else:
            print(f"  {job:<22} {a.get('error', '')} {b.get('error', '')}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in JOBS:
        child(sys.argv[1])
    else:
        sys.exit(main())
