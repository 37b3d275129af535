"""Dashboard tables as CSV and XLSX, and the streamed raw-response export.

Every table a dashboard page shows is a `Table`; the page's `?export=csv|xlsx&
table=<name>` serialises the very same rows, so an export never shows more than
the page (the scope is applied before the table is built). Every download is
written by `sipas.formats.sipas_csv`, which neutralises spreadsheet formulas.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook

from dashboard.filters import Filters
from sipas.formats.sipas_csv import csv_lines, xlsx_report_sheet
from surveys.exporting import export_rows
from surveys.models import Questionnaire


@dataclass
class Table:
    """One table of a page: the accessible alternative of a chart and an export."""

    name: str  # slug used in ?table=
    title: str
    headers: Sequence[str]
    # A list, or a generator for long exports (read once, streamed).
    rows: Iterable[Sequence[Any]] = field(default_factory=list)

    @property
    def n_column(self) -> int | None:
        """Where the "n" column is: pages mark its small samples there."""
        headers = [str(h) for h in self.headers]
        return headers.index("n") if "n" in headers else None


FORMATS = ("csv", "excel", "xlsx")  # ?export=…; "excel": the Excel CSV variant


def table_response(
    table: Table, fmt: str, basename: str, scope: str = ""
) -> HttpResponse:
    """A download of the table: streamed CSV (machine: "," and a decimal point),
    its Excel variant (";" and a decimal comma) or an XLSX workbook with a title
    row naming the table, `scope` and the period (docs/formats.md, "Dashboard
    downloads")."""
    filename = f"{basename}-{table.name}"
    if fmt == "xlsx":
        return xlsx_response([table], filename, scope)
    excel = fmt == "excel"
    response = StreamingHttpResponse(
        csv_lines(_with_header(table), excel=excel),
        content_type="text/csv; charset=utf-8",
    )
    suffix = "-excel" if excel else ""
    response["Content-Disposition"] = f'attachment; filename="{filename}{suffix}.csv"'
    return response


def download_basename(filters: Filters, data: dict) -> str:
    """sipas-<agency code>-<period>, "toan-quoc" for the national view: a file
    name that says whose figures and when (issue 17)."""
    agency = data.get("agency")
    focus = data.get("focus")
    if agency is None and focus is not None:
        agency = focus.agency
    code = agency.code if agency is not None else "toan-quoc"
    return f"sipas-{code}-{filters.period}"


def download_scope(filters: Filters, data: dict) -> str:
    """What a downloaded sheet's title row says: whose figures, which period."""
    agency = data.get("agency")
    focus = data.get("focus")
    label = agency.name if agency is not None else (focus.label if focus else "")
    return _("%(scope)s · kỳ %(period)s") % {"scope": label, "period": filters.period}


def _with_header(table: Table) -> Iterator[Sequence[Any]]:
    yield [str(header) for header in table.headers]
    yield from table.rows


def xlsx_response(
    tables: Sequence[Table], filename: str, scope: str = ""
) -> HttpResponse:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        heading = f"{table.title} · {scope}" if scope else str(table.title)
        xlsx_report_sheet(workbook, table.name, heading, _with_header(table))
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


# --- Raw responses -------------------------------------------------------------------


def raw_responses_response(
    questionnaire: Questionnaire,
    responses: QuerySet,
    filters: Filters,
    basename: str,
    token: str = "",
    excel: bool = False,
) -> StreamingHttpResponse:
    """Stream the responses (already restricted to the user's scope) as sipas-csv,
    written by the same row builder and writer as `manage.py export_responses`.

    `token` (from the page's download link) comes back as the cookie
    sipas_download with the headers, before the first row: the page stops its
    spinner when it sees it (static/js/downloads.js). `excel`: the same columns
    with ";" between cells, for a Vietnamese Excel (docs/formats.md); not
    sipas-csv, so `import_responses` does not read it."""
    response = StreamingHttpResponse(
        csv_lines(export_rows(questionnaire, responses), excel=excel),
        content_type="text/csv; charset=utf-8",
    )
    suffix = "-excel" if excel else ""
    response["Content-Disposition"] = (
        "attachment; "
        f'filename="{basename}-responses-{filters.questionnaire}{suffix}.csv"'
    )
    if DOWNLOAD_TOKEN.fullmatch(token):
        response.set_cookie(DOWNLOAD_COOKIE, token, max_age=120, samesite="Lax")
    return response


DOWNLOAD_COOKIE = "sipas_download"
DOWNLOAD_TOKEN = re.compile(r"[a-z0-9]{1,32}")
