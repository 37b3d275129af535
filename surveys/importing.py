"""Reading responses in the `sipas-csv` format (docs/formats.md), CSV or xlsx.

Import contract: the file is read in chunks and stored through the one write path
(surveys.services.store_responses) inside one transaction, so a file is all or
nothing: the first bad row raises :class:`ImportFileError` naming file, row and
column, and nothing of the file is stored. With ``skip_invalid`` the valid rows
are stored and every rejected row is reported. A ``response_id`` already stored
with the same content is skipped; with other content it is rejected. Cells
written neutralised against spreadsheet formulas are restored
(`sipas.formats.sipas_csv.restore_text`). Writing is `surveys.exporting`.
"""

from __future__ import annotations

import csv
import datetime
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from agencies.models import Agency, Procedure, ServicePoint
from sipas.formats.sipas_csv import (
    ANSWER_SEPARATOR,
    BASE_COLUMNS,
    COMMENT_COLUMN,
    REQUIRED_COLUMNS,
    restore_text,
)
from surveys.models import (
    Questionnaire,
    QuestionnaireVersion,
    Response,
)
from surveys.services import (
    CHANNEL_VALUES,
    RESPONDENT_VALUES,
    ResponseDraft,
    fingerprint,
    items_of,
    store_responses,
)

CHUNK = 2000


class ImportFileError(Exception):
    """A file that cannot be imported; the message names file, row and column."""


@dataclass
class ImportReport:
    stored: int = 0
    skipped: int = 0  # same response_id, same content
    rejected: list[str] = field(default_factory=list)  # with skip_invalid


class RowError(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


# --- reading ----------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return str(value).strip()


def read_table(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Yield (row number, cells) of a CSV or xlsx file, header first (row 1)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            number = 0
            try:
                for number, cells in enumerate(csv.reader(handle), start=1):
                    yield number, [c.strip() for c in cells]
            except (UnicodeDecodeError, csv.Error) as error:
                # Bad bytes are the file's fault: name it, never a traceback.
                raise ImportFileError(
                    f"{path}: row {number + 1}: not a UTF-8 CSV file ({error})"
                )
    elif suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as error:  # zipfile, XML and openpyxl errors alike
            raise ImportFileError(f"{path}: not a readable .xlsx file ({error})")
        try:
            sheet = workbook.worksheets[0]
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, [_cell(c) for c in cells]
        finally:
            workbook.close()
    else:
        raise ImportFileError(f"{path}: unsupported file type (use .csv or .xlsx)")


class _Resolver:
    """Code → id lookups, cached for the whole file."""

    def __init__(self) -> None:
        self.questionnaires = {q.code: q for q in Questionnaire.objects.all()}
        self.versions: dict[tuple[str, str], QuestionnaireVersion | None] = {}
        self.agencies = dict(Agency.objects.values_list("code", "id"))
        self.points: dict[str, int | None] = {}
        self.procedures: dict[str, int | None] = {}

    def item_codes(self) -> set[str]:
        codes: set[str] = set()
        for version in QuestionnaireVersion.objects.filter(
            questionnaire__in=self.questionnaires.values()
        ):
            codes.update(items_of(version))
        return codes

    def version(self, questionnaire: str, number: str) -> QuestionnaireVersion:
        key = (questionnaire, number)
        if key not in self.versions:
            q = self.questionnaires.get(questionnaire)
            if q is None:
                raise RowError(
                    "questionnaire", f"unknown questionnaire {questionnaire!r}"
                )
            if number:
                if not number.isdigit():
                    raise RowError("version", f"invalid version {number!r}")
                found = q.versions.filter(
                    number=int(number), published_at__isnull=False
                ).first()
            else:
                found = q.current_version()
            self.versions[key] = found
        found = self.versions[key]
        if found is None:
            raise RowError(
                "version",
                f"no published version {number or '(current)'} of {questionnaire}",
            )
        return found

    def lookup(self, cache: dict, model, code: str, column: str) -> int | None:
        if not code:
            return None
        if code not in cache:
            cache[code] = (
                model.objects.filter(code=code).values_list("id", flat=True).first()
            )
        if cache[code] is None:
            raise RowError(column, f"unknown {column} code {code!r}")
        return cache[code]


def _parse_row(
    values: dict[str, str], resolver: _Resolver, item_columns: list[str]
) -> ResponseDraft:
    raw_id = values.get("response_id", "")
    try:
        response_id = uuid.UUID(raw_id)
    except ValueError:
        raise RowError("response_id", f"not a UUID: {raw_id!r}")
    version = resolver.version(
        values.get("questionnaire", ""), values.get("version", "")
    )
    raw_at = values.get("submitted_at", "")
    try:
        submitted_at = datetime.datetime.fromisoformat(raw_at)
    except ValueError:
        raise RowError("submitted_at", f"not an ISO 8601 timestamp: {raw_at!r}")
    if submitted_at.tzinfo is None:
        raise RowError("submitted_at", f"timestamp without offset: {raw_at!r}")
    agency_code = values.get("agency", "")
    agency_id = resolver.agencies.get(agency_code)
    if agency_id is None:
        raise RowError("agency", f"unknown agency code {agency_code!r}")
    channel = values.get("channel", "")
    if channel and channel not in CHANNEL_VALUES:
        raise RowError("channel", f"invalid channel {channel!r}")
    respondent = {}
    for name, allowed in RESPONDENT_VALUES.items():
        value = values.get(name, "")
        if value and value not in allowed:
            raise RowError(name, f"invalid value {value!r}")
        if value:
            respondent[name] = value
    items = items_of(version)
    answers: dict[str, int | list[int]] = {}
    for code in item_columns:
        raw = values.get(code, "")
        if not raw:
            continue
        item = items.get(code)
        if item is None:
            raise RowError(code, f"item {code} is not part of {version}")
        try:
            numbers = [int(part) for part in raw.split(ANSWER_SEPARATOR)]
        except ValueError:
            raise RowError(code, f"not an option number: {raw!r}")
        if any(n not in item.option_values for n in numbers):
            raise RowError(code, f"option {raw!r} is not on the scale of {code}")
        if item.kind == "multi":
            answers[code] = sorted(set(numbers))
        elif len(numbers) == 1:
            answers[code] = numbers[0]
        else:
            raise RowError(code, f"{code} takes one option, got {raw!r}")
    draft = ResponseDraft(
        version=version,
        agency_id=agency_id,
        answers=answers,
        # UTC, so that the fingerprint does not depend on the offset written.
        submitted_at=submitted_at.astimezone(datetime.UTC),
        id=response_id,
        service_point_id=resolver.lookup(
            resolver.points,
            ServicePoint,
            values.get("service_point", ""),
            "service_point",
        ),
        procedure_id=resolver.lookup(
            resolver.procedures, Procedure, values.get("procedure", ""), "procedure"
        ),
        channel=channel,
        respondent=respondent,
        comment=values.get(COMMENT_COLUMN, ""),
        source=Response.Source.IMPORT,
    )
    return draft


def import_responses(path: Path, *, skip_invalid: bool = False) -> ImportReport:
    """Import a sipas-csv file (CSV or xlsx); see the module docstring."""
    from surveys.services import validate_draft

    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"{path}: file not found")
    report = ImportReport()
    resolver = _Resolver()
    rows = read_table(path)
    header_row = next(rows, None)
    if header_row is None:
        raise ImportFileError(f"{path}: row 1: the file is empty")
    header = header_row[1]
    known = {*BASE_COLUMNS, COMMENT_COLUMN, *resolver.item_codes()}
    for column in header:
        if column not in known:
            raise ImportFileError(f"{path}: row 1, column {column!r}: unknown column")
    missing = REQUIRED_COLUMNS - set(header)
    if missing:
        raise ImportFileError(
            f"{path}: row 1: missing column(s) {', '.join(sorted(missing))}"
        )
    item_columns = [c for c in header if c not in BASE_COLUMNS and c != COMMENT_COLUMN]
    seen: dict[uuid.UUID, str] = {}

    def fail(number: int, column: str, message: str) -> None:
        text = f"{path}: row {number}, column {column!r}: {message}"
        if not skip_invalid:
            raise ImportFileError(text)
        report.rejected.append(text)

    def flush(chunk: list[tuple[int, ResponseDraft, str]]) -> None:
        stored = dict(
            Response.objects.filter(id__in=[d.id for _n, d, _f in chunk]).values_list(
                "id", "fingerprint"
            )
        )
        drafts = []
        for number, draft, print_ in chunk:
            if draft.id in stored:
                if stored[draft.id] == print_:
                    report.skipped += 1
                else:
                    fail(
                        number,
                        "response_id",
                        f"{draft.id} is already stored with other content",
                    )
                continue
            drafts.append(draft)
        if drafts:
            store_responses(drafts, validate=False)
            report.stored += len(drafts)

    with transaction.atomic():
        chunk: list[tuple[int, ResponseDraft, str]] = []
        for number, cells in rows:
            if not any(cells):
                continue
            if len(cells) > len(header):
                fail(number, "?", f"{len(cells)} cells but {len(header)} columns")
                continue
            values = dict(zip(header, map(restore_text, cells), strict=False))
            try:
                draft = _parse_row(values, resolver, item_columns)
                validate_draft(draft)
            except RowError as error:
                fail(number, error.column, error.message)
                continue
            except ValidationError as error:
                column, messages = next(iter(error.message_dict.items()))
                fail(number, column, "; ".join(messages))
                continue
            print_ = draft.fingerprint = fingerprint(draft)
            if draft.id in seen:
                if seen[draft.id] == print_:
                    report.skipped += 1
                else:
                    fail(
                        number,
                        "response_id",
                        f"{draft.id} appears earlier in the file with other content",
                    )
                continue
            seen[draft.id] = print_
            chunk.append((number, draft, print_))
            if len(chunk) >= CHUNK:
                flush(chunk)
                chunk = []
        if chunk:
            flush(chunk)
    return report
