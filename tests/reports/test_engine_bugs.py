"""The audit's engine bugs (issue 12), each with the test that failed before
its fix: G distribution under filters, SQLite period boundaries, drafts in the
catalogue, household breakdown rows."""

import sqlite3

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from dashboard import queries
from dashboard.filters import Filters
from reports.engine.sql import bucket_sql
from reports.models import IndexResult
from staff.models import StaffProfile
from tests.reports.engine_fixtures import SAT_ELEMENTS, export_json, write_csv

EXIT_ITEMS = [c for e in ("E1", "E2", "E3", "E4", "E5") for c in SAT_ELEMENTS[e]]
HH_ITEMS = [c for items in SAT_ELEMENTS.values() for c in items]


def _row(k: int, **fields) -> dict:
    return {
        "response_id": f"00000000-0000-4000-8000-{k:012d}",
        "questionnaire": "exit-dv",
        "submitted_at": f"2026-05-{1 + k % 27:02d}T09:00:00+07:00",
        "agency": "TTHCC-X12133",
        **fields,
    }


def test_the_g_distribution_under_a_channel_filter_keeps_all_five_levels(
    province_33, tmp_path
):
    levels = [1] * 5 + [2] * 10 + [3] * 25 + [4] * 40 + [5] * 20
    rows = [
        _row(k, channel="truc_tiep", G=str(g), **{"E1.1": "4"})
        for k, g in enumerate(levels)
    ]
    call_command("import_responses", str(write_csv(rows, tmp_path / "g.csv")))
    call_command("compute_indices", "--sync", period=["2026"])
    viewer = get_user_model().objects.create_user("viewer")
    StaffProfile.objects.create(user=viewer, role="national_viewer")
    for channel in ("", "truc_tiep"):
        filters = Filters(
            period="2026", questionnaire="exit-dv", agency="UBND-T33", channel=channel
        )
        shares = [
            pct for _l, _c, pct in queries.overview(viewer, filters)["g_distribution"]
        ]
        assert shares == [5.0, 10.0, 25.0, 40.0, 20.0], channel


@pytest.mark.parametrize(
    "unit, expected",
    [("month", "2026-01-01"), ("quarter", "2026-01-01"), ("year", "2026-01-01")],
)
def test_sqlite_buckets_do_not_round_the_last_instant_into_the_next_period(
    unit, expected
):
    sql = bucket_sql("?", unit, vendor="sqlite").replace("%%", "%")
    database = sqlite3.connect(":memory:")
    # 2026-01-31 23:59:59.9995 in Hà Nội, stored as UTC text by Django
    moment = "2026-12-31" if unit == "year" else "2026-01-31"
    values = [f"{moment} 16:59:59.999500"] * sql.count("?")
    assert database.execute(f"SELECT {sql}", values).fetchone()[0] == expected


def test_a_response_in_the_last_instant_of_a_month_counts_in_that_month(
    province_33, tmp_path
):
    rows = [_row(1, submitted_at="2026-01-31T23:59:59.999500+07:00", **{"E1.1": "5"})]
    call_command("import_responses", str(write_csv(rows, tmp_path / "b.csv")))
    call_command("compute_indices", "--sync", period=["2026-01", "2026-02"])
    months = IndexResult.objects.filter(
        agency__code="TTHCC-X12133",
        indicator="E1.1",
        scope="own",
        dimension="",
        period__in=["2026-01", "2026-02"],
    ).values_list("period", "n")
    assert dict(months) == {"2026-01": 1}


def test_items_of_an_unpublished_draft_are_not_in_the_catalogue(province_33, tmp_path):
    from surveys.models import Item, Questionnaire

    questionnaire = Questionnaire.objects.get(code="exit-dv")
    current = questionnaire.current_version()
    draft = questionnaire.versions.create(number=current.number + 1, title="Nháp")
    Item.objects.create(
        version=draft,
        code="E1.9",
        position=1,
        kind=Item.Kind.SAT5,
        element="E1",
        aspect="A_DV",
        text="Tiêu chí nháp",
    )
    rows = [_row(k, **{"E1.1": "4"}) for k in range(3)]
    call_command("import_responses", str(write_csv(rows, tmp_path / "d.csv")))
    call_command("compute_indices", "--sync", period=["2026"])
    indicators = {r["indicator"] for r in export_json(tmp_path, "2026")["results"]}
    assert "E1.1" in indicators and "E1.9" not in indicators


def test_the_household_form_has_breakdown_rows_of_its_headline(province_33, tmp_path):
    rows = []
    for k in range(60):
        gender = "nam" if k % 2 else "nu"
        answers = {
            c: str(4 + (k + i) % 2 if k % 3 else 2) for i, c in enumerate(HH_ITEMS)
        }
        rows.append(
            _row(
                k,
                questionnaire="hh-1001",
                agency="UBND-X12133",
                gender=gender,
                **answers,
            )
        )
    call_command("import_responses", str(write_csv(rows, tmp_path / "h.csv")))
    call_command("compute_indices", "--sync", period=["2026"])
    official = IndexResult.objects.get(
        agency__code="UBND-X12133",
        period="2026",
        scope="subtree",
        questionnaire="hh-1001",
        indicator="SIPAS",
        dimension="",
    )
    by_gender = dict(
        IndexResult.objects.filter(
            agency__code="UBND-X12133",
            period="2026",
            questionnaire="hh-1001",
            indicator="SIPAS",
            dimension="gender",
        ).values_list("dimension_value", "n")
    )
    assert by_gender == {"nam": 30, "nu": 30}
    assert sum(by_gender.values()) == official.n
