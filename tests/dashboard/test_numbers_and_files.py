"""Numbers as people read them and files as their spreadsheets open them (issue 17,
item 6): one formatter (sipas/numbers.py), one small-sample rule, the Excel CSV
variant, styled XLSX, file names with agency and period, the raw download's
progress cookie."""

import csv
import doctest
import io

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from openpyxl import load_workbook

from dashboard.exports import Table
from dashboard.queries import Value
from dashboard.templatetags import dashboard as dashboard_tags
from reports.models import IndexResult
from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import _agency, result


def test_the_doctest_examples_hold():
    from sipas import numbers

    assert doctest.testmod(numbers).failed == 0
    assert doctest.testmod(dashboard_tags).failed == 0


def test_a_figure_reads_79_60_percent_with_n_15_808_in_vietnamese():
    value = Value(79.6, 15808, 47.974, 60.606)
    with translation.override("vi"):
        html = render_to_string("dashboard/_value.html", {"v": value})
    assert "79,60 %" in html
    assert "n = 15.808" in html
    assert "47,97–60,61" in html


def test_a_figure_follows_english_conventions_in_english():
    value = Value(79.6, 15808, 47.974, 60.606)
    with translation.override("en"):
        html = render_to_string("dashboard/_value.html", {"v": value})
    assert "79.60 %" in html
    assert "n = 15,808" in html
    assert "47.97–60.61" in html


def test_the_pdf_interval_uses_the_decimal_comma_like_its_values():
    # The PDF printed "54,29" beside "47.97–60.61": ci_text was an f-string.
    with translation.override("vi"):
        assert Value(54.29, 400, 47.974, 60.606).ci_text == "47,97–60,61"


def test_a_heatmap_cell_groups_thousands():
    with translation.override("vi"):
        html = render_to_string(
            "dashboard/_heat_cells.html", {"v": Value(80.0, 2500, 78.4, 81.6)}
        )
    assert ">2.500<" in html and ">80,0<" in html and "78,4–81,6" in html


@pytest.mark.parametrize(
    ("n", "mark"),
    [(12, "mẫu nhỏ"), (29, "mẫu nhỏ"), (0, "chưa có dữ liệu"), (30, None)],
)
def test_a_table_row_gets_the_one_small_sample_mark(n, mark):
    table = Table("groups", "Theo nhóm", ["Nhóm", "Chỉ số (%)", "n"])
    table.rows = [["Nữ", 80.0, n]]
    with translation.override("vi"):
        html = render_to_string("dashboard/_table.html", {"table": table})
    if mark:
        assert mark in html
    else:
        assert "mẫu nhỏ" not in html and "chưa có dữ liệu" not in html
    if n == 0:
        assert "mẫu nhỏ" not in html


def test_a_respondent_group_with_12_answers_is_marked_on_the_agency_page(
    client, province_analyst, index_results, agencies
):
    result(
        agencies["UBND-T33"],
        "A_DV",
        70.0,
        12,
        dimension="gender",
        dimension_value="nam",
    ).save()
    client.force_login(province_analyst)
    page = client.get("/dashboard/agency/UBND-T33/").content.decode()
    groups = page[page.index('id="groups-title"') :]
    assert "mẫu nhỏ" in groups[: groups.index("</table>")]


@pytest.fixture
def health_department(agencies):
    """A department that has no answers at all in the period."""
    return _agency(
        "SYT-T33",
        "Sở Y tế tỉnh Hưng Yên",
        "so",
        agencies["UBND-T33"].unit,
        agencies["UBND-T33"],
    )


def test_an_agency_without_answers_reads_no_data_not_small_sample_in_the_ranking(
    client, province_analyst, index_results, health_department
):
    client.force_login(province_analyst)
    page = client.get("/dashboard/ranking/?kind=so").content.decode()
    unranked = page[page.index('class="unranked"') :]
    syt = unranked[unranked.index("SYT-T33") :]
    syt = syt[: syt.index("</tr>")]
    assert "chưa có dữ liệu" in syt and "mẫu nhỏ" not in syt
    sxd = unranked[unranked.index("SXD-T33") :]
    assert "mẫu nhỏ" in sxd[: sxd.index("</tr>")]


def test_the_small_sample_warning_leaves_out_agencies_with_no_answers(
    client, province_analyst, index_results, health_department
):
    IndexResult.objects.bulk_create([result(health_department, "A_DV", None, 0)])
    client.force_login(province_analyst)
    response = client.get("/dashboard/")
    assert [r.agency.code for r in response.context["small"]] == ["SXD-T33"]


# --- files ---------------------------------------------------------------------


def _text(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def test_the_excel_csv_variant_has_a_bom_semicolons_and_decimal_commas(
    client, province_analyst, index_results
):
    client.force_login(province_analyst)
    response = client.get("/dashboard/?export=excel&table=trend")
    assert response.status_code == 200
    text = _text(response)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["Kỳ", "Chỉ số (%)", "Cận dưới 95 %", "Cận trên 95 %", "n"]
    row_2026 = next(r for r in rows if r[0] == "2026")
    assert row_2026[1:] == ["84,0", "80,0", "88,0", "400"]


def test_the_machine_csv_keeps_commas_and_decimal_points(
    client, province_analyst, index_results
):
    client.force_login(province_analyst)
    text = _text(client.get("/dashboard/?export=csv&table=trend"))
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert next(r for r in rows if r[0] == "2026")[1:] == [
        "84.0",
        "80.0",
        "88.0",
        "400",
    ]


def test_download_names_carry_the_agency_code_and_the_period(
    client, province_analyst, national_viewer, index_results
):
    client.force_login(province_analyst)
    response = client.get("/dashboard/?period=2026&export=xlsx&table=trend")
    assert (
        'filename="sipas-UBND-T33-2026-trend.xlsx"' in response["Content-Disposition"]
    )
    response = client.get("/dashboard/agency/SNV-T33/?export=excel&table=groups")
    assert (
        'filename="sipas-SNV-T33-2026-groups-excel.csv"'
        in response["Content-Disposition"]
    )
    client.force_login(national_viewer)
    response = client.get("/dashboard/?export=csv&table=trend")
    assert (
        'filename="sipas-toan-quoc-2026-trend.csv"' in response["Content-Disposition"]
    )


def test_an_xlsx_download_has_a_title_a_styled_header_widths_panes_and_formats(
    client, province_analyst, index_results
):
    client.force_login(province_analyst)
    response = client.get("/dashboard/?export=xlsx&table=trend")
    sheet = load_workbook(io.BytesIO(response.content)).active
    title = sheet["A1"].value
    assert "Xu hướng theo kỳ" in title
    assert "UBND tỉnh Hưng Yên" in title and "2026" in title
    assert sheet["A1"].font.bold
    assert [c.value for c in sheet[2]] == [
        "Kỳ",
        "Chỉ số (%)",
        "Cận dưới 95 %",
        "Cận trên 95 %",
        "n",
    ]
    assert all(c.font.bold for c in sheet[2])
    assert sheet["B2"].fill.fgColor.rgb.endswith("DCE6F1")
    assert sheet.freeze_panes == "A3"
    assert sheet.column_dimensions["A"].width >= 8
    assert sheet.column_dimensions["B"].width >= len("Chỉ số (%)")
    data = next(row for row in sheet.iter_rows(min_row=3) if row[0].value == "2026")
    assert data[1].value == 84.0 and data[1].number_format == "0.00"
    assert data[4].value == 400 and data[4].number_format == "#,##0"


def test_the_raw_download_answers_the_pages_token_with_a_cookie(
    client, province_analyst, comments
):
    client.force_login(province_analyst)
    response = client.get("/dashboard/responses.csv?period=2026&download_token=abc123")
    assert response.cookies["sipas_download"].value == "abc123"
    assert (
        'filename="sipas-UBND-T33-2026-responses-exit-dv.csv"'
        in response["Content-Disposition"]
    )
    # Only a plain token is echoed: nothing a page could be made to inject.
    response = client.get("/dashboard/responses.csv?period=2026&download_token=a;b")
    assert "sipas_download" not in response.cookies


def test_the_overview_download_link_carries_the_progress_hooks(
    client, province_analyst, index_results
):
    client.force_login(province_analyst)
    page = client.get("/dashboard/").content.decode()
    assert "data-download-progress" in page
    assert 'role="status"' in page[page.index("data-download-progress") :]
    assert "js/downloads.js" in page


def test_a_count_is_read_the_ways_people_type_it():
    from sipas import numbers

    assert numbers.parse_count("5.000") == 5000
    assert numbers.parse_count("5 000") == 5000
    assert numbers.parse_count("5\u00a0000") == 5000
    assert numbers.parse_count("5,5") is None


def test_the_raw_download_has_an_excel_variant_with_semicolons(
    client, province_analyst, comments
):
    client.force_login(province_analyst)
    response = client.get("/dashboard/responses.csv?period=2026&variant=excel")
    assert (
        'filename="sipas-UBND-T33-2026-responses-exit-dv-excel.csv"'
        in response["Content-Disposition"]
    )
    text = _text(response)
    assert text.startswith("\ufeffresponse_id;questionnaire;version;submitted_at;")
    page = client.get("/dashboard/?period=2026").content.decode()
    assert "variant=excel" in page
