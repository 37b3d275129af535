"""Who may open which dashboard URL, filter and export: one table, every role.

Expected status per role; for every 200 the body must not contain data of an
agency outside the person's scope (FOREIGN_NAME is only in the other province).
"""

import pytest

from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import FOREIGN_NAME

ROLES = [
    "national_viewer",
    "administrator",
    "province_analyst",
    "commune_manager",
    "other_analyst",
    "outsider",
]
ALL = dict.fromkeys(ROLES, 200) | {"outsider": 403}
# Who can see Hưng Yên (province 33) as a whole.
PROVINCE_33 = ALL | {"commune_manager": 404, "other_analyst": 404}
COMMUNE = ALL | {"other_analyst": 404}
FOREIGN = ALL | {"province_analyst": 404, "commune_manager": 404}
# A page filtered on an agency the person cannot see (absent, mistyped or outside
# the scope, alike) shows the home scope with an inline note, filters kept
# (issue 17); a file export of it stays a 404 (never another scope than asked).
NOTED = ALL

PAGES = {
    "/dashboard/": ALL,
    "/dashboard/?period=2026-Q3&questionnaire=exit-dv&channel=truc_tiep": ALL,
    "/dashboard/?period=2026-07&field=H%E1%BB%99%20t%E1%BB%8Bch": ALL,
    "/dashboard/?questionnaire=hh-1001": ALL,
    "/dashboard/?agency=UBND-T33": NOTED,
    "/dashboard/?agency=UBND-X12133": NOTED,
    "/dashboard/?agency=UBND-T01": NOTED,
    "/dashboard/?agency=NO-SUCH": NOTED,
    "/dashboard/?agency=ubnd+hung+yen": NOTED,
    "/dashboard/agencies.json?q=hung+yen": ALL,
    "/dashboard/agencies.json?q=xa+la": ALL,
    "/dashboard/ranking/": ALL,
    "/dashboard/ranking/?kind=so&agency=UBND-T33": NOTED,
    "/dashboard/ranking/?kind=ubnd_xa&channel=truc_tuyen": ALL,
    "/dashboard/ranking/?agency=SNV-T01": NOTED,
    "/dashboard/agency/UBND-T33/": PROVINCE_33,
    "/dashboard/agency/UBND-T34/": PROVINCE_33,  # merged pre-2025 unit
    "/dashboard/agency/TTHCC-X12133/?channel=truc_tiep": COMMUNE,
    "/dashboard/agency/SNV-T01/": FOREIGN,
    "/dashboard/agency/NO-SUCH/": dict.fromkeys(ROLES, 404) | {"outsider": 403},
    "/dashboard/comments/": ALL,
    "/dashboard/comments/?q=qu%E1%BA%A7y&item=G&score=2&status=new": ALL,
    "/dashboard/comments/?agency=SNV-T01": NOTED,
    "/dashboard/comments/?agency=SNV-T01&export=csv&table=comments": FOREIGN,
    "/dashboard/sample/": ALL,
    "/dashboard/sample/?kind=so&agency=UBND-T33": NOTED,
    "/dashboard/sample/?agency=UBND-T01": NOTED,
    "/dashboard/sample/?agency=UBND-T01&export=csv&table=sample": FOREIGN,
    "/dashboard/responses.csv": ALL,
    "/dashboard/responses.csv?agency=SNV-T01": FOREIGN,
}

# Every table of every page, as CSV and XLSX.
TABLES = {
    "/dashboard/": ["trend", "elements", "responses", "overall", "small"],
    "/dashboard/ranking/": ["ranking"],
    "/dashboard/agency/UBND-X12133/": [
        "items",
        "procedures",
        "channels",
        "groups",
        "series",
    ],
    "/dashboard/comments/": ["comments"],
    "/dashboard/sample/": ["sample"],
}
EXPORTS = {
    f"{url}?period=2026&table={table}&export={fmt}": (
        COMMUNE if "agency/" in url else ALL
    )
    for url, names in TABLES.items()
    for table in names
    for fmt in ("csv", "xlsx")
}
CASES = [
    (url, role, expected[role])
    for url, expected in (PAGES | EXPORTS).items()
    for role in ROLES
]


def _body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    if response["Content-Type"].startswith("application/vnd.openxml"):
        import io

        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(
            str(cell)
            for sheet in book
            for row in sheet.iter_rows(values_only=True)
            for cell in row
        )
    return response.content.decode("utf-8", "replace")


@pytest.mark.parametrize(("url", "role", "expected"), CASES)
def test_each_role_gets_what_its_scope_allows_and_nothing_more(
    client, people, index_results, comments, url, role, expected
):
    client.force_login(people[role])
    response = client.get(url)
    assert response.status_code == expected
    body = _body(response)
    if role in ("province_analyst", "commune_manager"):
        assert FOREIGN_NAME not in body
        assert "UBND-T01" not in body or "T01" in url
    if role == "commune_manager":
        assert "Sở Nội vụ tỉnh Hưng Yên" not in body
    if expected != 200:
        # The URL itself may be echoed (language switcher), but no data: no names.
        for name in ("Hưng Yên", "Xa Lạ", "xã Mẫu", "Thái Bình"):
            assert name not in body


@pytest.mark.parametrize("url", [*PAGES, *list(EXPORTS)[:4]])
def test_anonymous_visitors_are_sent_to_the_login_page(client, agencies, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
