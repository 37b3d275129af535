"""Dashboard page benchmark (see bench/README.md, "dashboard").

    .venv/bin/python bench/dashboard.py            # SQLite files under var/bench/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sipas \
        .venv/bin/python bench/dashboard.py

Builds two databases in one run, each with province 33's reference data and the
same precomputed index rows, one with 10,000 and one with BENCH_DASHBOARD_RESPONSES
(default 1,000,000) exit-dv responses of 2026, then times the overview, ranking
(381 communes) and agency pages through Django's test client as a provincial
analyst: median and p95 over BENCH_DASHBOARD_REPEAT (default 30) requests each.
Target: large / small ≤ 1.5 for every page (pages read precomputed rows only).

Index rows are synthesised here in the engine's shape (every agency, subtree
scope, the year, its quarters and months, 2022–2025 for the trend, element, item,
G and share rows, channel/gender/age/procedure breakdowns), with n taken from the
responses actually loaded; computing them with the engine from 20 million
answers is what bench/engine.py measures, not this page benchmark.
"""

from __future__ import annotations

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


def database_url(responses: int) -> str:
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith("postgres"):
        parsed = urlparse(base)
        name = f"{parsed.path.lstrip('/') or 'sipas'}_dashbench_{responses}"
        admin_sql(base, f'DROP DATABASE IF EXISTS "{name}"')
        admin_sql(base, f'CREATE DATABASE "{name}"')
        return urlunparse(parsed._replace(path="/" + name))
    path = ROOT / "var" / "bench" / f"dashboard-{responses}.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    return f"sqlite:///{path}"


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

    vn = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
    start = datetime.datetime(2026, 1, 1, tzinfo=vn)
    batch = []
    for k in range(responses):
        agency = rng.choice(agencies)
        counts[agency.pk] = counts.get(agency.pk, 0) + 1
        batch.append(
            Response(
                id=uuid.UUID(int=rng.getrandbits(128)),
                version=version,
                submitted_at=start
                + datetime.timedelta(seconds=rng.randrange(330 * 86400)),
                agency_id=agency.pk,
                channel=rng.choice(CHANNELS),
                gender=rng.choice(GENDERS),
                age_group=rng.choice(AGES),
                comment="Thời gian chờ hơi lâu." if k % 20 == 0 else "",
                source="demo",
            )
        )
        if len(batch) == 20_000:
            Response.objects.bulk_create(batch, batch_size=2_000)
            batch = []
    Response.objects.bulk_create(batch, batch_size=2_000)
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


def measure() -> dict[str, dict[str, float]]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from staff.models import StaffProfile

    user = get_user_model().objects.create_user("bench.analyst")
    StaffProfile.objects.create(
        user=user, role="provincial_analyst", province_code="33"
    )
    client = Client()
    client.force_login(user)
    figures = {}
    for name, url in PAGES.items():
        for _ in range(3):  # warm caches and connections
            assert client.get(url).status_code == 200, url
        times = []
        for _ in range(REPEAT):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, url
        times.sort()
        figures[name] = {
            "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
        }
    return figures


def run_scale(responses: int) -> int:
    os.environ["DATABASE_URL"] = database_url(responses)
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdef")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.pop("CELERY_BROKER_URL", None)  # tasks in-process; no broker needed
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sipas.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    build(responses)
    print("RESULT " + json.dumps(measure()), flush=True)
    return 0


# --- both scales, one run ----------------------------------------------------------


def main() -> int:
    figures = {}
    for responses in (SMALL, LARGE):
        log(f"building and measuring {responses:,} responses …")
        done = subprocess.run(
            [sys.executable, __file__, "--scale", str(responses)],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        for line in done.stdout.splitlines():
            if line.startswith("[dashboard]"):
                print(line, flush=True)
        result = [
            line for line in done.stdout.splitlines() if line.startswith("RESULT ")
        ]
        if done.returncode or not result:
            print(done.stdout[-2000:], done.stderr[-4000:], sep="\n")
            return 1
        figures[responses] = json.loads(result[-1][len("RESULT ") :])
    small, large = figures[SMALL], figures[LARGE]
    print(
        f"\n{'page':<10}{'10k median':>12}{'10k p95':>10}"
        f"{f'{LARGE // 1000}k median':>14}{f'{LARGE // 1000}k p95':>11}"
        f"{'ratio med':>11}{'ratio p95':>11}"
    )
    worst = 0.0
    for page in PAGES:
        ratio_median = large[page]["median_ms"] / small[page]["median_ms"]
        ratio_p95 = large[page]["p95_ms"] / small[page]["p95_ms"]
        worst = max(worst, ratio_median)
        print(
            f"{page:<10}{small[page]['median_ms']:>10.1f}ms{small[page]['p95_ms']:>8.1f}ms"
            f"{large[page]['median_ms']:>12.1f}ms{large[page]['p95_ms']:>9.1f}ms"
            f"{ratio_median:>11.2f}{ratio_p95:>11.2f}"
        )
    verdict = "met" if worst <= 1.5 else "MISSED"
    postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    print(
        f"target median ratio <= 1.5: {verdict} (worst {worst:.2f}; "
        f"{REPEAT} requests per page, database: "
        f"{'PostgreSQL' if postgres else 'SQLite'})"
    )
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--scale":
        sys.exit(run_scale(int(sys.argv[2])))
    sys.exit(main())
