"""The demo tells the truth (issue #17, item 9): nothing dated after now, comments
that match the score the triage shows, best and worst procedures filled for a busy
agency, and `make demo` printing links and posters for the port it serves."""

from __future__ import annotations

import datetime
import os
import re
import subprocess
import zoneinfo
from collections import Counter
from pathlib import Path

import time_machine
from django.conf import settings
from django.core.management import call_command

from reports.indices.maths import SMALL_SAMPLE_N
from surveys import demo_comments
from surveys.demo import build_plan, generate
from surveys.models import Response

TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
ROOT = Path(settings.BASE_DIR)


def test_no_demo_response_is_dated_after_now(reference_data):
    # A Monday morning at 08:00: the generator used to fill the whole of today,
    # office hours and online evening included.
    now = datetime.datetime(2026, 6, 15, 8, 0, tzinfo=TZ)
    with time_machine.travel(now, tick=False):
        call_command("seed_demo", "--responses", "3000", "--seed", "4", verbosity=0)
        latest = max(Response.objects.values_list("submitted_at", flat=True))
    assert latest <= now
    assert latest.date() >= datetime.date(2026, 6, 12)  # the data still reach today


def _overall_ratings():
    from surveys.models import Answer

    return dict(
        Answer.objects.filter(item_code="G").values_list("response_id", "value")
    )


def test_a_comment_reads_like_the_rating_beside_it(reference_data):
    call_command(
        "seed_demo", "--responses", "3000", "--seed", "8", "--year", "2025", verbosity=0
    )
    overall = _overall_ratings()
    kind = {}
    for pool, name in (
        (demo_comments.POSITIVE + demo_comments.POSITIVE_ONLINE, "good"),
        (demo_comments.NEGATIVE + demo_comments.NEGATIVE_ONLINE, "bad"),
        (demo_comments.MIXED, "mixed"),
    ):
        for remark in pool:
            kind[remark[1:].rstrip(".").lower()] = name
    seen = Counter()
    for pk, comment in Response.objects.exclude(comment="").values_list(
        "pk", "comment"
    ):
        if pk not in overall:
            continue
        tones = {tone for remark, tone in kind.items() if remark in comment.lower()}
        assert len(tones) == 1, comment
        (tone,) = tones
        seen[overall[pk], tone] += 1
        if overall[pk] <= 2:
            assert tone == "bad", (overall[pk], comment)
        if overall[pk] >= 4:
            assert tone == "good", (overall[pk], comment)
    assert seen[1, "bad"] + seen[2, "bad"] > 0 and seen[5, "good"] > 0


def test_the_busiest_agency_has_best_and_worst_procedures(reference_data):
    plan = build_plan(
        province="33", year=2025, seed=2026, today=datetime.date(2025, 12, 31)
    )
    drafts = [d for d in generate(plan, 20000, 2026) if d.procedure_id]
    busiest, _n = Counter(d.agency_id for d in drafts).most_common(1)[0]
    per_procedure = Counter(d.procedure_id for d in drafts if d.agency_id == busiest)
    # best five and worst five need more than five procedures past the small sample
    assert sum(n >= SMALL_SAMPLE_N for n in per_procedure.values()) > 5


def test_make_demo_points_links_and_posters_at_its_own_port(tmp_path):
    # A stand-in for the venv's python that prints what each step was given.
    fake = tmp_path / "python"
    fake.write_text('#!/bin/sh\necho "step SITE_URL=$SITE_URL $*"\n')
    fake.chmod(0o755)
    result = subprocess.run(
        # -o: take the venv as installed (the suite runs inside it)
        [
            "make",
            "-s",
            "-o",
            ".venv/.installed",
            "demo",
            f"PY={fake}",
            "PORT=8123",
            "HOST=0.0.0.0",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "SITE_URL"},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    steps = [line for line in result.stdout.splitlines() if line.startswith("step ")]
    assert steps and all("SITE_URL=http://0.0.0.0:8123 " in s for s in steps), steps
    assert "http://0.0.0.0:8123/" in result.stdout


def test_compute_indices_says_what_it_did_in_one_line(reference_data):
    from io import StringIO

    call_command(
        "seed_demo", "--responses", "300", "--seed", "2", "--year", "2025", verbosity=0
    )
    out = StringIO()
    call_command("compute_indices", "--sync", stdout=out, stderr=StringIO())
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1, lines
    assert "0 index rows" not in lines[0]
    periods, rows = re.search(
        r"(\d+) periods? \([^)]*\): ([\d,]+) index rows", lines[0]
    ).groups()
    # 2025 and the legacy responses of 2024: each year, its quarters and months
    assert int(periods) == 34
    assert int(rows.replace(",", "")) > 1000
    detailed = StringIO()
    call_command("compute_indices", "--sync", stdout=detailed, verbosity=2)
    assert "2025-Q3:" in detailed.getvalue()
    assert ": 0 index rows" not in detailed.getvalue()
