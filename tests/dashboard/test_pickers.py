"""Issue 17, dashboards: the heatmap reads as a heatmap (labels, legend), the
agency is chosen by name within the scope, a mistyped agency keeps the filters,
the procedure field is picked from the known ones."""

import doctest
import re
from html.parser import HTMLParser

import pytest

from agencies.models import Procedure
from dashboard import labels
from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import FOREIGN_NAME, result


class _Text(HTMLParser):
    """The text a reader sees: no attributes (title tooltips), no scripts."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(response) -> str:
    parser = _Text()
    parser.feed(response.content.decode())
    return " ".join(" ".join(parser.parts).split())


def test_the_short_label_examples_hold():
    assert doctest.testmod(labels).failed == 0


def test_the_heatmap_shows_each_items_label_as_text_not_only_a_tooltip(
    client, province_analyst, index_results, exit_version
):
    client.force_login(province_analyst)
    response = client.get("/dashboard/agency/UBND-T33/")
    text = visible_text(response)
    for code in ("E1.1", "E3.5", "E5.3"):
        assert f"{code} Tiêu chí {code}" in text
    assert 'title="Tiêu chí' not in response.content.decode()


def test_the_heatmap_has_a_colour_legend_with_every_band(
    client, province_analyst, index_results
):
    client.force_login(province_analyst)
    body = client.get("/dashboard/agency/UBND-T33/").content.decode()
    legend = body[body.index('class="heat-legend') :]
    legend = legend[: legend.index("</ul>")]
    for band in ("heat-0", "heat-1", "heat-2", "heat-3", "heat-4", "heat-5"):
        assert f"heat-swatch {band}" in legend
    assert "heat-small" in legend and "heat-none" in legend


def test_the_heat_colours_outrank_bootstraps_table_cell_rule():
    """Bootstrap's `.table > :not(caption) > * > *` (0,1,1) painted every cell
    white over `.heat-N` (0,1,0); the bands must be scoped (0,2,0) and set the
    table's own background variable. The browser test checks the pixels."""
    from django.conf import settings

    css = (settings.BASE_DIR / "static" / "css" / "dashboard.css").read_text()
    for band in range(6):
        rule = re.search(rf"\.heatmap \.heat-{band}\b[^{{]*\{{([^}}]*)\}}", css)
        assert rule is not None, band
        assert "--bs-table-bg" in rule.group(1)


# --- The agency picker ---------------------------------------------------------------


def test_the_picker_finds_agencies_by_name_without_diacritics_within_the_scope(
    client, people, agencies
):
    client.force_login(people["province_analyst"])
    found = client.get("/dashboard/agencies.json?q=so noi vu hung yen").json()
    assert [a["code"] for a in found["results"]] == ["SNV-T33"]
    assert found["results"][0]["name"] == "Sở Nội vụ tỉnh Hưng Yên"
    by_code = client.get("/dashboard/agencies.json?q=ubnd-x1").json()["results"]
    assert [a["code"] for a in by_code] == ["UBND-X12133"]
    # The other province's agencies do not exist for this analyst.
    assert client.get("/dashboard/agencies.json?q=xa la").json() == {"results": []}
    assert client.get("/dashboard/agencies.json?q=SNV-T01").json() == {"results": []}


def test_the_picker_offers_a_commune_manager_only_the_communes_agencies(
    client, people, agencies
):
    client.force_login(people["commune_manager"])
    found = client.get("/dashboard/agencies.json?q=mau").json()["results"]
    assert {a["code"] for a in found} == {"UBND-X12133", "TTHCC-X12133"}
    assert client.get("/dashboard/agencies.json?q=so").json() == {"results": []}


def test_the_picker_answers_nothing_to_people_without_a_staff_role(
    client, people, agencies
):
    assert client.get("/dashboard/agencies.json?q=hung").status_code == 302
    client.force_login(people["outsider"])
    assert client.get("/dashboard/agencies.json?q=hung").status_code == 403


def test_a_name_typed_in_the_filter_without_javascript_chooses_the_agency(
    client, province_analyst, index_results
):
    client.force_login(province_analyst)
    response = client.get("/dashboard/?agency=so noi vu&period=2026")
    assert response.status_code == 200
    assert response.context["focus"].agency.code == "SNV-T33"
    assert response.context["filters"].agency == "SNV-T33"
    assert response.context["headline"].value == 88.0


def test_a_mistyped_agency_is_noted_inline_and_the_other_filters_are_kept(
    client, province_analyst, index_results
):
    client.force_login(province_analyst)
    response = client.get(
        "/dashboard/ranking/?agency=UBND-T333&period=2026-Q3&channel=truc_tiep&kind=so"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Không tìm thấy cơ quan “UBND-T333”" in body
    assert 'value="2026-Q3" selected' in body
    assert 'value="truc_tiep" selected' in body
    assert 'value="UBND-T333"' in body  # the text stays in the field to correct
    assert 'href="/"' not in body.split('id="f-agency-missing"')[1][:2000]


def test_an_ambiguous_name_lists_the_agencies_it_may_mean_with_the_filters_kept(
    client, province_analyst, index_results
):
    client.force_login(province_analyst)
    response = client.get("/dashboard/?agency=hung yen&period=2026-Q3")
    assert response.status_code == 200
    suggestions = response.context["filters"].agency_suggestions
    assert {"UBND-T33", "SNV-T33", "STP-T33"} <= {a.code for a in suggestions}
    assert "?period=2026-Q3&amp;questionnaire=exit-dv&amp;agency=SNV-T33" in (
        response.content.decode()
    )


def test_an_agency_outside_the_scope_reads_exactly_like_one_that_does_not_exist(
    client, province_analyst, index_results
):
    client.force_login(province_analyst)

    def page(code):
        body = client.get(f"/dashboard/?agency={code}").content.decode()
        body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", body)
        return body.replace(code, "X")

    foreign = page("SNV-T01")
    assert FOREIGN_NAME not in foreign
    assert foreign == page("SNV-T99")


def test_a_mistyped_agency_page_is_a_dashboard_page_keeping_the_filters(
    client, province_analyst, index_results
):
    client.force_login(province_analyst)
    response = client.get("/dashboard/agency/UBND-T3/?period=2026-Q3&channel=truc_tiep")
    assert response.status_code == 404
    body = response.content.decode()
    assert 'class="dashboard-filters' in body
    assert 'value="2026-Q3" selected' in body
    assert "Không tìm thấy cơ quan" in body
    back = "/dashboard/?period=2026-Q3&amp;questionnaire=exit-dv&amp;channel=truc_tiep"
    assert back in body
    # The agencies whose code starts so, within the scope, are offered.
    assert "/dashboard/agency/UBND-T33/?period=2026-Q3" in body


def test_the_agency_page_moves_to_the_agency_chosen_in_its_filter(
    client, province_analyst, index_results
):
    client.force_login(province_analyst)
    response = client.get("/dashboard/agency/UBND-T33/?agency=so tu phap&period=2025")
    assert response.status_code == 302
    assert response["Location"] == (
        "/dashboard/agency/STP-T33/?period=2025&questionnaire=exit-dv"
    )
    lower = client.get("/dashboard/agency/snv-t33/")
    assert lower["Location"].startswith("/dashboard/agency/SNV-T33/")


def test_exports_of_an_agency_not_found_are_not_found(
    client, province_analyst, index_results
):
    client.force_login(province_analyst)
    url = "/dashboard/?agency=SNV-T01&export=csv&table=trend"
    assert client.get(url).status_code == 404
    assert client.get("/dashboard/responses.csv?agency=SNV-T01").status_code == 404


# --- The procedure field picker ------------------------------------------------------


@pytest.fixture
def fields(db):
    for code, name, field in (
        ("1.000894", "Đăng ký kết hôn", "Hộ tịch"),
        ("1.001", "Cấp phép xây dựng", "Xây dựng"),
        ("1.002", "Chứng thực bản sao", "Chứng thực"),
    ):
        Procedure.objects.create(code=code, name=name, field=field)


def test_the_field_filter_is_a_select_of_the_known_fields(
    client, province_analyst, index_results, fields
):
    client.force_login(province_analyst)
    body = client.get("/dashboard/").content.decode()
    select = body[body.index('id="f-field"') :]
    select = select[: select.index("</select>")]
    assert re.findall(r'<option value="([^"]*)"', select) == [
        "",
        "Chứng thực",
        "Hộ tịch",
        "Xây dựng",
    ]


def test_a_field_typed_without_diacritics_reads_the_fields_rows(
    client, province_analyst, agencies, index_results, fields
):
    result(
        agencies["UBND-T33"],
        "A_DV",
        72.5,
        60,
        dimension="field",
        dimension_value="Hộ tịch",
    ).save()
    client.force_login(province_analyst)
    response = client.get("/dashboard/?agency=UBND-T33&field=ho tich")
    assert response.context["filters"].field == "Hộ tịch"
    assert response.context["headline"].value == 72.5


def test_an_unknown_field_is_dropped_with_a_note_instead_of_an_empty_page(
    client, province_analyst, index_results, fields
):
    client.force_login(province_analyst)
    response = client.get("/dashboard/?field=khong co")
    assert response.context["filters"].field == ""
    assert response.context["headline"].value == 84.0
    assert "Không có lĩnh vực “khong co”" in response.content.decode()
