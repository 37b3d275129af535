"""Dashboard tables as CSV and XLSX, and the streamed raw-response export.

Every table a dashboard page shows is a `Table`; the page's `?export=csv|xlsx&
table=<name>` serialises the very same rows, so an export never shows more than
the page (the scope is applied before the table is built). Every download is
written by `sipas.formats.sipas_csv`, which neutralises spreadsheet formulas.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from openpyxl import Workbook

from dashboard.filters import Filters
from sipas.formats.sipas_csv import csv_lines, xlsx_sheet
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


def table_response(table: Table, fmt: str, basename: str) -> HttpResponse:
    """A download of the table: streamed CSV or an XLSX workbook."""
    filename = f"{basename}-{table.name}"
    if fmt == "xlsx":
        return xlsx_response([table], filename)
    response = StreamingHttpResponse(
        csv_lines(_with_header(table)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _with_header(table: Table) -> Iterator[Sequence[Any]]:
    yield [str(header) for header in table.headers]
    yield from table.rows


def xlsx_response(tables: Sequence[Table], filename: str) -> HttpResponse:
    workbook = Workbook(write_only=True)
    for table in tables:
        xlsx_sheet(workbook, table.name, _with_header(table))
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
    questionnaire: Questionnaire, responses: QuerySet, filters: Filters
) -> StreamingHttpResponse:
    """Stream the responses (already restricted to the user's scope) as sipas-csv,
    written by the same row builder and writer as `manage.py export_responses`."""
    response = StreamingHttpResponse(
        csv_lines(export_rows(questionnaire, responses)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="responses-{filters.questionnaire}-{filters.period}.csv"'
    )
    return response
