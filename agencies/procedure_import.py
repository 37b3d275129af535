"""Import a procedure catalogue (TTHC) from CSV or XLSX, all or nothing.

Columns are those of agencies/data/procedures.csv: `code` and `name` are
required; `field`, `level` (levels joined with "|": trung_uong, tinh, huyen, xa),
`agency` (the competent authority), `decision`, `official_url` and `source` are
stored when present; `level_source`, `also_listed_in` and `local_code_example`
are accepted and ignored. Any other column is an error.

A row whose code exists updates that procedure, but only in the columns the file
has (a file without `field` keeps the fields already stored). Rows are read one
at a time (csv module; openpyxl in read-only mode), checked, and written only
when the whole file is valid; otherwise `ProcedureFileError` lists every problem
as "FILE, row N, column C: message" and nothing is written. Row numbers are the
spreadsheet's (the header is row 1).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from agencies.models import Procedure
from agencies.text import fold

# Column → model field. None: accepted, not stored.
COLUMNS: dict[str, str | None] = {
    "code": "code",
    "name": "name",
    "field": "field",
    "level": "levels",
    "agency": "competent_authority",
    "decision": "decision",
    "official_url": "official_url",
    "source": "source",
    "level_source": None,
    "also_listed_in": None,
    "local_code_example": None,
}
REQUIRED = ("code", "name")
# National base code d.dddddd, optionally with a provincial instance suffix
# (1.001612.000.00.00.H48).
CODE_PATTERN = re.compile(r"^\d\.\d{6}(\.[0-9A-Za-z]+)*$")
MAX_ERRORS = 50


class ProcedureFileError(ValueError):
    """The file cannot be imported; `errors` name file, row and column."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _cell(value: Any, column: str) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and column == "code":
        # A spreadsheet may store 1.000894 as a number; base codes always have six
        # decimals, so this restores the zeros it dropped (2.00088 → 2.000880).
        return f"{value:.6f}"
    return str(value).strip()


def _read_rows(path: Path) -> Iterator[list[Any]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as file:
            yield from csv.reader(file)
    elif suffix == ".xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            for row in workbook.worksheets[0].iter_rows(values_only=True):
                yield list(row)
        finally:
            workbook.close()
    else:
        raise ProcedureFileError([f"{path.name}: only .csv and .xlsx files are read"])


def _check(values: dict[str, str], where: str, errors: list[str]) -> None:
    code = values["code"]
    if not code:
        errors.append(f"{where}, column code: empty")
    elif len(code) > 40 or not CODE_PATTERN.match(code):
        errors.append(
            f"{where}, column code: {code!r} is not a TTHC code "
            "(d.dddddd, optionally with a provincial suffix)"
        )
    if not values["name"]:
        errors.append(f"{where}, column name: empty")
    if "field" in values and len(values["field"]) > 200:
        errors.append(f"{where}, column field: longer than 200 characters")
    if values.get("level"):
        allowed = set(Procedure.Level.values)
        unknown = [v for v in values["level"].split("|") if v not in allowed]
        if unknown or len(values["level"]) > 60:
            errors.append(
                f"{where}, column level: {values['level']!r} is not a '|'-joined list "
                f"of {', '.join(sorted(allowed))}"
            )
    if len(values.get("decision", "")) > 255:
        errors.append(f"{where}, column decision: longer than 255 characters")
    if values.get("official_url"):
        try:
            URLValidator()(values["official_url"])
            if len(values["official_url"]) > 500:
                raise ValidationError("too long")
        except ValidationError:
            errors.append(f"{where}, column official_url: not a valid URL")


def read_procedure_file(path: Path) -> tuple[list[str], dict[str, dict[str, str]]]:
    """Columns present and validated values by code; raise ProcedureFileError."""
    path = Path(path)
    if not path.is_file():
        raise ProcedureFileError([f"{path}: file not found"])
    errors: list[str] = []
    rows = _read_rows(path)
    header = [_cell(h, "").lower() for h in next(rows, [])]
    header_errors = [
        f"{path.name}, row 1, column {name or '(empty)'}: unknown column"
        for name in header
        if name not in COLUMNS
    ]
    header_errors += [
        f"{path.name}, row 1: required column {name} is missing"
        for name in REQUIRED
        if name not in header
    ]
    if len(set(header)) != len(header):
        header_errors.append(f"{path.name}, row 1: a column appears twice")
    if header_errors:
        raise ProcedureFileError(header_errors)

    by_code: dict[str, dict[str, str]] = {}
    first_row: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        if not any(_cell(v, "") for v in row):
            continue  # blank line
        where = f"{path.name}, row {number}"
        if len(row) > len(header) and any(_cell(v, "") for v in row[len(header) :]):
            errors.append(f"{where}: more cells than the header has columns")
        values = {
            name: _cell(row[i] if i < len(row) else None, name)
            for i, name in enumerate(header)
        }
        _check(values, where, errors)
        code = values["code"]
        if code in first_row:
            errors.append(
                f"{where}, column code: {code} already given in row {first_row[code]}"
            )
        elif code:
            first_row[code] = number
            by_code[code] = values
        if len(errors) >= MAX_ERRORS:
            errors.append(f"{path.name}: stopped after {MAX_ERRORS} problems")
            break
    if errors:
        raise ProcedureFileError(errors)
    return header, by_code


@transaction.atomic
def import_procedure_file(path: Path, *, update_existing: bool = True) -> ImportResult:
    """Create or update the file's procedures; all or nothing (see module doc).

    With update_existing=False, codes already stored are left as they are.
    """
    header, by_code = read_procedure_file(path)
    stored = [COLUMNS[c] for c in header if COLUMNS[c] and c != "code"]
    if "name" in header:
        stored.append("name_folded")
    # The whole catalogue is a few thousand rows: one read beats chunked IN lists.
    existing = {p.code: p for p in Procedure.objects.all()}
    result = ImportResult()
    new, changed = [], []
    for code, values in by_code.items():
        wanted = {COLUMNS[c]: values[c] for c in header if COLUMNS[c] and c != "code"}
        wanted["name_folded"] = fold(wanted["name"])
        procedure = existing.get(code)
        if procedure is None:
            new.append(Procedure(code=code, **wanted))
        elif update_existing and any(
            getattr(procedure, name) != wanted[name] for name in stored
        ):
            for name in stored:
                setattr(procedure, name, wanted[name])
            changed.append(procedure)
        else:
            result.unchanged += 1
    Procedure.objects.bulk_create(new, batch_size=1000)
    if changed:
        Procedure.objects.bulk_update(changed, stored, batch_size=1000)
    result.created, result.updated = len(new), len(changed)
    return result
