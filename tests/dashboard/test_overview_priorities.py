"""Issue 17, the overview: KPI cards with the change against the previous period
(▲/▼ only when significant) and the progress toward the target, and the
"Cần ưu tiên cải thiện" panel linking into the improvement loop."""

import pytest

from improvement.models import Target
from reports.models import IndexResult
from tests.dashboard_fixtures import *  # noqa: F403


def _card(body: str, css: str) -> str:
    start = body.index(css)
    return body[start : body.index("</div></div>", start)]


def _set(agency, period, indicator, value):
    IndexResult.objects.filter(
        agency=agency, period=period, indicator=indicator, dimension=""
    ).update(value=value)


def test_a_significant_rise_is_marked_on_the_kpi_cards(
    client, province_analyst, index_results
):
    client.force_login(province_analyst)
    response = client.get("/dashboard/?period=2026")
    headline, overall = response.context["kpis"]
    # 84 against 78 in 2025 (se 2.04 each): p = 0.037, and G 85 against 79.
    assert headline.code == "A_DV" and headline.change == 6.0
    assert headline.test.p == pytest.approx(0.0375, abs=0.001)
    assert headline.significant and overall.significant
    card = _card(response.content.decode(), "card headline kpi")
    assert "So với 2025:" in card and "▲ +6,00" in card


def test_a_change_within_the_noise_gets_no_arrow(
    client, province_analyst, agencies, index_results
):
    _set(agencies["UBND-T33"], "2025", "A_DV", 83.0)
    client.force_login(province_analyst)
    response = client.get("/dashboard/?period=2026")
    headline = response.context["kpis"][0]
    assert headline.change == 1.0 and not headline.significant
    card = _card(response.content.decode(), "card headline kpi")
    assert "▲" not in card and "▼" not in card
    assert "+1,00" in card and "không khác biệt có ý nghĩa thống kê" in card


def test_the_headline_card_shows_the_progress_toward_the_provinces_target(
    client, province_analyst, index_results
):
    Target.objects.create(province_code="33", year=2026, indicator="A_DV", value=90)
    client.force_login(province_analyst)
    response = client.get("/dashboard/?period=2026")
    headline = response.context["kpis"][0]
    assert headline.target == 90 and headline.target_gap == pytest.approx(6.0)
    assert headline.target_progress == 93
    card = _card(response.content.decode(), "card headline kpi")
    assert "Mục tiêu năm: 90,00 %" in card and "còn thiếu 6,00 điểm" in card
    assert 'value="93"' in card


def test_the_target_is_read_only_through_the_hook_the_improvement_app_names(
    client, province_analyst, index_results, settings
):
    Target.objects.create(province_code="33", year=2026, indicator="A_DV", value=90)
    settings.SIPAS_TARGET_READER = ""
    client.force_login(province_analyst)
    assert client.get("/dashboard/").context["kpis"][0].target is None


def test_the_priorities_panel_lists_the_lowest_sub_units_and_items(
    client, province_analyst, index_results
):
    client.force_login(province_analyst)
    response = client.get("/dashboard/?period=2026")
    lowest = [(a.code, v.value) for a, v in response.context["lowest_agencies"]]
    # SXD-T33 (99 %, n = 12) is too small to compare.
    assert lowest == [("UBND-X12133", 79.0), ("STP-T33", 80.0), ("SNV-T33", 88.0)]
    items = response.context["lowest_items"]
    assert [code for code, _label, _v in items] == ["E5.1", "E4.1", "E5.2"]
    assert items[0][1].startswith("Cơ quan bố trí")  # the label, not the code only
    body = response.content.decode()
    panel = body[body.index('class="card mb-3 priorities"') :]
    assert "Cần ưu tiên cải thiện" in panel
    assert "/dashboard/improvement/actions/new/?agency=UBND-T33&amp;targets=E5.1" in (
        panel
    )
    assert "/dashboard/improvement/drivers/UBND-X12133/?period=2026" in panel
    assert "Không có đơn vị trực thuộc nào giảm có ý nghĩa thống kê." in panel


def test_a_significant_drop_of_a_sub_unit_is_listed_with_a_way_to_act(
    client, province_analyst, agencies, index_results
):
    _set(agencies["SNV-T33"], "2025", "A_DV", 97.0)  # 97 → 88
    _set(agencies["STP-T33"], "2025", "A_DV", 81.0)  # 81 → 80: noise
    client.force_login(province_analyst)
    response = client.get("/dashboard/?period=2026")
    drops = response.context["drops"]
    assert [(d.agency.code, d.change) for d in drops] == [("SNV-T33", -9.0)]
    panel = response.content.decode().split('class="card mb-3 priorities"')[1]
    assert "▼ -9,00" in panel
    assert "/dashboard/improvement/actions/new/?agency=SNV-T33" in panel


def test_viewers_who_cannot_act_get_no_new_action_links(
    client, national_viewer, index_results
):
    client.force_login(national_viewer)
    response = client.get("/dashboard/?period=2026")
    assert [a.code for a, _v in response.context["lowest_agencies"]] == [
        "UBND-T33",
        "UBND-T01",
    ]
    assert "/improvement/actions/new/" not in response.content.decode()
