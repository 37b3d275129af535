"""Reading a file of transaction volumes (the sample page's import).

A CSV (comma or semicolon, UTF-8 with or without a byte-order mark, as a
Vietnamese Excel saves it) or an XLSX sheet with a header row. Columns, Vietnamese
or English names, any case: the agency code (`Mã`, `Mã cơ quan`, `agency`), the
number of transactions (`Số giao dịch`, `Số giao dịch (N)`, `count`) and, optional,
the period (`Kỳ`, `period`; the page's period when absent or empty). Other columns
are ignored, so the page's own download (CSV, Excel CSV or XLSX, whose title row is
skipped) can be filled in and imported back. A row with an empty count is skipped.
Counts are read as people type them ("5.000", "5 000").

Rows are read one at a time (the file is never loaded whole); every problem is
collected with its row and column, and the service writes nothing unless the whole
file is valid (dashboard.services.import_transaction_volumes).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from sipas.numbers import parse_count
from sipas.periods import is_period

MAX_ROWS = 20_000  # far above the agencies of a province; a guard against junk files
MAX_COUNT = 1_000_000_000  # as the page's single-agency form

AGENCY_NAMES = {"mã", "ma", "mã cơ quan", "ma co quan", "ma_co_quan", "agency", "code"}
COUNT_NAMES = {
    "số giao dịch",
    "so giao dich",
    "số giao dịch (n)",
    "so_giao_dich",
    "count",
    "volume",
    "transactions",
}
PERIOD_NAMES = {"kỳ", "ky", "period"}


@dataclass(frozen=True)
class VolumeRow:
    line: int  # the row number a spreadsheet shows
    agency: str
    period: str
    count: int


class VolumeFileError(Exception):
    """The file cannot be imported; `errors` says where and why (row, column)."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def _normal(name: object) -> str:
    return str(name or "").replace("\ufeff", "").strip().lower()


def _rows(upload, filename: str) -> Iterator[tuple[int, list]]:
    """(row number, cells) of the file, one at a time."""
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(upload, read_only=True, data_only=True)
        except Exception as exc:  # a broken or disguised file
            raise VolumeFileError([_("Không đọc được tệp XLSX.")]) from exc
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(row)
        workbook.close()
        return
    text = io.TextIOWrapper(upload, encoding="utf-8-sig", newline="")
    try:
        first = text.readline()
    except UnicodeDecodeError as exc:
        raise VolumeFileError([_("Tệp CSV phải được lưu dạng UTF-8.")]) from exc
    delimiter = ";" if first.count(";") > first.count(",") else ","
    lines = _chain([first], text)
    try:
        for number, row in enumerate(csv.reader(lines, delimiter=delimiter), start=1):
            yield number, row
    except UnicodeDecodeError as exc:
        raise VolumeFileError([_("Tệp CSV phải được lưu dạng UTF-8.")]) from exc


def _chain(first: list[str], rest) -> Iterator[str]:
    yield from first
    yield from rest


def _cell(cells: list, columns: dict[str, int], key: str) -> str:
    index = columns.get(key)
    if index is None or index >= len(cells) or cells[index] is None:
        return ""
    return str(cells[index]).strip()


def _header(cells: list) -> dict[str, int] | None:
    """Where the columns are, or None when this row is not the header."""
    names = [_normal(c) for c in cells]
    found = {}
    for index, name in enumerate(names):
        for key, accepted in (
            ("agency", AGENCY_NAMES),
            ("count", COUNT_NAMES),
            ("period", PERIOD_NAMES),
        ):
            if name in accepted and key not in found:
                found[key] = index
    return found if {"agency", "count"} <= found.keys() else None


def read_volumes(upload, filename: str, default_period: str) -> list[VolumeRow]:
    """The volumes of the file, or VolumeFileError listing every bad row."""
    columns = None
    errors: list[str] = []
    volumes: list[VolumeRow] = []
    seen: dict[tuple[str, str], int] = {}
    count_title = ""
    for number, cells in _rows(upload, filename):
        if columns is None:
            # The page's XLSX download starts with a title row: the header is
            # the first row that names both required columns (within 5 rows).
            columns = _header(cells)
            if columns is None and number >= 5:
                break
            if columns is not None:
                count_title = str(cells[columns["count"]]).strip()
            continue
        if len(volumes) + len(errors) >= MAX_ROWS:
            errors.append(_("Tệp có quá %(max)s dòng.") % {"max": MAX_ROWS})
            break

        agency = _cell(cells, columns, "agency")
        raw_count = _cell(cells, columns, "count")
        period = _cell(cells, columns, "period") or default_period
        if not agency and not raw_count:
            continue  # an empty line
        if not raw_count:
            continue  # an agency left without a volume: nothing to import
        count = parse_count(raw_count)
        if count is None and raw_count.endswith(".0"):  # XLSX numbers read as float
            count = parse_count(raw_count[:-2])
        where = {"row": number, "column": count_title}
        if count is None:
            errors.append(
                _(
                    "Dòng %(row)s, cột “%(column)s”: “%(value)s” không phải số "
                    "nguyên không âm."
                )
                % {**where, "value": raw_count}
            )
            continue
        if count > MAX_COUNT:
            errors.append(_("Dòng %(row)s, cột “%(column)s”: số quá lớn.") % where)
            continue
        if not agency:
            errors.append(_("Dòng %(row)s: thiếu mã cơ quan.") % where)
            continue
        if not is_period(period):
            errors.append(
                _(
                    "Dòng %(row)s, cột “Kỳ”: “%(value)s” không phải kỳ "
                    "(2026, 2026-Q3, 2026-07)."
                )
                % {**where, "value": period}
            )
            continue
        if (agency, period) in seen:
            errors.append(
                _(
                    "Dòng %(row)s: cơ quan %(agency)s, kỳ %(period)s đã có ở "
                    "dòng %(first)s."
                )
                % {
                    **where,
                    "agency": agency,
                    "period": period,
                    "first": seen[(agency, period)],
                }
            )
            continue
        seen[(agency, period)] = number
        volumes.append(VolumeRow(number, agency, period, count))
    if columns is None:
        raise VolumeFileError(
            [
                _(
                    "Không tìm thấy dòng tiêu đề: tệp cần cột “Mã” (mã cơ quan) và "
                    "cột “Số giao dịch”."
                )
            ]
        )
    if errors:
        raise VolumeFileError(errors)
    return volumes
