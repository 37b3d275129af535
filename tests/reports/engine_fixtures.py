"""Fixtures and helpers for the index-engine tests (imported by test_*.py here).

`brute_force` computes the published indices straight from response rows with
the formulas of docs/method.md, without the engine's aggregates or its maths module,
so that the engine is checked against the method rather than against itself.
"""

from __future__ import annotations

import datetime
import json
import math
import random
import uuid
import zoneinfo
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
SAT_ELEMENTS = {
    "E1": ["E1.1", "E1.2", "E1.3", "E1.4"],
    "E2": ["E2.1", "E2.2", "E2.3", "E2.4"],
    "E3": ["E3.1", "E3.2", "E3.3", "E3.4", "E3.5"],
    "E4": ["E4.1", "E4.2", "E4.3"],
    "E5": ["E5.1", "E5.2", "E5.3"],
    "P1": ["P1.1", "P1.2"],
    "P2": ["P2.1", "P2.2"],
    "P3": [f"P3.{i}" for i in range(1, 9)],
    "P4": ["P4.1", "P4.2"],
}
SHARES = {"N3": 5, "N4": 3, "N5": 3, "N6": 3, "N7": 3}
EXPECTATIONS = [f"M{i}" for i in range(1, 11)]


@pytest.fixture
def province_33(db):
    """Hưng Yên's agencies, the procedures and both questionnaires (version 1)."""
    from surveys.reference import load_reference_data

    return load_reference_data(["33"])


@pytest.fixture
def exit_version(province_33):
    """exit-dv's current version in Hưng Yên's reference data."""
    from surveys.models import Questionnaire

    return Questionnaire.objects.get(code="exit-dv").current_version()


@pytest.fixture
def commune_centre(province_33):
    """A commune's one-stop centre (TTHCC-X12133) in Hưng Yên."""
    from agencies.models import Agency

    return Agency.objects.get(code="TTHCC-X12133")


# Two years of a commune centre's exit forms (the year-partition tests): three
# responses of OLD and two of KEPT, all answers 4.
TWO_YEARS_ANSWERS = {code: 4 for code in ["E1.1", "E2.1", "E3.1", "E4.1", "E5.1", "G"]}
OLD, KEPT = 2019, 2020


def mid_year(year: int) -> datetime.datetime:
    return datetime.datetime(year, 6, 15, 9, tzinfo=VN)


@pytest.fixture
def two_years(exit_version, commune_centre):
    from surveys.services import ResponseDraft, store_responses

    store_responses(
        [
            ResponseDraft(
                version=exit_version,
                agency_id=commune_centre.pk,
                answers=TWO_YEARS_ANSWERS,
                submitted_at=at,
            )
            for at in [mid_year(OLD)] * 3 + [mid_year(KEPT)] * 2
        ]
    )
    return exit_version, commune_centre


@pytest.fixture
def shared_reference() -> Path:
    path = Path(settings.SHARED_DIR) / "data" / "reference"
    if not (path / "responses.csv").is_file():
        pytest.skip(f"reference data set not found under {path}")
    return path


def export_json(tmp_path: Path, period: str) -> dict:
    target = tmp_path / f"indices-{period}.json"
    call_command("export_indices", str(target), period=period)
    return json.loads(target.read_text())


def keyed(results: list[dict]) -> dict[tuple, dict]:
    return {
        (r["agency"], r["scope"], r["questionnaire"], r["indicator"]): r
        for r in results
    }


def assert_matches(got: list[dict], expected: list[dict]) -> None:
    """Every row present, no extra row, values/Wilson ±0.01, n and flag exact."""
    got_rows, want_rows = keyed(got), keyed(expected)
    assert sorted(set(want_rows) - set(got_rows)) == []
    assert sorted(set(got_rows) - set(want_rows)) == []
    for key, want in want_rows.items():
        row = got_rows[key]
        assert (row["kind"], row["n"], row["flag"]) == (
            want["kind"],
            want["n"],
            want["flag"],
        ), key
        if want["value"] is None:
            assert row["value"] is None, key
        else:
            assert row["value"] == pytest.approx(want["value"], abs=0.01), key
        if want.get("ci95") is not None:
            assert row["ci95"] == pytest.approx(want["ci95"], abs=0.01), key


# --- generated data and the brute-force computation --------------------------------


def generate_rows(agencies: list[str], count: int, year: int, seed: int) -> list[dict]:
    """sipas-csv rows for both questionnaires, with blanks, whole blank elements,
    G-only responses and timestamps in several offsets."""
    rng = random.Random(seed)
    offsets = [datetime.timezone(datetime.timedelta(hours=h)) for h in (7, 0, -5, 9)]
    rows = []
    for _ in range(count):
        household = rng.random() < 0.3
        moment = datetime.datetime(year, 1, 1, tzinfo=VN) + datetime.timedelta(
            seconds=rng.randrange(366 * 86400)
        )
        row = {
            "response_id": str(uuid.UUID(int=rng.getrandbits(128))),
            "questionnaire": "hh-1001" if household else "exit-dv",
            "submitted_at": moment.astimezone(rng.choice(offsets)).isoformat(),
            "agency": rng.choice(agencies),
            "channel": rng.choice(["", "truc_tiep", "truc_tuyen", "buu_chinh"]),
            "gender": rng.choice(["", "nam", "nu"]),
            "age_group": rng.choice(["", "18-24", "25-34", "35-49", "50-60", "60+"]),
        }
        blank_element = rng.choice(["E2", "E5", None, None, None])
        g_only = not household and rng.random() < 0.03
        elements = [e for e in SAT_ELEMENTS if e.startswith("E") or household]
        for element in elements:
            for code in SAT_ELEMENTS[element]:
                if g_only or element == blank_element or rng.random() < 0.12:
                    continue
                row[code] = str(rng.choices([1, 2, 3, 4, 5], [1, 2, 3, 6, 4])[0])
        if not household and rng.random() < 0.85:
            row["G"] = str(rng.randint(1, 5))
        if household:
            for code, options in SHARES.items():
                if rng.random() < 0.8:
                    row[code] = str(rng.randint(1, options))
            for code in EXPECTATIONS:
                if rng.random() < 0.8:
                    row[code] = str(rng.randint(1, 3))
        rows.append(row)
    return rows


def _in_period(moment: datetime.datetime, period: str) -> bool:
    local = moment.astimezone(VN)
    if len(period) == 4:
        return local.year == int(period)
    if "Q" in period:
        return local.year == int(period[:4]) and (local.month - 1) // 3 + 1 == int(
            period[-1]
        )
    return (local.year, local.month) == (int(period[:4]), int(period[5:]))


def _wilson(x: int, n: int) -> list[float] | None:
    if not n:
        return None
    p, z = x / n, 1.96
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [100 * (centre - half), 100 * (centre + half)]


def brute_force(rows: list[dict], period: str, parents: dict[str, str | None]) -> list:
    """Published rows for a period, from raw sipas-csv rows (first id wins)."""
    unique: dict[str, dict] = {}
    for row in rows:
        unique.setdefault(row["response_id"], row)

    def ancestors(agency: str) -> list[str]:
        chain = [agency]
        while parents.get(chain[-1]):
            chain.append(parents[chain[-1]])
        return chain

    groups: dict[tuple, list[dict]] = {}
    for row in unique.values():
        if not _in_period(datetime.datetime.fromisoformat(row["submitted_at"]), period):
            continue
        groups.setdefault((row["agency"], "own", row["questionnaire"]), []).append(row)
        for agency in ancestors(row["agency"]):
            key = (agency, "subtree", row["questionnaire"])
            groups.setdefault(key, []).append(row)
    results = []
    for (agency, scope, q), members in groups.items():
        results.extend(_group_rows(agency, scope, q, members))
    return results


def _group_rows(agency: str, scope: str, q: str, members: list[dict]) -> list[dict]:
    results: list[dict] = []
    elements = [e for e in SAT_ELEMENTS if e.startswith("E") or q == "hh-1001"]

    def add(kind, indicator, value, n, ci=None):
        results.append(
            {
                "agency": agency,
                "scope": scope,
                "questionnaire": q,
                "kind": kind,
                "indicator": indicator,
                "value": value,
                "n": n,
                "ci95": ci,
                "flag": "small_sample" if n < 30 else None,
            }
        )

    def answers(code):
        return [int(r[code]) for r in members if r.get(code)]

    def item(code):
        values = answers(code)
        hits = sum(v >= 4 for v in values)
        return (100 * hits / len(values) if values else None), len(values), hits

    def average(values):
        present = [v for v in values if v is not None]
        return sum(present) / len(present) if present else None

    def responded(codes):
        return sum(1 for r in members if any(r.get(c) for c in codes))

    element_values = {}
    for element in elements:
        for code in SAT_ELEMENTS[element]:
            value, n, hits = item(code)
            add("item", code, value, n, _wilson(hits, n))
        element_values[element] = average(item(c)[0] for c in SAT_ELEMENTS[element])
        add(
            "element",
            element,
            element_values[element],
            responded(SAT_ELEMENTS[element]),
        )
    aspects = {"A_DV": [e for e in elements if e[0] == "E"]}
    if q == "hh-1001":
        aspects["A_CS"] = [e for e in elements if e[0] == "P"]
    aspect_values = {}
    for aspect, parts in aspects.items():
        codes = [c for e in parts for c in SAT_ELEMENTS[e]]
        aspect_values[aspect] = average(element_values[e] for e in parts)
        add("aspect", aspect, aspect_values[aspect], responded(codes))
    if q == "hh-1001":
        codes = [c for e in elements for c in SAT_ELEMENTS[e]]
        add("sipas", "SIPAS", average(aspect_values.values()), responded(codes))
        for code, options in SHARES.items():
            values = answers(code)
            for option in range(1, options + 1):
                hits = sum(v == option for v in values)
                value = 100 * hits / len(values) if values else None
                add(
                    "share",
                    f"{code}:{option}",
                    value,
                    len(values),
                    _wilson(hits, len(values)),
                )
        for code in EXPECTATIONS:
            values = answers(code)
            hits = sum(v <= 2 for v in values)
            value = 100 * hits / len(values) if values else None
            add("expectation", code, value, len(values), _wilson(hits, len(values)))
    else:
        value, n, hits = item("G")
        add("overall", "G", value, n, _wilson(hits, n))

    return results


def write_csv(rows: list[dict], path: Path) -> Path:
    """Write sipas-csv rows (missing columns empty)."""
    import csv

    from sipas.formats.sipas_csv import BASE_COLUMNS

    items = sorted({k for row in rows for k in row} - set(BASE_COLUMNS) - {"comment"})
    header = [*BASE_COLUMNS, *items, "comment"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    return path


def agency_parents() -> dict[str, str | None]:
    from agencies.models import Agency

    return {
        a.code: (a.parent.code if a.parent_id else None)
        for a in Agency.objects.select_related("parent")
    }
