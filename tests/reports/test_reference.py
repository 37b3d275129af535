"""Acceptance: the engine reproduces independently computed indices.

1. ../shared/data/reference/responses.csv against its expected-*.json files.
2. A generated data set against a brute-force computation from the method
   (tests/reports/engine_fixtures.brute_force), so the engine is not tuned to
   one file.
"""

import json

from django.core.management import call_command

from tests.reports.engine_fixtures import (
    agency_parents,
    assert_matches,
    brute_force,
    export_json,
    generate_rows,
    write_csv,
)

PERIODS = ["2026", "2026-Q1", "2026-Q2", "2026-03"]


def test_reference_data_set_gives_the_expected_indices(
    province_33, shared_reference, tmp_path
):
    call_command("import_responses", str(shared_reference / "responses.csv"))
    call_command("compute_indices", "--sync", period=PERIODS)
    for period in PERIODS:
        expected = json.loads(
            (shared_reference / f"expected-{period}.json").read_text()
        )
        document = export_json(tmp_path, period)
        assert (document["period"], document["methodology"]) == (period, "sipas-1001")
        assert_matches(document["results"], expected["results"])


def test_a_generated_data_set_matches_a_brute_force_computation(province_33, tmp_path):
    agencies = [
        "UBND-T33",
        "TTHCC-T33",
        "SNV-T33",
        "UBND-X12133",
        "TTHCC-X12133",
        "UBND-X12103",
        "TTHCC-X12103",
    ]
    rows = generate_rows(agencies, 900, 2026, seed=7)
    call_command("import_responses", str(write_csv(rows, tmp_path / "gen.csv")))
    periods = ["2026", "2026-Q3", "2026-12", "2026-01"]
    call_command("compute_indices", "--sync", period=periods)
    parents = agency_parents()
    for period in periods:
        got = export_json(tmp_path, period)["results"]
        assert_matches(got, brute_force(rows, period, parents))


def test_indices_computed_incrementally_equal_a_full_recompute(province_33, tmp_path):
    """The debounced sweep path and the nightly rebuild give the same rows."""
    from reports.engine import recompute, sweep
    from reports.models import IndexResult

    agencies = ["UBND-X12133", "TTHCC-X12133", "SNV-T33"]
    rows = generate_rows(agencies, 300, 2026, seed=3)
    # in-process tasks: every import's on-commit sweep runs right away
    call_command("import_responses", str(write_csv(rows[:150], tmp_path / "a.csv")))
    call_command("import_responses", str(write_csv(rows[150:], tmp_path / "b.csv")))
    sweep.sweep_dirty()
    sweep.sweep_breakdowns()  # enqueued after the sweep's commit

    def snapshot():
        return sorted(
            IndexResult.objects.filter(period__in=["2026", "2026-Q2"]).values_list(
                "period",
                "agency_id",
                "scope",
                "questionnaire",
                "dimension",
                "dimension_value",
                "indicator",
                "value",
                "n",
                "ci_low",
                "ci_high",
                "flag",
            )
        )

    incremental = snapshot()
    recompute.recompute_periods(["2026", "2026-Q2"])
    assert incremental == snapshot()
    assert incremental
