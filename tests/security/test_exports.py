"""Exports neutralise spreadsheet formulas in free text, and are audited.

A citizen's comment is free text: "=HYPERLINK(…)", "+…", "-…", "@…" would run as
a formula when staff open the export in a spreadsheet. Every export — dashboard
tables (CSV, XLSX), the raw response download, and `manage.py export_responses` —
must prefix such a cell so it is shown as text. Also a formula after a list
separator: a spreadsheet whose separator is ";" (Vietnamese regional settings)
splits "Tot;=1+1" into two cells, the second a formula.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from audit.models import AuditEvent
from surveys.models import Response
from tests.dashboard_fixtures import *  # noqa: F403

FORMULAS = ['=HYPERLINK("http://x","bấm")', "+84912345678", "-2+3", "@SUM(A1:A9)"]
# Formulas after a separator, neutralised where each cell would begin.
SEPARATED = {
    "Tot;=1+1;=HYPERLINK(A1)": "Tot;'=1+1;'=HYPERLINK(A1)",
    "a| +1,  @x\t-2": "a| '+1,  '@x\t'-2",
}


def _cells_of(response) -> list[str]:
    if response.streaming:
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    if response["Content-Type"].startswith("application/vnd.openxml"):
        book = load_workbook(io.BytesIO(body), read_only=True)
        return [
            str(cell)
            for sheet in book
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        ]
    text = body.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


@pytest.fixture
def formula_comments(comments, agencies, exit_version):
    made = []
    for text in [*FORMULAS, *SEPARATED]:
        made.append(
            Response.objects.create(
                version=exit_version,
                submitted_at=comments["commune"].submitted_at,
                agency=agencies["TTHCC-X12133"],
                channel="truc_tiep",
                comment=text,
                source="web",
            )
        )
    return made


def _assert_neutralised(cells: list[str]) -> None:
    for text in FORMULAS:
        assert text not in cells, f"{text!r} left active"
        assert "'" + text in cells, f"{text!r} missing"
    for text, written in SEPARATED.items():
        assert written in cells, f"{text!r} not neutralised after its separators"
    for cell in cells:
        for part in re.split(r"[,;|\t\r\n]", cell):
            assert not part.lstrip(" ").startswith(("=", "+", "-", "@")), cell


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_dashboard_comment_exports_neutralise_formulas(
    client, national_viewer, formula_comments, fmt
):
    client.force_login(national_viewer)
    response = client.get(
        f"/dashboard/comments/?period=2026&table=comments&export={fmt}"
    )
    assert response.status_code == 200
    _assert_neutralised(_cells_of(response))


def test_the_raw_response_download_neutralises_formulas(
    client, national_viewer, formula_comments
):
    client.force_login(national_viewer)
    response = client.get("/dashboard/responses.csv?period=2026")
    assert response.status_code == 200
    _assert_neutralised(_cells_of(response))


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_export_command_neutralises_formulas(tmp_path, formula_comments, suffix):
    out = tmp_path / f"responses{suffix}"
    call_command("export_responses", str(out), questionnaire="exit-dv")
    if suffix == ".csv":
        with out.open(encoding="utf-8-sig", newline="") as handle:
            cells = [cell for row in csv.reader(handle) for cell in row]
    else:
        book = load_workbook(out, read_only=True)
        cells = [str(c) for s in book for r in s.iter_rows(values_only=True) for c in r]
    _assert_neutralised(cells)


def test_a_dashboard_export_is_written_to_the_audit_log(
    client, national_viewer, formula_comments
):
    client.force_login(national_viewer)
    client.get("/dashboard/comments/?period=2026&table=comments&export=csv")
    client.get("/dashboard/responses.csv?period=2026")
    exports = AuditEvent.objects.filter(
        action=AuditEvent.Action.EXPORT, actor=national_viewer
    )
    assert exports.count() == 2
