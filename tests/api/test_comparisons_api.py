"""Comparisons through the API: the rows and numbers of compare_indices, limited
to the token's subtree, filters that do not change a row's q-value, and bad
input answered 400 with the field at fault."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from api.models import ApiToken
from reports.comparisons import compare_periods
from tests.api.conftest import make_token

COMPARISONS = "/api/v1/comparisons/"
YEARS = {"period": "2026", "baseline": "2025"}


def _all_pages(client, params):
    rows, page = [], 1
    while True:
        answer = client.get(COMPARISONS, {**params, "page": page, "page_size": 40})
        assert answer.status_code == 200, answer.content
        body = answer.json()
        rows += body["results"]
        if body["next"] is None:
            return body, rows
        page += 1


def test_the_comparisons_are_the_rows_and_numbers_of_compare_indices(
    api, commune_token, index_results, tmp_path
):
    written = tmp_path / "changes.json"
    call_command(
        "compare_indices",
        str(written),
        period="2026",
        baseline="2025",
        agency="TTHCC-X12133",
    )
    expected = json.loads(written.read_text())["results"]
    body, rows = _all_pages(api(commune_token[1]), {**YEARS, "agency": "TTHCC-X12133"})
    assert body["count"] == len(expected) > 20
    assert rows == expected
    assert (body["period"], body["baseline"]) == ("2026", "2025")
    assert body["methodology"] == "sipas-1001" and body["methodology_version"] >= 1
    headline = next(r for r in rows if r["indicator"] == "A_DV")
    assert headline["diff"] == pytest.approx(6.0)
    assert headline["diff_ci95"][0] < 6.0 < headline["diff_ci95"][1]
    assert headline["significant"] == (headline["q"] < 0.05)


def test_the_comparisons_of_a_token_cover_its_subtree_only(
    api, commune_token, index_results
):
    token = ApiToken.objects.get(pk=commune_token[0].pk)
    _body, rows = _all_pages(api(commune_token[1]), YEARS)
    assert {row["agency"] for row in rows} == {"UBND-X12133", "TTHCC-X12133"}
    expected = compare_periods(
        "2026", "2025", None, "sipas-1001", agencies=token.agencies()
    )
    assert rows == json.loads(json.dumps(expected))
    refused = api(commune_token[1]).get(COMPARISONS, {**YEARS, "agency": "SNV-T33"})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "agency"


def test_filters_narrow_the_rows_without_changing_their_q_values(
    api, province_token, index_results
):
    client = api(province_token[1])
    _body, everything = _all_pages(client, {**YEARS, "agency": "STP-T33"})
    q = {(r["scope"], r["indicator"]): r["q"] for r in everything}
    _body, aspects = _all_pages(
        client, {**YEARS, "agency": "STP-T33", "kind": "aspect", "scope": "subtree"}
    )
    assert [(r["kind"], r["indicator"]) for r in aspects] == [("aspect", "A_DV")]
    assert aspects[0]["q"] == q[("subtree", "A_DV")]
    split = {
        wanted: _all_pages(
            client, {**YEARS, "agency": "STP-T33", "significant": wanted}
        )[1]
        for wanted in ("true", "false")
    }
    assert all(r["significant"] for r in split["true"])
    assert not any(r["significant"] for r in split["false"])
    assert len(split["true"]) == sum(r["significant"] for r in everything)
    assert len(split["true"]) + len(split["false"]) == len(everything)


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"baseline": "2025"}, "period", "required"),
        ({"period": "2026"}, "baseline", "required"),
        ({"period": "2026-13", "baseline": "2025"}, "period", "invalid_period"),
        ({"period": "2026", "baseline": "9999-Q9"}, "baseline", "invalid_period"),
        ({"period": "2026", "baseline": "2026"}, "baseline", "same_period"),
        ({**YEARS, "agency": "SNV-T01"}, "agency", "unknown_agency"),
        ({**YEARS, "kind": "everything"}, "kind", "invalid_choice"),
        ({**YEARS, "significant": "maybe"}, "significant", "invalid_choice"),
        ({**YEARS, "methodology": "gallup"}, "methodology", "invalid_choice"),
        ({**YEARS, "page_size": "0"}, "page_size", "min_value"),
    ],
)
def test_bad_input_is_answered_400_with_the_field_at_fault(
    api, province_token, index_results, params, field, code
):
    answer = api(province_token[1]).get(COMPARISONS, params)
    assert answer.status_code == 400, answer.content
    (error,) = answer.json()["errors"]
    assert (error["field"], error["code"]) == (field, code)
    assert error["message"]


def test_a_page_past_the_end_is_a_json_404(api, province_token, index_results):
    answer = api(province_token[1]).get(COMPARISONS, {**YEARS, "page": "999"})
    assert answer.status_code == 404
    assert answer.json()["errors"][0]["code"] == "not_found"


def test_comparisons_need_the_permission_to_read_indices(api, agencies):
    _token, raw = make_token(agencies["UBND-T33"], can_read_indices=False)
    assert api(raw).get(COMPARISONS, YEARS).status_code == 403
