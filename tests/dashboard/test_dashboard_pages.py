"""What the dashboard pages show, how many queries they cost, and their exports."""

import csv
import io

import pytest
from openpyxl import load_workbook

from dashboard.filters import read_filters
from dashboard.queries import Value
from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import FOREIGN_NAME, full_results, result


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


# Queries per page: session, user, staff profile, the page's own reads, the procedure
# fields of the filter's field picker (cached ten minutes; every test starts with an
# empty cache), and three for the session write of the idle-expiry middleware
# (savepoint, update, release).
# Pinned so a page that starts to loop over rows or scan responses fails here.
@pytest.mark.parametrize(
    ("role", "url", "queries"),
    [
        # the overview: + the sub-units' headlines of the priorities panel, + the
        # target of an agency (none for the national view)
        ("national_viewer", "/dashboard/", 10),
        ("province_analyst", "/dashboard/", 12),
        ("province_analyst", "/dashboard/?agency=so%20noi%20vu", 13),
        ("province_analyst", "/dashboard/agencies.json?q=hung%20yen", 7),
        ("commune_manager", "/dashboard/?channel=truc_tiep", 11),
        ("national_viewer", "/dashboard/ranking/", 10),
        ("province_analyst", "/dashboard/ranking/?kind=ubnd_xa", 11),
        ("province_analyst", "/dashboard/agency/UBND-T33/", 13),
        ("commune_manager", "/dashboard/agency/UBND-X12133/?period=2026-Q3", 12),
        ("province_analyst", "/dashboard/comments/", 12),
        ("commune_manager", "/dashboard/comments/?q=t%E1%BA%ADn&score=5", 11),
        ("province_analyst", "/dashboard/sample/", 11),
        ("province_analyst", "/dashboard/method/", 6),
    ],
)
def test_each_page_costs_a_fixed_number_of_queries(
    client,
    people,
    index_results,
    comments,
    django_assert_num_queries,
    role,
    url,
    queries,
):
    client.force_login(people[role])
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200


def test_query_count_does_not_grow_with_more_agencies_and_periods(
    client, people, agencies, index_results, django_assert_num_queries
):
    from reports.models import IndexResult

    IndexResult.objects.bulk_create(
        full_results(agencies["SXD-T33"], 70.0, 900, period="2024")
        + full_results(agencies["SXD-T33"], 71.0, 900, period="2023")
    )
    client.force_login(people["province_analyst"])
    with django_assert_num_queries(11):
        assert client.get("/dashboard/ranking/?period=2024").status_code == 200


def test_the_overview_shows_the_headline_with_its_interval_and_n(
    client, province_analyst, index_results
):
    client.force_login(province_analyst)
    response = client.get("/dashboard/?period=2026")
    assert response.context["headline"] == Value(84.0, 400, 80.0, 88.0)
    assert [p for p, _v in response.context["trend"]][-2:] == ["2025", "2026"]
    assert response.context["trend"][-2][1].value == 78.0
    assert [code for code, _l, _v in response.context["elements"]] == [
        "E1",
        "E2",
        "E3",
        "E4",
        "E5",
    ]
    assert response.context["months"][6] == ("2026-07", 37)
    assert response.context["g_distribution"][3][1:] == (190, 47.5)
    assert "SXD-T33" in [r.agency.code for r in response.context["small"]]
    body = response.content.decode()
    assert "84,00 %" in body
    assert "chart-trend" in body and 'id="dashboard-charts"' in body


def test_the_national_overview_is_the_unweighted_mean_of_the_provinces(
    client, national_viewer, index_results
):
    client.force_login(national_viewer)
    response = client.get("/dashboard/")
    # UBND-T33 84.0 and UBND-T01 90.0 (the ended UBND-T34 is not a province now).
    assert response.context["headline"].value == 87.0
    assert response.context["headline"].n == 800
    assert response.context["headline"].ci_low is None


def test_the_channel_filter_reads_the_channel_rows(
    client, province_analyst, index_results
):
    client.force_login(province_analyst)
    response = client.get("/dashboard/?channel=truc_tuyen")
    assert response.context["headline"].value == 81.0


def test_a_malformed_filter_falls_back_to_the_default_with_a_warning(
    client, province_analyst, index_results
):
    client.force_login(province_analyst)
    response = client.get("/dashboard/?period=2026-14&questionnaire=nope&channel=x")
    assert response.status_code == 200
    assert response.context["filters"].period == "2026"
    assert response.context["filters"].questionnaire == "exit-dv"
    assert "Kỳ không hợp lệ" in response.content.decode()


def test_filters_round_trip_through_the_querystring():
    from django.http import QueryDict

    filters = read_filters(
        QueryDict("period=2026-Q3&agency=UBND-T33&channel=truc_tuyen")
    )
    again = read_filters(QueryDict(filters.querystring()))
    assert again == filters


def test_ranking_ranks_departments_and_lists_small_samples_unranked(
    client, province_analyst, index_results
):
    client.force_login(province_analyst)
    response = client.get("/dashboard/ranking/?kind=so")
    ranked = [(e.rank, e.agency.code) for e in response.context["ranked"]]
    assert ranked == [(1, "SNV-T33"), (2, "STP-T33")]
    assert [e.agency.code for e in response.context["unranked"]] == ["SXD-T33"]
    first = response.context["ranked"][0]
    # 88 against 82 in 2025, se 2.04 each: a difference test (z = 2.08), then
    # Benjamini–Hochberg over every comparison on the page.
    assert first.change == 6.0
    assert first.test.p == pytest.approx(0.0375, abs=0.001)
    assert first.significant == (first.q < 0.05)
    assert first.q >= first.test.p


def test_the_agency_page_shows_the_heatmap_procedures_channels_and_merged_units(
    client, province_analyst, index_results, comments
):
    client.force_login(province_analyst)
    response = client.get("/dashboard/agency/UBND-T33/")
    heatmap = response.context["heatmap"]
    assert [e["code"] for e in heatmap] == ["E1", "E2", "E3", "E4", "E5"]
    assert [code for code, _l, _v in heatmap[2]["items"]] == [
        "E3.1",
        "E3.2",
        "E3.3",
        "E3.4",
        "E3.5",
    ]
    assert response.context["best"][0][:2] == ("1.000894", "Đăng ký kết hôn")
    assert [c for c, _l, _v in response.context["channels"]] == [
        "truc_tiep",
        "truc_tuyen",
    ]
    series = {unit.code: points for unit, points in response.context["series"]}
    assert set(series) == {"UBND-T33", "UBND-T34"}
    assert dict(series["UBND-T34"])["2025"].value == 82.0
    assert "heat-" in response.content.decode()


def test_table_exports_neutralise_formulas_and_match_the_page(
    client, national_viewer, index_results, comments
):
    client.force_login(national_viewer)
    response = client.get(
        "/dashboard/comments/?agency=SNV-T01&export=csv&table=comments"
    )
    rows = _csv(response)
    assert rows[0][3] == "Ý kiến"
    assert rows[1][3].startswith("'=HYPERLINK")
    response = client.get(
        "/dashboard/comments/?agency=SNV-T01&export=xlsx&table=comments"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    # row 1 is the sheet's title, row 2 the header (tests/dashboard/test_downloads.py)
    assert sheet["D3"].value.startswith("'=HYPERLINK")
    assert sheet["D3"].data_type == "s"


def test_an_unknown_table_or_format_is_not_found(
    client, national_viewer, index_results
):
    client.force_login(national_viewer)
    assert client.get("/dashboard/?export=csv&table=nope").status_code == 404
    assert client.get("/dashboard/?export=pdf&table=trend").status_code == 404


def test_raw_responses_are_streamed_within_the_scope(
    client, province_analyst, comments
):
    client.force_login(province_analyst)
    response = client.get("/dashboard/responses.csv?period=2026")
    assert response.streaming
    rows = _csv(response)
    assert rows[0][:5] == [
        "response_id",
        "questionnaire",
        "version",
        "submitted_at",
        "agency",
    ]
    agencies = sorted(row[4] for row in rows[1:])
    assert agencies == ["SNV-T33", "TTHCC-X12133"]
    g_column = rows[0].index("G")
    assert sorted(row[g_column] for row in rows[1:]) == ["2", "5"]
    assert FOREIGN_NAME not in str(rows)


def test_the_dashboards_speak_english_through_the_language_cookie(
    client, province_analyst, index_results
):
    from django.conf import settings
    from django.utils import translation

    client.force_login(province_analyst)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    try:
        body = client.get("/dashboard/ranking/?kind=so").content.decode()
    finally:
        # LocaleMiddleware leaves English active in this thread; later tests
        # that render without a request must not inherit it.
        translation.activate(settings.LANGUAGE_CODE)
    assert "Ranking of agencies of the same type" in body
    assert "Not ranked (fewer than 30 responses or no data)" in body


def test_the_procedure_field_filter_reads_the_field_rows(
    client, province_analyst, agencies, index_results
):
    from agencies.models import Procedure

    Procedure.objects.create(code="1.000894", name="Đăng ký kết hôn", field="Hộ tịch")
    result(
        agencies["UBND-T33"],
        "A_DV",
        72.5,
        60,
        dimension="field",
        dimension_value="Hộ tịch",
    ).save()
    client.force_login(province_analyst)
    response = client.get("/dashboard/?agency=UBND-T33&field=Hộ tịch")
    assert response.context["headline"].value == 72.5
    assert response.context["headline"].n == 60


def test_a_field_filter_on_a_month_is_dropped_with_a_note(
    client, province_analyst, agencies, index_results
):
    client.force_login(province_analyst)
    response = client.get("/dashboard/?agency=UBND-T33&field=Hộ tịch&period=2026-03")
    assert response.status_code == 200
    assert response.context["filters"].field == ""
    assert "không có cho từng tháng" in response.content.decode()


def test_a_filtered_composite_shows_a_dash_and_why_it_has_no_interval(
    client, province_analyst, index_results
):
    from reports.models import IndexResult

    # As the engine writes them: breakdown composites have no interval.
    IndexResult.objects.exclude(dimension="").update(ci_low=None, ci_high=None, se=None)
    client.force_login(province_analyst)
    page = client.get("/dashboard/?channel=truc_tuyen").content.decode()
    assert "Khoảng tin cậy 95 %: —" in page
    assert "không tính được khi lọc theo kênh hoặc lĩnh vực" in page
    assert 'href="/dashboard/method/#breakdowns"' in page
    unfiltered = client.get("/dashboard/").content.decode()
    assert "không tính được khi lọc" not in unfiltered
    method = client.get("/dashboard/method/").content.decode()
    assert 'id="breakdowns"' in method
    agency = client.get("/dashboard/agency/UBND-T33/?channel=truc_tuyen")
    assert "Khoảng tin cậy 95 %: —" in agency.content.decode()


def test_household_items_show_their_design_based_interval(
    client, province_analyst, agencies
):
    from reports.models import IndexResult

    root = agencies["UBND-T33"]
    rows = [
        result(root, "SIPAS", 80.0, 400, questionnaire="hh-1001", kind="sipas"),
        result(root, "P1", 80.0, 400, questionnaire="hh-1001"),
        result(root, "P1.1", 80.0, 400, questionnaire="hh-1001"),
    ]
    rows[2].ci_low, rows[2].ci_high, rows[2].se = 75.8, 83.63, 4.0  # deff 4
    IndexResult.objects.bulk_create(rows)
    client.force_login(province_analyst)
    response = client.get("/dashboard/agency/UBND-T33/?questionnaire=hh-1001")
    item = next(
        v
        for element in response.context["heatmap"]
        for code, _label, v in element["items"]
        if code == "P1.1"
    )
    assert (round(item.ci_low, 2), round(item.ci_high, 2)) == (71.12, 86.66)
    # Vietnamese decimals, in the heatmap's interval column
    assert '<td class="cell-ci">71,1–86,7</td>' in response.content.decode()
