"""Key drivers end to end: responses → compute_indices → stored drivers → the
drivers page (scope, query count, table alternative) and export_drivers."""

from __future__ import annotations

import csv
import datetime
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from improvement.models import DriverRun
from tests.improvement.simulate import respondents, store

DAY = datetime.date(2026, 5, 12)


@pytest.fixture
def driven_commune(agencies, exit_version):
    """600 respondents at the commune's one-stop centre whose G depends only on
    E2 and E5, and the indices and drivers computed as in production."""
    store(
        agencies["TTHCC-X12133"],
        exit_version,
        respondents(600, {"E2": 0.6, "E5": 0.5}, seed=7),
        DAY,
    )
    call_command("compute_indices", period=["2026"], sync=True)
    return agencies["TTHCC-X12133"]


def _url(code: str, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"period": "2026", **params}.items())
    return f"{reverse('improvement:drivers', args=[code])}?{query}"


def test_compute_indices_brings_the_drivers_up_to_date(driven_commune):
    runs = DriverRun.objects.filter(agency=driven_commune, period="2026")
    assert {(r.scope, r.level) for r in runs} == {
        ("own", "element"),
        ("own", "item"),
        ("subtree", "element"),
        ("subtree", "item"),
    }
    element = runs.get(scope="subtree", level="element")
    assert element.n == 600
    ranked = sorted(element.weights.all(), key=lambda w: -w.share)
    assert [w.indicator for w in ranked[:2]] in (["E2", "E5"], ["E5", "E2"])
    assert all(w.key for w in ranked[:2])
    assert min(w.share_low for w in ranked[:2]) > max(w.share_high for w in ranked[2:])
    # The province's subtree holds the same respondents: analysed too.
    assert DriverRun.objects.filter(agency__code="UBND-T33", period="2026").exists()
    # Months are left out (too few respondents anywhere).
    assert not DriverRun.objects.filter(period="2026-05").exists()


def test_a_rerun_gives_the_same_drivers(driven_commune):
    def shares():
        return sorted(
            DriverRun.objects.filter(agency=driven_commune).values_list(
                "scope", "level", "weights__indicator", "weights__share_low"
            )
        )

    before = shares()
    call_command("compute_indices", period=["2026"], sync=True)
    assert shares() == before


def test_the_drivers_page_shows_the_matrix_and_its_table(
    client, province_analyst, driven_commune, django_assert_num_queries
):
    client.force_login(province_analyst)
    url = _url("TTHCC-X12133")
    client.get(url)  # warm the session and language caches
    with django_assert_num_queries(7):
        response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="driver-matrix"' in body and 'id="driver-table"' in body
    points = response.context["points"]
    assert {p.indicator for p in points[:2]} == {"E2", "E5"}
    assert points[0].key and points[0].quadrant in ("priority", "maintain")
    assert "Động lực chính" in body


def test_the_item_level_names_the_items(client, province_analyst, driven_commune):
    client.force_login(province_analyst)
    response = client.get(_url("TTHCC-X12133", level="item", scope="own"))
    assert response.status_code == 200
    assert len(response.context["points"]) == 19
    top = {p.indicator[:2] for p in response.context["points"][:4]}
    assert top <= {"E2", "E5"}


def test_too_few_respondents_say_so_instead_of_claiming_drivers(
    client, province_analyst, agencies, exit_version
):
    store(
        agencies["SNV-T33"],
        exit_version,
        respondents(80, {"E2": 0.6}, seed=3),
        DAY,
    )
    call_command("compute_indices", period=["2026"], sync=True)
    client.force_login(province_analyst)
    response = client.get(_url("SNV-T33"))
    assert response.status_code == 200
    assert "Chưa đủ phiếu để phân tích động lực" in response.content.decode()
    assert response.context["points"] == []


def test_a_bad_scope_falls_back_with_a_note(client, province_analyst, agencies):
    client.force_login(province_analyst)
    response = client.get(_url("UBND-T33", scope="everything", level="x"))
    assert response.status_code == 200
    assert response.context["scope"] == "subtree"
    assert response.context["level"] == "element"


def test_outsiders_see_no_drivers(
    client, other_analyst, commune_manager, outsider, driven_commune
):
    client.force_login(other_analyst)
    assert client.get(_url("TTHCC-X12133")).status_code == 404
    client.force_login(outsider)
    assert client.get(_url("TTHCC-X12133")).status_code == 403
    client.force_login(commune_manager)  # the commune's own manager: in scope
    assert client.get(_url("TTHCC-X12133")).status_code == 200
    assert client.get(_url("SNV-T33")).status_code == 404


def test_the_drivers_link_opens_the_home_agency(client, province_analyst):
    client.force_login(province_analyst)
    response = client.get(reverse("improvement:drivers_home") + "?period=2026")
    assert response.status_code == 200
    assert response.context["agency"].code == "UBND-T33"


def test_export_drivers_writes_json_and_csv(driven_commune, tmp_path):
    target = tmp_path / "drivers.json"
    call_command("export_drivers", str(target), period="2026", agency="TTHCC-X12133")
    document = json.loads(target.read_text())
    elements = [r for r in document["drivers"] if r["level"] == "element"]
    assert {r["indicator"] for r in elements[:2]} == {"E2", "E5"}
    first = elements[0]
    assert first["ci95_low"] <= first["importance"] <= first["ci95_high"]
    assert first["n"] == 600 and first["index"] is not None
    target = tmp_path / "drivers.csv"
    call_command(
        "export_drivers",
        str(target),
        period="2026",
        agency="TTHCC-X12133",
        scope="own",
    )
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert len(rows) == 5 + 19
    assert set(rows[0]) >= {"indicator", "importance", "ci95_low", "ci95_high", "n"}


def test_export_drivers_refuses_bad_input_with_a_message(agencies, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--period"):
        call_command(
            "export_drivers",
            str(tmp_path / "x.json"),
            period="2026-13",
            agency="UBND-T33",
        )
    with pytest.raises(CommandError, match="unknown agency"):
        call_command(
            "export_drivers", str(tmp_path / "x.json"), period="2026", agency="NOPE"
        )
    with pytest.raises(CommandError, match=".json or .csv"):
        call_command(
            "export_drivers", str(tmp_path / "x.txt"), period="2026", agency="UBND-T33"
        )
