"""`compare_indices`: change tests between two periods, one BH family per file."""

import csv
import json
import random
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.reports.engine_fixtures import SAT_ELEMENTS, write_csv

ITEMS = [c for e in ("E1", "E2", "E3", "E4", "E5") for c in SAT_ELEMENTS[e]]


def _responses(agency: str, month: str, count: int, satisfied: float, seed: int):
    rng = random.Random(seed)
    rows = []
    for k in range(count):
        mood = rng.random() < satisfied  # one person's answers go together
        row = {
            "response_id": str(uuid.UUID(int=rng.getrandbits(128))),
            "questionnaire": "exit-dv",
            "submitted_at": f"{month}-{1 + k % 27:02d}T10:00:00+07:00",
            "agency": agency,
        }
        for code in ITEMS:
            happy = mood if rng.random() < 0.8 else rng.random() < satisfied
            row[code] = str(rng.choice([4, 5]) if happy else rng.choice([1, 2, 3]))
        row["G"] = row["E1.1"]
        rows.append(row)
    return rows


@pytest.fixture
def two_quarters(province_33, tmp_path):
    rows = (
        _responses("SNV-T33", "2026-02", 200, 0.60, 1)
        + _responses("SNV-T33", "2026-05", 200, 0.85, 2)
        + _responses("STP-T33", "2026-02", 200, 0.75, 3)
        + _responses("STP-T33", "2026-05", 200, 0.75, 4)
    )
    call_command("import_responses", str(write_csv(rows, tmp_path / "r.csv")))
    call_command("compute_indices", "--sync", period=["2026-Q1", "2026-Q2"])


def _compare(tmp_path, name="changes.json", **options):
    target = tmp_path / name
    call_command("compare_indices", str(target), **options)
    return target


def test_it_finds_a_real_change_and_not_an_unchanged_agency(two_quarters, tmp_path):
    target = _compare(tmp_path, period="2026-Q2", baseline="2026-Q1")
    document = json.loads(target.read_text())
    assert (document["period"], document["baseline"]) == ("2026-Q2", "2026-Q1")
    rows = {(r["agency"], r["scope"], r["indicator"]): r for r in document["results"]}
    changed = rows[("SNV-T33", "own", "A_DV")]
    assert changed["diff"] == pytest.approx(changed["value"] - changed["baseline"])
    assert changed["diff"] > 15 and changed["significant"] is True
    low, high = changed["diff_ci95"]
    assert low < changed["diff"] < high and low > 0
    assert changed["q"] >= changed["p"]
    steady = rows[("STP-T33", "own", "A_DV")]
    assert steady["significant"] is False and steady["p"] > 0.05
    assert {"value", "baseline", "diff", "diff_ci95", "p", "q", "significant"} <= set(
        changed
    )
    # every row of the file is one family: q-values are BH over all tested rows
    tested = [r for r in document["results"] if r["p"] is not None]
    assert len(tested) > 50
    assert all(r["q"] >= r["p"] - 1e-9 for r in tested)


def test_an_agency_filter_and_csv_output(two_quarters, tmp_path):
    target = _compare(
        tmp_path, "c.csv", period="2026-Q2", baseline="2026-Q1", agency="STP-T33"
    )
    with target.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["agency"] for r in rows} == {"STP-T33"}
    assert {"diff_ci95_low", "diff_ci95_high", "q", "significant"} <= set(rows[0])


@pytest.mark.parametrize(
    "options, message",
    [
        ({"period": "2026-Q5", "baseline": "2026-Q1"}, "--period"),
        ({"period": "2026-Q2", "baseline": "2026-Q2"}, "another period"),
        ({"period": "2026-Q2", "baseline": "2026-Q1", "agency": "NOPE"}, "NOPE"),
    ],
)
def test_bad_input_is_a_clear_error(province_33, tmp_path, options, message):
    with pytest.raises(CommandError, match=message):
        _compare(tmp_path, **options)
    assert not (tmp_path / "changes.json").exists()


def test_an_unsupported_file_type_is_refused(province_33, tmp_path):
    with pytest.raises(CommandError, match="unsupported file type"):
        _compare(tmp_path, "c.txt", period="2026-Q2", baseline="2026-Q1")
