"""The sipas-csv format (docs/formats.md), and the one writer of spreadsheet files.

Ground floor: this module knows column names and cells, not models. The rows are
built by `surveys.exporting` (responses) and `dashboard.exports` (dashboard tables);
every file or download that a spreadsheet may open is written here, so all of
them neutralise formulas the same way and `restore_text` undoes it on import.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from django.utils.functional import Promise

# The respondent columns, in file order; surveys.models.RESPONDENT_FIELDS gives
# each its choices.
RESPONDENT_COLUMNS = (
    "gender",
    "age_group",
    "ethnicity",
    "education",
    "occupation",
    "area",
    "terrain",
)
BASE_COLUMNS = (
    "response_id",
    "questionnaire",
    "version",
    "submitted_at",
    "agency",
    "service_point",
    "procedure",
    "channel",
    *RESPONDENT_COLUMNS,
)
COMMENT_COLUMN = "comment"  # last; the item columns stand between
REQUIRED_COLUMNS = frozenset({"response_id", "questionnaire", "submitted_at", "agency"})
ANSWER_SEPARATOR = "|"  # several options of a multiple-choice item: "1|3"

# --- spreadsheet formulas in free text ---------------------------------------------

# A comment such as "=HYPERLINK(…)" or "+84…" would run as a formula when staff open
# an export in a spreadsheet. Not only at its start: a spreadsheet whose list
# separator is ";" (Vietnamese regional settings) or that splits on tabs, "|" or
# line breaks turns "Tốt;=1+1" into two cells, the second a formula, quoted or not.
# So every place where a cell could begin (the start, and after each of those
# separators and any spaces) gets an apostrophe before a formula character, and
# imports take exactly those apostrophes off again: export → import gives back the
# very same comment (tests/security/test_export_roundtrip.py).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CELL_SEPARATORS = ",;|\t\r\n"
# A cell start, its spaces, any apostrophes already there (so that a comment that
# really has one survives the round trip) and a formula character.
_SEPARATOR = "[" + re.escape(CELL_SEPARATORS) + "]"
_PREFIX = "[" + re.escape("".join(FORMULA_PREFIXES)) + "]"
_CELL_START = rf"(?:^|(?<={_SEPARATOR}))( *)"
_FORMULA = _CELL_START + rf"('*{_PREFIX})"
_NEUTRALISED = _CELL_START + rf"'('*{_PREFIX})"
_FORMULA_RE = re.compile(_FORMULA)
_NEUTRALISED_RE = re.compile(_NEUTRALISED)


def neutralise_text(text: str) -> str:
    """The text as written to an export: inert in spreadsheets, whatever their
    list separator.

    >>> neutralise_text("Tot;=1+1;=HYPERLINK(A1)")
    "Tot;'=1+1;'=HYPERLINK(A1)"
    >>> neutralise_text("=1+1"), neutralise_text("'=x"), neutralise_text("ok")
    ("'=1+1", "''=x", 'ok')
    """
    return _FORMULA_RE.sub(r"\1'\2", text)


def restore_text(text: str) -> str:
    """Undo neutralise_text when reading a file back.

    >>> restore_text("'=1+1"), restore_text("''=x"), restore_text("'ok")
    ('=1+1', "'=x", "'ok")
    """
    return _NEUTRALISED_RE.sub(r"\1\2", text)


def neutralise(value: Any) -> Any:
    """A cell as written: text neutralised, lazy translations as text; numbers
    and None (an empty cell) pass unchanged.

    >>> neutralise("-3"), neutralise(-3.5), neutralise(None)
    ("'-3", -3.5, None)
    """
    if isinstance(value, Promise):
        value = str(value)
    return neutralise_text(value) if isinstance(value, str) else value


# --- writing ------------------------------------------------------------------------


class _Echo:
    """A file-like object whose write returns the line, for streaming csv."""

    def write(self, value: str) -> str:
        return value


def csv_lines(
    rows: Iterable[Sequence[Any]], *, bom: bool = True, excel: bool = False
) -> Iterator[str]:
    r"""The rows (header first) as neutralised CSV lines, for a streamed download.

    The first line starts with a byte-order mark, so that spreadsheet programs
    read Vietnamese text as UTF-8 (importing reads it as utf-8-sig).

    >>> list(csv_lines([["a", "b"], ["=1", None]]))
    ['\ufeffa,b\r\n', "'=1,\r\n"]

    `excel=True` writes the "Excel" variant (docs/formats.md): what Excel with
    Vietnamese regional settings opens into columns by a double click: ";"
    between cells and a decimal comma in numbers. Machine files (sipas-csv,
    export_indices) never use it.

    >>> list(csv_lines([["a", "b"], [79.6, 15808]], bom=False, excel=True))
    ['a;b\r\n', '79,6;15808\r\n']
    """
    writer = csv.writer(_Echo(), delimiter=";" if excel else ",")
    bom = "\ufeff" if bom else ""
    for row in rows:
        cells = [neutralise(cell) for cell in row]
        if excel:
            cells = [_decimal_comma(cell) for cell in cells]
        yield bom + writer.writerow(cells)
        bom = ""


def _decimal_comma(cell: Any) -> Any:
    if isinstance(cell, float):
        return repr(cell).replace(".", ",")
    return cell


def xlsx_sheet(workbook: Any, title: str, rows: Iterable[Sequence[Any]]) -> int:
    """Append the rows (header first), neutralised, to a new sheet of a write-only
    openpyxl workbook; return the number of rows after the header."""
    sheet = workbook.create_sheet(title=title[:31])
    count = -1
    for row in rows:
        sheet.append([neutralise(cell) for cell in row])
        count += 1
    return max(count, 0)


def xlsx_report_sheet(
    workbook: Any, name: str, heading: str, rows: Iterable[Sequence[Any]]
) -> None:
    """A sheet for people (dashboard downloads), in a normal openpyxl workbook:
    a bold title row naming what, where and when (`heading`), the header row
    styled and filtered, frozen panes under it, column widths from the content
    and number formats (counts "#,##0", other numbers "0.00", which the
    spreadsheet shows with its own separators). Text is neutralised as
    everywhere; machine files keep `xlsx_sheet`."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(title=name[:31])
    sheet.append([neutralise(heading)])
    sheet["A1"].font = Font(bold=True, size=13)
    widths: dict[int, int] = {}
    for index, row in enumerate(rows):
        sheet.append([neutralise(cell) for cell in row])
        for column, value in enumerate(row, start=1):
            text = "" if value is None else str(value)
            widths[column] = max(widths.get(column, 0), len(text))
            if index == 0:
                continue
            if isinstance(value, bool):
                continue
            if isinstance(value, int):
                sheet.cell(row=index + 2, column=column).number_format = "#,##0"
            elif isinstance(value, float):
                sheet.cell(row=index + 2, column=column).number_format = "0.00"
    header_fill = PatternFill("solid", start_color="DCE6F1")
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.border = Border(bottom=Side(style="thin"))
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(
            max(width + 2, 8), 60
        )
    sheet.freeze_panes = "A3"
    if widths:
        sheet.auto_filter.ref = f"A2:{get_column_letter(len(widths))}{sheet.max_row}"


def write_table(path: Path, rows: Iterable[Sequence[Any]], *, bom: bool = True) -> int:
    """Write the rows (header first) to a .csv or .xlsx file, streamed; return the
    number of data rows. The CSV is what `csv_lines` streams (`bom` likewise).
    ValueError for another file type."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        count = -1
        with path.open("w", newline="", encoding="utf-8") as handle:
            for line in csv_lines(rows, bom=bom):
                handle.write(line)
                count += 1
        return max(count, 0)
    if suffix == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        count = xlsx_sheet(workbook, "responses", rows)
        workbook.save(path)
        return count
    raise ValueError(f"{path}: unsupported file type (use .csv or .xlsx)")
