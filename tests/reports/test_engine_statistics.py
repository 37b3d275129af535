"""The engine's standard errors (methodology version 2): pair counts kept by the
sweep and the repair, composite se against a respondent-level computation from
the raw rows, the cluster design effect of hh-1001, and old rows kept readable."""

import csv
import datetime
import json
import math

import pytest
from django.core.management import call_command
from scipy import stats as sps

from tests.reports.engine_fixtures import (
    SAT_ELEMENTS,
    VN,
    agency_parents,
    export_json,
    generate_rows,
    keyed,
    write_csv,
)

AGENCIES = ["UBND-T33", "SNV-T33", "UBND-X12133", "TTHCC-X12133", "UBND-X12103"]


def _composite_se(members: list[dict], elements: list[str], clusters=False) -> float:
    """Respondent by respondent: the delta-method se of the mean of element means
    (of aspects' means for SIPAS), optionally with the cluster design effect of
    the agencies — an independent computation from the raw answers."""
    aspects: dict[str, list[str]] = {}
    for element in elements:
        aspects.setdefault(element[0], []).append(element)
    answered = {
        c: [r for r in members if r.get(c)] for e in elements for c in SAT_ELEMENTS[e]
    }
    weights, p = {}, {}
    present = {
        a: [e for e in es if any(answered[c] for c in SAT_ELEMENTS[e])]
        for a, es in aspects.items()
    }
    present = {a: es for a, es in present.items() if es}
    for es in present.values():
        for e in es:
            codes = [c for c in SAT_ELEMENTS[e] if answered[c]]
            for c in codes:
                weights[c] = 1 / len(present) / len(es) / len(codes)
                p[c] = sum(int(r[c]) >= 4 for r in answered[c]) / len(answered[c])
    score = {}
    for r in members:
        score[r["response_id"]] = sum(
            w * ((int(r[c]) >= 4) - p[c]) / len(answered[c])
            for c, w in weights.items()
            if r.get(c)
        )
    inside = [r for r in members if any(r.get(c) for c in weights)]
    n = len(inside)
    v_srs = n / (n - 1) * sum(score[r["response_id"]] ** 2 for r in inside)
    if clusters:
        by_agency: dict[str, float] = {}
        for r in inside:
            by_agency[r["agency"]] = (
                by_agency.get(r["agency"], 0) + score[r["response_id"]]
            )
        c = len(by_agency)
        v_cl = c / (c - 1) * sum(z * z for z in by_agency.values())
        t = sps.t.ppf(0.975, c - 1) / 1.959963984540054
        v_srs = v_srs * max(1.0, v_cl / v_srs) * t * t
    return 100 * math.sqrt(v_srs)


@pytest.fixture
def generated(province_33, tmp_path):
    rows = generate_rows(AGENCIES, 700, 2026, seed=11)
    call_command("import_responses", str(write_csv(rows[:400], tmp_path / "a.csv")))
    call_command("import_responses", str(write_csv(rows[400:], tmp_path / "b.csv")))
    call_command("compute_indices", "--sync", period=["2026"])
    return rows


def _members(rows, agencies, questionnaire):
    seen, members = set(), []
    for row in rows:
        if row["response_id"] in seen or row["agency"] not in agencies:
            continue
        seen.add(row["response_id"])
        moment = datetime.datetime.fromisoformat(row["submitted_at"])
        if row["questionnaire"] == questionnaire and moment.astimezone(VN).year == 2026:
            members.append(row)
    return members


def test_composite_se_is_the_delta_method_of_the_raw_answers(generated, tmp_path):
    results = keyed(export_json(tmp_path, "2026")["results"])
    exit_elements = ["E1", "E2", "E3", "E4", "E5"]
    own = _members(generated, {"SNV-T33"}, "exit-dv")
    row = results[("SNV-T33", "own", "exit-dv", "A_DV")]
    assert row["se"] == pytest.approx(_composite_se(own, exit_elements), abs=2e-4)
    assert row["ci95"] == pytest.approx(
        [row["value"] - 1.96 * row["se"], row["value"] + 1.96 * row["se"]], abs=0.02
    )
    e3 = results[("SNV-T33", "own", "exit-dv", "E3")]
    assert e3["se"] == pytest.approx(_composite_se(own, ["E3"]), abs=2e-4)
    # items: the binomial se beside their Wilson interval
    item = results[("SNV-T33", "own", "exit-dv", "E1.1")]
    p = item["value"] / 100
    assert item["se"] == pytest.approx(
        100 * math.sqrt(p * (1 - p) / item["n"]), abs=0.01
    )


def test_household_subtree_intervals_carry_the_design_effect_of_its_communes(
    generated, tmp_path
):
    results = keyed(export_json(tmp_path, "2026")["results"])
    parents = agency_parents()
    under = {a for a in AGENCIES if a == "UBND-T33" or parents.get(a)}
    members = _members(generated, under, "hh-1001")
    elements = list(SAT_ELEMENTS)
    row = results[("UBND-T33", "subtree", "hh-1001", "SIPAS")]
    expected = _composite_se(members, elements, clusters=True)
    assert row["se"] == pytest.approx(expected, abs=2e-4)
    assert row["se"] > _composite_se(members, elements) - 1e-9


def _item_se(members: list[dict], code: str, clusters=False) -> tuple[float, int]:
    """Binomial se of an item's percentage from the raw answers, optionally with
    the design effect of the agencies (the composites' rule for one item)."""
    answered = [r for r in members if r.get(code)]
    n = len(answered)
    p = sum(int(r[code]) >= 4 for r in answered) / n
    variance = p * (1 - p) / n
    if clusters:
        by_agency: dict[str, float] = {}
        for r in members:  # every agency with an answer is a cluster
            if any(r.get(c) for c in SAT_CODES):
                z = ((int(r[code]) >= 4) - p) / n if r.get(code) else 0.0
                by_agency[r["agency"]] = by_agency.get(r["agency"], 0.0) + z
        c = len(by_agency)
        v_cl = c / (c - 1) * sum(z * z for z in by_agency.values())
        t = sps.t.ppf(0.975, c - 1) / 1.959963984540054
        variance = variance * max(1.0, v_cl / variance) * t * t
    return 100 * math.sqrt(variance), n


SAT_CODES = [c for codes in SAT_ELEMENTS.values() for c in codes]


def test_household_subtree_items_carry_the_design_effect_of_their_communes(
    generated, tmp_path
):
    from reports.indices import wilson
    from reports.statistics import design_interval

    results = keyed(export_json(tmp_path, "2026")["results"])
    parents = agency_parents()
    under = {a for a in AGENCIES if a == "UBND-T33" or parents.get(a)}
    members = _members(generated, under, "hh-1001")
    inflated = 0
    for code in ("P1.1", "E1.1", "E3.2", "E5.1"):
        row = results[("UBND-T33", "subtree", "hh-1001", code)]
        expected, n = _item_se(members, code, clusters=True)
        assert row["n"] == n
        assert row["se"] == pytest.approx(expected, abs=2e-4), code
        plain, _n = _item_se(members, code)
        assert row["se"] >= plain - 1e-4
        inflated += row["se"] > plain * 1.01
        # ci95 stays the Wilson interval on the answers (docs/formats.md); the
        # design-based interval is published beside it, and is never narrower.
        hits = round(row["value"] * n / 100)
        assert row["ci95"] == pytest.approx(list(wilson(hits, n)), abs=0.01)
        design = design_interval(row["value"], n, row["se"])
        assert row["ci95_design"] == pytest.approx(list(design), abs=0.02)
        assert row["ci95_design"][0] <= row["ci95"][0] + 0.01
        assert row["ci95_design"][1] >= row["ci95"][1] - 0.01
    assert inflated  # the generated communes differ: some design effect shows
    share = results[("UBND-T33", "subtree", "hh-1001", "N4:1")]
    assert share["ci95_design"] is not None and share["se"] is not None
    # One agency is one cluster: its own rows have no design effect.
    own = results[("UBND-X12133", "own", "hh-1001", "P1.1")]
    own_members = _members(generated, {"UBND-X12133"}, "hh-1001")
    assert own["se"] == pytest.approx(_item_se(own_members, "P1.1")[0], abs=2e-4)
    assert own["ci95_design"] == pytest.approx(own["ci95"], abs=0.02)
    assert "ci95_design" not in results[("UBND-T33", "subtree", "exit-dv", "E1.1")]


def test_pair_counts_of_the_sweep_equal_a_rebuild_from_raw_answers(generated):
    from reports.engine.recompute import recompute_periods
    from reports.models import IndexResult, PairCount

    def snapshot():
        pairs = sorted(
            PairCount.objects.values_list(
                "agency_id",
                "pooled",
                "month",
                "version_id",
                "item_a",
                "item_b",
                "answered",
                "a_satisfied",
                "b_satisfied",
                "both_satisfied",
            )
        )
        ses = sorted(
            IndexResult.objects.filter(period="2026", dimension="").values_list(
                "agency_id", "scope", "questionnaire", "indicator", "se"
            )
        )
        return pairs, ses

    swept = snapshot()
    assert swept[0] and any(se is not None for *_k, se in swept[1])
    recompute_periods(["2026"], rebuild=True)
    assert snapshot() == swept


def test_older_methodology_rows_stay_readable_and_are_not_rewritten(
    generated, tmp_path
):
    from agencies.models import Agency
    from reports.models import IndexResult

    old = IndexResult.objects.create(
        methodology="sipas-1001",
        method_version=1,
        period="2026",
        agency=Agency.objects.get(code="SNV-T33"),
        scope="own",
        questionnaire="exit-dv",
        kind="aspect",
        indicator="A_DV",
        value=81.5,
        n=120,
        ci_low=70.0,
        ci_high=93.0,
    )
    call_command("compute_indices", "--sync", period=["2026"])
    assert IndexResult.objects.filter(pk=old.pk).exists()
    target = tmp_path / "v1.json"
    call_command("export_indices", str(target), period="2026", methodology_version=1)
    document = json.loads(target.read_text())
    assert document["methodology_version"] == 1
    assert [r["value"] for r in document["results"]] == [81.5]
    current = export_json(tmp_path, "2026")
    assert current["methodology_version"] == 3
    assert len(current["results"]) > 100


def test_csv_export_has_se_and_incomplete_columns(generated, tmp_path):
    target = tmp_path / "indices.csv"
    call_command("export_indices", str(target), period="2026")
    with target.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert {"se", "incomplete"} <= set(rows[0])
    composite = next(r for r in rows if r["indicator"] == "A_DV")
    assert float(composite["se"]) > 0


def test_export_rejects_an_unknown_methodology_version(province_33, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="versions 1 to 3"):
        call_command(
            "export_indices",
            str(tmp_path / "x.json"),
            period="2026",
            methodology_version=7,
        )
