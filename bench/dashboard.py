"""Dashboard page benchmark (see bench/README.md, "dashboard").

    .venv/bin/python bench/dashboard.py            # SQLite files under var/bench/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sipas \
        .venv/bin/python bench/dashboard.py

Builds two databases in one run, each with province 33's reference data and the
same precomputed index rows, one with 10,000 and one with BENCH_DASHBOARD_RESPONSES
(default 1,000,000) exit-dv responses of 2026 (by COPY on PostgreSQL), then times
the overview, ranking (381 communes) and agency pages through Django's test client
as a provincial analyst: median and p95 over BENCH_DASHBOARD_REPEAT (default 30)
requests each, taken in BENCH_DASHBOARD_ROUNDS (default 3) rounds that alternate
between the two databases, so a change in the machine's load falls on both.
Target: large / small ≤ 1.5 for every page, median and p95 (pages read
precomputed rows only). With BENCH_REUSE_DB=1 a database that already holds its
responses (a previous run's, kept with BENCH_KEEP_DB=1) is measured as it is.

Index rows are synthesised here in the engine's shape (every agency, subtree
scope, the year, its quarters and months, 2022–2025 for the trend, element, item,
G and share rows, channel/gender/age/procedure breakdowns), with n taken from the
responses actually loaded; computing them with the engine from 20 million
answers is what bench/engine.py measures, not this page benchmark.
"""

from __future__ import annotations

import io
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from engine import admin_sql  # a sibling: the benchmarks run as scripts

ROOT = Path(__file__).resolve().parent.parent
SMALL = 10_000
LARGE = int(os.environ.get("BENCH_DASHBOARD_RESPONSES", "1000000"))
REPEAT = int(os.environ.get("BENCH_DASHBOARD_REPEAT", "30"))
ROUNDS = int(os.environ.get("BENCH_DASHBOARD_ROUNDS", "3"))
REUSE = os.environ.get("BENCH_REUSE_DB") == "1"
COPY_BATCH = 200_000
PAGES = {
    "overview": "/dashboard/?period=2026",
    "ranking": "/dashboard/ranking/?period=2026&kind=ubnd_xa",
    "agency": "/dashboard/agency/UBND-T33/?period=2026",
}
ITEMS = {
    "E1": ["E1.1", "E1.2", "E1.3", "E1.4"],
    "E2": ["E2.1", "E2.2", "E2.3", "E2.4"],
    "E3": ["E3.1", "E3.2", "E3.3", "E3.4", "E3.5"],
    "E4": ["E4.1", "E4.2", "E4.3"],
    "E5": ["E5.1", "E5.2", "E5.3"],
}
CHANNELS = ["truc_tiep", "truc_tuyen", "buu_chinh"]
GENDERS = ["nam", "nu"]
AGES = ["18-24", "25-34", "35-49", "50-60", "60+"]


def log(message: str) -> None:
    print(f"[dashboard] {message}", flush=True)


def database_url(responses: int, fresh: bool = False) -> str:
    """The database of one scale; with `fresh` made anew (dropped first)."""
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith("postgres"):
        parsed = urlparse(base)
        name = f"{parsed.path.lstrip('/') or 'sipas'}_dashbench_{responses}"
        if fresh:
            admin_sql(base, f'DROP DATABASE IF EXISTS "{name}"')
            admin_sql(base, f'CREATE DATABASE "{name}"')
        return urlunparse(parsed._replace(path="/" + name))
    path = ROOT / "var" / "bench" / f"dashboard-{responses}.sqlite3"
    if fresh:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
    return f"sqlite:///{path}"


def drop_database(responses: int) -> None:
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith("postgres"):
        name = urlparse(database_url(responses)).path.lstrip("/")
        admin_sql(base, f'DROP DATABASE IF EXISTS "{name}"')
    else:
        (ROOT / "var" / "bench" / f"dashboard-{responses}.sqlite3").unlink(
            missing_ok=True
        )


# --- one scale, in its own process ----------------------------------------------------


def build(responses: int) -> None:
    """Reference data, `responses` responses and the index rows of province 33."""
    from django.core.management import call_command

    from agencies.models import Agency
    from surveys.models import QuestionnaireVersion, Response

    call_command("migrate", verbosity=0)
    call_command("load_reference_data", "--province", "33", verbosity=0)
    version = QuestionnaireVersion.objects.get(questionnaire__code="exit-dv")
    agencies = list(
        Agency.objects.filter(province_code="33", valid_until__isnull=True).exclude(
            kind="ubnd_tinh"
        )
    )
    rng = random.Random(2026)
    counts: dict[int, int] = {}
    started = time.perf_counter()
    import datetime
    import zoneinfo

    from django.db import connection

    vn = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
    start = datetime.datetime(2026, 1, 1, tzinfo=vn)
    # The engine would have counted them all: counted=True, as in a live database.
    template = Response(version=version, source="demo", counted=True)
    fields = Response._meta.concrete_fields
    postgres = connection.vendor == "postgresql"
    batch: list = []

    def flush() -> None:
        if not batch:
            return
        if postgres:  # COPY: a million ORM inserts take ten minutes
            from sipas.pgcopy import copy_line

            buffer = io.StringIO()
            for values in batch:
                buffer.write(copy_line(values[f.attname] for f in fields))
            buffer.seek(0)
            with connection.cursor() as cursor:
                cursor.cursor.copy_from(
                    buffer, Response._meta.db_table, columns=[f.column for f in fields]
                )
        else:
            Response.objects.bulk_create(
                [Response(**values) for values in batch], batch_size=2_000
            )
        batch.clear()

    base = {f.attname: getattr(template, f.attname) for f in fields}
    for k in range(responses):
        agency = rng.choice(agencies)
        counts[agency.pk] = counts.get(agency.pk, 0) + 1
        batch.append(
            base
            | {
                "id": uuid.UUID(int=rng.getrandbits(128)),
                "submitted_at": start
                + datetime.timedelta(seconds=rng.randrange(330 * 86400)),
                "agency_id": agency.pk,
                "channel": rng.choice(CHANNELS),
                "gender": rng.choice(GENDERS),
                "age_group": rng.choice(AGES),
                "comment": "Thời gian chờ hơi lâu." if k % 20 == 0 else "",
            }
        )
        if len(batch) == COPY_BATCH:
            flush()
            if k + 1 < responses:
                log(f"  {k + 1:,} responses stored")
    flush()
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Response._meta.db_table}")
    log(f"{responses:,} responses stored in {time.perf_counter() - started:.0f} s")
    write_index_rows(counts)


def write_index_rows(counts: dict[int, int]) -> None:
    from agencies.models import Agency
    from reports.models import IndexResult

    rng = random.Random(33)
    agencies = list(Agency.objects.filter(province_code="33"))
    by_path = sorted(agencies, key=lambda a: a.path)
    # Subtree n: the agency's responses plus those of every agency under it.
    subtree = {
        a.pk: sum(counts.get(b.pk, 0) for b in by_path if b.path.startswith(a.path))
        for a in agencies
    }
    year_periods = ["2026", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    history = ["2022", "2023", "2024", "2025"]
    share = {"2026": 1.0, **dict.fromkeys(year_periods[1:], 0.25)}
    share |= dict.fromkeys(months, 1 / 11) | dict.fromkeys(history, 1.0)

    def row(agency, period, indicator, kind, n, dimension="", value_of=""):
        value = round(rng.uniform(70, 95), 2) if n else None
        ci = (None, None) if value is None else (value - 3, min(value + 3, 100))
        return IndexResult(
            methodology="sipas-1001",
            period=period,
            agency_id=agency.pk,
            scope="subtree",
            questionnaire="exit-dv",
            dimension=dimension,
            dimension_value=value_of,
            kind=kind,
            indicator=indicator,
            value=value,
            n=n,
            ci_low=ci[0],
            ci_high=ci[1],
            flag="small_sample" if n < 30 else "",
        )

    started = time.perf_counter()
    total = 0
    rows: list = []
    for agency in agencies:
        for period in year_periods + months + history:
            n = int(subtree[agency.pk] * share[period])
            rows.append(row(agency, period, "A_DV", "aspect", n))
            rows.append(row(agency, period, "G", "overall", n))
            rows += [row(agency, period, f"G:{k}", "share", n) for k in range(1, 6)]
            for element, items in ITEMS.items():
                rows.append(row(agency, period, element, "element", n))
                rows += [row(agency, period, item, "item", n) for item in items]
            if period in year_periods:
                for dimension, values in (
                    ("channel", CHANNELS),
                    ("gender", GENDERS),
                    ("age_group", AGES),
                    ("procedure", ["1.000894", "2.000884", "1.001612", "2.001009"]),
                ):
                    rows += [
                        row(
                            agency,
                            period,
                            "A_DV",
                            "aspect",
                            n // len(values),
                            dimension,
                            value,
                        )
                        for value in values
                    ]
        if len(rows) > 20_000:
            IndexResult.objects.bulk_create(rows, batch_size=2_000)
            total += len(rows)
            rows = []
    IndexResult.objects.bulk_create(rows, batch_size=2_000)
    total += len(rows)
    log(f"{total:,} index rows written in {time.perf_counter() - started:.0f} s")


def analyst():
    """The provincial analyst of province 33 (made once, by the build)."""
    from django.contrib.auth import get_user_model

    from staff.models import StaffProfile

    user, made = get_user_model().objects.get_or_create(username="bench.analyst")
    if made:
        StaffProfile.objects.create(
            user=user, role="provincial_analyst", province_code="33"
        )
    return user


def measure(repeat: int) -> dict[str, list[float]]:
    """Milliseconds of `repeat` requests of each page, after 3 warm-up requests."""
    from django.test import Client

    client = Client()
    client.force_login(analyst())
    times: dict[str, list[float]] = {}
    for name, url in PAGES.items():
        for _ in range(3):  # warm caches and connections
            assert client.get(url).status_code == 200, url
        times[name] = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(url)
            times[name].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, url
    return times


def summary(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
    }


def stored_responses() -> int | None:
    """How many responses the scale's database holds (None: no such database or
    no schema yet)."""
    from django.db import connection
    from django.db.utils import DatabaseError

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM surveys_response")
            return cursor.fetchone()[0]
    except DatabaseError:
        return None


def database_exists(responses: int) -> bool:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        return (ROOT / "var" / "bench" / f"dashboard-{responses}.sqlite3").exists()
    import psycopg2

    parsed = urlparse(base)
    name = urlparse(database_url(responses)).path.lstrip("/")
    conn = psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname="postgres",
    )
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        found = cursor.fetchone() is not None
    conn.close()
    return found


def run_scale(action: str, responses: int, repeat: int = 0) -> int:
    """In its own process: build the scale's database or measure it once."""
    kept = action == "build" and REUSE and database_exists(responses)
    fresh = action == "build" and not kept
    os.environ["DATABASE_URL"] = database_url(responses, fresh=fresh)
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdef")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.pop("CELERY_BROKER_URL", None)  # tasks in-process; no broker needed
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sipas.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if action == "build":
        if kept:
            stored = stored_responses()
            if stored != responses:
                log(
                    f"the kept database holds {stored} responses, not {responses:,}: "
                    "drop it or run without BENCH_REUSE_DB"
                )
                return 1
            log(f"{responses:,} responses already stored (BENCH_REUSE_DB=1)")
        else:
            build(responses)
        analyst()
        return 0
    print("RESULT " + json.dumps(measure(repeat)), flush=True)
    return 0


# --- both scales, one run ----------------------------------------------------------


def child(*args: str) -> str | None:
    """Run this script with `args`; its stdout, or None (printed) if it failed."""
    done = subprocess.run(
        [sys.executable, __file__, *args], cwd=ROOT, capture_output=True, text=True
    )
    for line in done.stdout.splitlines():
        if line.startswith("[dashboard]"):
            print(line, flush=True)
    if done.returncode:
        print(done.stdout[-2000:], done.stderr[-4000:], sep="\n")
        return None
    return done.stdout


def main() -> int:
    scales = (SMALL, LARGE)
    for responses in scales:
        log(f"building {responses:,} responses …")
        if child("--build", str(responses)) is None:
            return 1
    times: dict[int, dict[str, list[float]]] = {n: {} for n in scales}
    per_round = max(1, REPEAT // ROUNDS)
    for number in range(1, ROUNDS + 1):
        for responses in scales:  # alternating: the machine's drift falls on both
            log(f"round {number}/{ROUNDS}: measuring {responses:,} responses")
            out = child("--measure", str(responses), str(per_round))
            if out is None:
                return 1
            line = [x for x in out.splitlines() if x.startswith("RESULT ")][-1]
            for page, ms in json.loads(line[len("RESULT ") :]).items():
                times[responses].setdefault(page, []).extend(ms)
    if not os.environ.get("BENCH_KEEP_DB"):
        for responses in scales:
            drop_database(responses)
    small = {page: summary(ms) for page, ms in times[SMALL].items()}
    large = {page: summary(ms) for page, ms in times[LARGE].items()}
    label = f"{LARGE / 1e6:g}M" if LARGE >= 1_000_000 else f"{LARGE // 1000}k"
    print(
        f"\n{'page':<10}{'10k median':>12}{'10k p95':>10}"
        f"{f'{label} median':>14}{f'{label} p95':>11}"
        f"{'ratio med':>11}{'ratio p95':>11}"
    )
    worst = 0.0
    for page in PAGES:
        ratio_median = large[page]["median_ms"] / small[page]["median_ms"]
        ratio_p95 = large[page]["p95_ms"] / small[page]["p95_ms"]
        worst = max(worst, ratio_median, ratio_p95)
        print(
            f"{page:<10}{small[page]['median_ms']:>10.1f}ms{small[page]['p95_ms']:>8.1f}ms"
            f"{large[page]['median_ms']:>12.1f}ms{large[page]['p95_ms']:>9.1f}ms"
            f"{ratio_median:>11.2f}{ratio_p95:>11.2f}"
        )
    verdict = "met" if worst <= 1.5 else "MISSED"
    postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    print(
        f"target ratio <= 1.5 (median and p95): {verdict} (worst {worst:.2f}; "
        f"{per_round * ROUNDS} requests per page in {ROUNDS} alternating rounds, "
        f"database: {'PostgreSQL' if postgres else 'SQLite'})"
    )
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] in ("--build", "--measure"):
        repeat = int(sys.argv[3]) if len(sys.argv) > 3 else 0
        sys.exit(run_scale(sys.argv[1][2:], int(sys.argv[2]), repeat))
    sys.exit(main())
