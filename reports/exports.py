"""Dashboard tables as CSV and XLSX, and the streamed raw-response export.

Every table a dashboard page shows is a `Table`; the page's `?export=csv|xlsx&
table=<name>` serialises the very same rows, so an export never shows more than
the page (the scope is applied before the table is built). Free text is
neutralised against spreadsheet formula injection.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.functional import Promise
from openpyxl import Workbook

from reports.filters import Filters
from surveys.importing import neutralise_text


def neutralise(value: Any) -> Any:
    """Make a text cell inert in spreadsheets: a = + - @ (or tab, CR) where a cell
    could begin, also after a list separator such as ";", gets an apostrophe
    (surveys.importing.neutralise_text). Numbers and None pass unchanged.

    >>> neutralise("=HYPERLINK(1)")
    "'=HYPERLINK(1)"
    >>> neutralise("Tot;=1+1")
    "Tot;'=1+1"
    >>> neutralise(-3.5)
    -3.5
    """
    if isinstance(value, Promise):  # lazy translations (labels) become text
        value = str(value)
    if isinstance(value, str):
        return neutralise_text(value)
    return value


@dataclass
class Table:
    """One table of a page: the accessible alternative of a chart and an export."""

    name: str  # slug used in ?table=
    title: str
    headers: Sequence[str]
    # A list, or a generator for long exports (read once, streamed).
    rows: Iterable[Sequence[Any]] = field(default_factory=list)


class _Echo:
    """A file-like object whose write returns the line, for streaming csv."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    # A byte-order mark so spreadsheet programs read Vietnamese text as UTF-8.
    yield "\ufeff" + writer.writerow([neutralise(str(h)) for h in header])
    for row in rows:
        yield writer.writerow(
            ["" if cell is None else neutralise(cell) for cell in row]
        )


def table_response(table: Table, fmt: str, basename: str) -> HttpResponse:
    """A download of the table: streamed CSV or an XLSX workbook."""
    filename = f"{basename}-{table.name}"
    if fmt == "xlsx":
        return xlsx_response([table], filename)
    response = StreamingHttpResponse(
        _csv_lines(table.headers, table.rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(tables: Sequence[Table], filename: str) -> HttpResponse:
    workbook = Workbook(write_only=True)
    for table in tables:
        sheet = workbook.create_sheet(title=table.name[:31])
        sheet.append([neutralise(str(h)) for h in table.headers])
        for row in table.rows:
            sheet.append([neutralise(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


# --- Raw responses -------------------------------------------------------------------

RESPONDENT_COLUMNS = (
    "gender",
    "age_group",
    "ethnicity",
    "education",
    "occupation",
    "area",
    "terrain",
)


def raw_response_rows(
    responses: QuerySet, item_codes: Sequence[str], chunk_size: int = 2000
) -> Iterator[list[Any]]:
    """Rows in the sipas-csv layout, read chunk by chunk: the answers of each
    chunk of responses are fetched in one query, so memory stays flat."""
    from surveys.models import Answer

    responses = responses.select_related(
        "version__questionnaire", "agency", "service_point", "procedure"
    ).order_by("submitted_at", "id")
    chunk: list = []
    for response in responses.iterator(chunk_size=chunk_size):
        chunk.append(response)
        if len(chunk) >= chunk_size:
            yield from _rows_of(chunk, item_codes, Answer)
            chunk = []
    if chunk:
        yield from _rows_of(chunk, item_codes, Answer)


def _rows_of(chunk: list, item_codes: Sequence[str], answer_model) -> Iterator[list]:
    answers: dict = {}
    for response_id, code, value in answer_model.objects.filter(
        response_id__in=[r.id for r in chunk]
    ).values_list("response_id", "item_code", "value"):
        answers.setdefault(response_id, {}).setdefault(code, []).append(str(value))
    for r in chunk:
        mine = answers.get(r.id, {})
        yield [
            str(r.id),
            r.version.questionnaire.code,
            r.version.number,
            r.submitted_at.isoformat(),
            r.agency.code,
            r.service_point.code if r.service_point_id else "",
            r.procedure.code if r.procedure_id else "",
            r.channel,
            *[getattr(r, name) for name in RESPONDENT_COLUMNS],
            *["|".join(sorted(mine.get(code, []), key=int)) for code in item_codes],
            r.comment,
        ]


def raw_responses_response(
    responses: QuerySet, item_codes: Sequence[str], filters: Filters
) -> StreamingHttpResponse:
    """Stream the responses (already restricted to the user's scope) as sipas-csv."""
    header = [
        "response_id",
        "questionnaire",
        "version",
        "submitted_at",
        "agency",
        "service_point",
        "procedure",
        "channel",
        *RESPONDENT_COLUMNS,
        *item_codes,
        "comment",
    ]
    response = StreamingHttpResponse(
        _csv_lines(header, raw_response_rows(responses, item_codes)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="responses-{filters.questionnaire}-{filters.period}.csv"'
    )
    return response
