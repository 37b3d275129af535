"""The ranking page's honest statistics: funnel plot, rank intervals, "not
distinguishable from the mean", incomplete composites ranked apart, change
tests against the previous period and the same period last year (one
Benjamini–Hochberg family), response rates and the labelled weighted mean."""

import json

import pytest

from dashboard.models import TransactionVolume
from reports.models import IndexResult
from tests.dashboard_fixtures import *  # noqa: F403


@pytest.fixture
def departments(agencies, index_results):
    rows = IndexResult.objects.filter(period="2026", indicator="A_DV", dimension="")
    rows.filter(agency=agencies["STP-T33"]).update(value=70.0)
    # SXD: enough answers but no E5 answer at all → incomplete, ranked apart
    rows.filter(agency=agencies["SXD-T33"]).update(
        value=95.0, n=400, flag="", se=1.5, incomplete="E5"
    )
    TransactionVolume.objects.create(
        agency=agencies["SNV-T33"], period="2026", count=800
    )
    TransactionVolume.objects.create(
        agency=agencies["STP-T33"], period="2026", count=4000
    )
    return agencies


def test_funnel_rank_intervals_and_position_against_the_mean(
    client, province_analyst, departments
):
    client.force_login(province_analyst)
    response = client.get("/dashboard/ranking/?kind=so")
    context = response.context
    snv, stp = context["ranked"]
    # mean 79, se 2.04 at n = 400: 95 % limits 79 ± 4.0
    assert context["funnel"]["mean"] == 79.0
    assert (snv.against_mean, stp.against_mean) == ("above", "below")
    assert (snv.rank_low, snv.rank_high) == (1, 1)
    charts = json.loads(
        response.content.decode()
        .split('id="dashboard-charts" type="application/json">')[1]
        .split("</script>")[0]
    )
    funnel = charts["funnel"]
    assert [p["label"] for p in funnel["points"]] == ["SNV-T33", "STP-T33"]
    low, high = funnel["limits"]["95"][0][0]["y"], funnel["limits"]["95"][1][0]["y"]
    outer = funnel["limits"]["998"][1][0]["y"]
    assert low < 79 < high < outer
    page = response.content.decode()
    assert 'class="badge text-bg-light"' not in page
    assert "giới hạn 95 % và 99,8 %" in page and "%%" not in page


def test_an_incomplete_composite_is_ranked_apart(client, province_analyst, departments):
    client.force_login(province_analyst)
    response = client.get("/dashboard/ranking/?kind=so")
    assert [e.agency.code for e in response.context["ranked"]] == [
        "SNV-T33",
        "STP-T33",
    ]
    (apart,) = response.context["incomplete"]
    assert (apart.agency.code, apart.rank, apart.missing) == ("SXD-T33", None, ["E5"])
    assert "thiếu E5" in response.content.decode()


def test_close_agencies_are_not_distinguishable_and_share_rank_intervals(
    client, province_analyst, agencies, index_results
):
    IndexResult.objects.filter(
        period="2026", indicator="A_DV", agency=agencies["STP-T33"]
    ).update(value=87.0)
    client.force_login(province_analyst)
    response = client.get("/dashboard/ranking/?kind=so")
    snv, stp = response.context["ranked"]
    assert (snv.rank, stp.rank) == (1, 2)
    assert (snv.rank_low, snv.rank_high) == (1, 2) == (stp.rank_low, stp.rank_high)
    assert snv.against_mean == stp.against_mean == ""
    assert response.content.decode().count('class="badge text-bg-light"') == 2


def test_changes_are_tested_against_both_baselines_as_one_family(
    client, province_analyst, departments
):
    client.force_login(province_analyst)
    response = client.get("/dashboard/ranking/?kind=so&period=2026-Q3")
    assert response.context["last_year_period"] == "2025-Q3"
    assert response.context["previous_period"] == "2026-Q2"
    response = client.get("/dashboard/ranking/?kind=so")
    snv = response.context["ranked"][0]
    # 88 against 82 (2025 is both the previous period and the same period last
    # year of 2026): two tests, BH over the page's 4 + 2 tests
    assert snv.test is not None and snv.year_test is not None
    assert snv.q >= snv.test.p


def test_response_rates_and_the_labelled_weighted_mean(
    client, province_analyst, departments
):
    client.force_login(province_analyst)
    response = client.get("/dashboard/ranking/?kind=so")
    snv, stp = response.context["ranked"]
    assert (snv.responses_per_transaction, stp.responses_per_transaction) == (
        50.0,
        10.0,
    )
    # weighted by 800 and 4000 transactions: (88·800 + 70·4000) / 4800
    assert response.context["weighted_mean"] == pytest.approx(73.0)
    page = response.content.decode()
    assert "không phải chỉ số chính thức" in page
    export = client.get("/dashboard/ranking/?kind=so&export=csv&table=ranking")
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "Khoảng hạng 95 %" in text and "Tỷ lệ phản hồi (%)" in text


def test_the_method_page_explains_the_numbers_in_both_languages(
    client, province_analyst
):
    client.force_login(province_analyst)
    page = client.get("/dashboard/method/").content.decode()
    assert "Slovin" in page and "Benjamini–Hochberg" in page
    assert "Phiên bản 2" in page
    client.cookies["sipas_language"] = "en"
    page = client.get("/dashboard/method/").content.decode()
    assert "self-selected" in page and "Version 2" in page


def test_the_method_page_needs_a_staff_profile(client, outsider):
    client.force_login(outsider)
    assert client.get("/dashboard/method/").status_code == 403


def test_the_pdf_report_carries_the_method_as_an_annex(province_analyst, index_results):
    from django.template.loader import render_to_string

    from dashboard.agency import agency_detail
    from dashboard.filters import Filters

    filters = Filters(period="2026", questionnaire="exit-dv")
    data = agency_detail(province_analyst, filters, "UBND-T33")
    html = render_to_string("dashboard/pdf_report.html", {**data, "filters": filters})
    annex = html.split("Phụ lục: Phương pháp tính")[1]
    assert "Slovin" in annex and "Benjamini–Hochberg" in annex


def test_the_agency_page_lists_item_blank_rates(
    client, province_analyst, agencies, index_results
):
    IndexResult.objects.filter(
        agency=agencies["UBND-T33"], period="2026", indicator="E5.2", dimension=""
    ).update(n=100)
    client.force_login(province_analyst)
    response = client.get("/dashboard/agency/UBND-T33/")
    code, _label, rate = response.context["blank_rates"][0]
    assert (code, rate) == ("E5.2", 75.0)  # 100 of the 400 respondents answered
    assert "Tiêu chí bị để trống nhiều nhất" in response.content.decode()


def test_the_agency_page_tests_the_agency_against_its_province(
    client, province_analyst, agencies, index_results
):
    IndexResult.objects.filter(
        agency=agencies["UBND-T33"], period="2026", indicator="A_DV", dimension=""
    ).update(n=4000, se=0.6)
    client.force_login(province_analyst)
    response = client.get("/dashboard/agency/SNV-T33/")
    test = response.context["against_province"]
    # 88 (n 400, se 2.04) inside a province of 84 (n 4000, se 0.6): the shared
    # respondents make Var(A − P) = 0.8·2.04² + 0.6²
    assert test.diff == 4.0
    assert test.high - test.diff == pytest.approx(
        1.96 * (0.8 * (4 / 1.96) ** 2 + 0.36) ** 0.5, abs=0.01
    )
    assert test.p < 0.05
    assert "cao hơn toàn tỉnh" in response.content.decode()
    # the province itself is compared with nothing
    assert client.get("/dashboard/agency/UBND-T33/").context["against_province"] is None
