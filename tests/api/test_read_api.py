"""Indices (the rows and numbers of export_indices) and comments (never reply
contacts) through the API, limited to the token's subtree."""

from __future__ import annotations

import json

from django.core.management import call_command

from surveys.models import ReplyContact

INDICES = "/api/v1/indices/"
COMMENTS = "/api/v1/comments/"


def _all_pages(client, url, params):
    rows, page = [], 1
    while True:
        body = client.get(url, {**params, "page": page, "page_size": 50}).json()
        rows += body["results"]
        if body["next"] is None:
            return body, rows
        page += 1


def test_the_indices_are_the_rows_and_numbers_of_export_indices(
    api, province_token, index_results, tmp_path
):
    exported = tmp_path / "indices.json"
    call_command("export_indices", str(exported), period="2026", agency="SNV-T33")
    expected = json.loads(exported.read_text())["results"]
    body, rows = _all_pages(
        api(province_token[1]), INDICES, {"period": "2026", "agency": "SNV-T33"}
    )
    assert body["count"] == len(expected) > 20
    assert rows == expected
    assert body["period"] == "2026" and body["methodology"] == "sipas-1001"


def test_the_indices_of_a_token_cover_its_subtree_only(
    api, commune_token, index_results
):
    body, rows = _all_pages(api(commune_token[1]), INDICES, {"period": "2026"})
    assert {row["agency"] for row in rows} == {"UBND-X12133", "TTHCC-X12133"}
    refused = api(commune_token[1]).get(
        INDICES, {"period": "2026", "agency": "SNV-T33"}
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "agency"


def test_the_indices_can_be_filtered_and_bad_filters_are_named(
    api, province_token, index_results
):
    client = api(province_token[1])
    body = client.get(
        INDICES,
        {"period": "2026", "agency": "UBND-T33", "kind": "aspect", "indicator": "A_DV"},
    ).json()
    assert [(r["indicator"], r["value"], r["n"]) for r in body["results"]] == [
        ("A_DV", 84.0, 400)
    ]
    for params, field in (
        ({}, "period"),
        ({"period": "2026-13"}, "period"),
        ({"period": "9999-12"}, "period"),
        ({"period": "2026", "kind": "x"}, "kind"),
        ({"period": "2026", "page_size": 0}, "page_size"),
        ({"period": "2026", "methodology": "other"}, "methodology"),
    ):
        response = client.get(INDICES, params)
        assert response.status_code == 400, params
        assert response.json()["errors"][0]["field"] == field, params
    assert client.get(INDICES, {"period": "2026", "page": 999}).status_code == 404


def test_comments_come_without_reply_contacts(api, province_token, comments):
    ReplyContact.objects.create(
        response=comments["commune"],
        agency=comments["commune"].agency,
        kind="phone",
        value="0912345678",
        delete_after="2027-01-01",
    )
    response = api(province_token[1]).get(COMMENTS, {"period": "2026"})
    assert response.status_code == 200
    body = response.json()
    assert {c["agency"] for c in body["results"]} == {"TTHCC-X12133", "SNV-T33"}
    assert "0912345678" not in response.content.decode()
    assert set(body["results"][0]) == {
        "response_id",
        "agency",
        "questionnaire",
        "procedure",
        "channel",
        "submitted_at",
        "comment",
    }
