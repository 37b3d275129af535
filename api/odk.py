"""ODK Collect / KoboToolbox: the submissions those tools export (CSV or XLSX)
for a version's XLSForm (api.xlsform) imported as responses.

An export of ODK Central (`s1-E1.1`, `meta-instanceID`, `SubmissionDate`, `KEY`
…) or KoboToolbox (`s1/E1.1` or `E1.1`, `_uuid`, `_submission_time`, `_id` …) is
imported through `surveys.services.store_responses` (the one write path), all or
nothing: the first fault raises OdkImportError naming file, row and column as
written in the file. A submission's response id is derived from its instance id,
so importing the same export again stores nothing new; the same instance id with
other answers is refused.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from agencies.models import Agency, Procedure, ServicePoint
from api.xlsform import form_id
from surveys.importing import ImportFileError, read_table
from surveys.models import (
    RESPONDENT_FIELDS,
    Item,
    QuestionnaireVersion,
    Response,
)
from surveys.services import (
    ResponseDraft,
    fingerprint,
    items_of,
    store_responses,
    validate_draft,
)

NAMESPACE = uuid.UUID("6f1c1d9e-3c55-4d7a-9a57-0d5f0e1a5e14")
CHUNK = 2000


# --- Importing submissions ------------------------------------------------------------

# Columns the tools add that carry nothing for the portal.
IGNORED = {
    # ODK Central
    "SubmissionDate",
    "SubmitterID",
    "SubmitterName",
    "AttachmentsPresent",
    "AttachmentsExpected",
    "Status",
    "ReviewState",
    "DeviceID",
    "Edits",
    "FormVersion",
    # KoboToolbox
    "_id",
    "_submission_time",
    "_validation_status",
    "_notes",
    "_status",
    "_submitted_by",
    "__version__",
    "_version_",
    "_tags",
    "_index",
    "_attachments",
    "_xform_id_string",
    "_parent_table_name",
    "_parent_index",
    "formhub/uuid",
    "meta/rootUuid",
    "meta/deprecatedID",
    "meta-rootUuid",
    "meta-deprecatedID",
    "start",
    "end",
}
INSTANCE_COLUMNS = ("meta-instanceID", "meta/instanceID", "instanceID", "KEY", "_uuid")
TIME_COLUMNS = ("end", "SubmissionDate", "_submission_time")


class OdkImportError(ImportFileError):
    """A submissions export that cannot be imported; names file, row and column."""


@dataclass
class OdkReport:
    stored: int = 0
    skipped: int = 0


def response_id(instance_id: str) -> uuid.UUID:
    """The response id of a submission: the same instance id, the same response."""
    bare = instance_id.strip()
    bare = bare[5:] if bare.lower().startswith("uuid:") else bare
    return uuid.uuid5(NAMESPACE, bare.lower())


def _fields(version: QuestionnaireVersion) -> set[str]:
    return (
        {"agency", "service_point", "procedure", "channel", "comment"}
        | set(RESPONDENT_FIELDS)
        | set(items_of(version))
    )


def _field_of(
    column: str, fields: set[str], groups: set[str], multis: set[str]
) -> str | None:
    """The form field a column holds, "" for a column to ignore, None if unknown."""
    if column in IGNORED or column in INSTANCE_COLUMNS or column in TIME_COLUMNS:
        return ""
    if column in fields:
        return column
    parts = re.split(r"[/-]", column)
    # `s1-E1.1` (Central), `s1/E1.1` (Kobo): groups, then the field.
    for cut in range(1, len(parts)):
        head, tail = parts[:cut], "-".join(parts[cut:])
        if all(p in groups for p in head):
            if tail in fields:
                return tail
            # Kobo's one column per option of a multiple choice: `N2/1`.
            if len(parts) - cut == 2 and parts[cut] in multis and parts[-1].isdigit():
                return ""
    if len(parts) == 2 and parts[0] in multis and parts[1].isdigit():
        return ""
    if len(parts) == 2 and parts[0] == "meta":
        return ""
    return None


def _parse_time(raw: str, column: str) -> datetime.datetime:
    text = raw.strip().replace(" ", "T", 1)
    try:
        value = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise _RowError(column, f"not an ISO 8601 time: {raw!r}")
    if value.tzinfo is None:  # Kobo's _submission_time is UTC without an offset
        value = value.replace(tzinfo=datetime.UTC)
    return value.astimezone(datetime.UTC)


class _RowError(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def import_submissions(path: Path, *, version: QuestionnaireVersion) -> OdkReport:
    """Import an ODK Central or KoboToolbox submissions export of `version`'s
    XLSForm; all or nothing (see the module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise OdkImportError(f"{path}: file not found")
    rows = read_table(path)
    first = next(rows, None)
    if first is None:
        raise OdkImportError(f"{path}: row 1: the file is empty")
    return import_rows(str(path), first[1], rows, version=version)


def import_rows(
    path: str,
    header: list[str],
    rows: Iterable[tuple[int, list[str]]],
    *,
    version: QuestionnaireVersion,
    allowed_agencies: set[int] | None = None,
) -> OdkReport:
    """Import (row number, cells) under `header`, as `import_submissions` does;
    `path` names the source in messages. `allowed_agencies`: agency ids the
    submitter may send for (others are refused like unknown codes)."""
    items = items_of(version)
    fields = _fields(version)
    groups = {f"s{n}" for n in range(1, 100)}
    multis = {code for code, item in items.items() if item.kind == Item.Kind.MULTI}
    mapping: list[tuple[str, str]] = []  # (column, field) of the useful columns
    for column in header:
        field = _field_of(column, fields, groups, multis)
        if field is None:
            raise OdkImportError(
                f"{path}: row 1, column {column!r}: not a field of {form_id(version)}"
            )
        if field:
            mapping.append((column, field))
    instance_column = next((c for c in INSTANCE_COLUMNS if c in header), None)
    if instance_column is None:
        raise OdkImportError(
            f"{path}: row 1: no instance id column ({', '.join(INSTANCE_COLUMNS)})"
        )
    if "agency" not in {f for _c, f in mapping}:
        raise OdkImportError(f"{path}: row 1: missing column agency")
    time_columns = [c for c in TIME_COLUMNS if c in header]
    if not time_columns:
        raise OdkImportError(
            f"{path}: row 1: no time column ({', '.join(TIME_COLUMNS)})"
        )
    agencies = dict(Agency.objects.values_list("code", "id"))
    if allowed_agencies is not None:
        agencies = {c: pk for c, pk in agencies.items() if pk in allowed_agencies}
    points = dict(ServicePoint.objects.values_list("code", "id"))
    procedures: dict[str, int | None] = {}
    report = OdkReport()
    seen: dict[uuid.UUID, str] = {}

    def parse(values: dict[str, str]) -> ResponseDraft:
        instance = values.get(instance_column, "").strip()
        if not instance:
            raise _RowError(instance_column, "empty instance id")
        when = None
        for column in time_columns:
            if values.get(column, "").strip():
                when = _parse_time(values[column], column)
                break
        if when is None:
            raise _RowError(time_columns[0], "no submission time")
        by_field = {
            field: (column, values.get(column, "").strip()) for column, field in mapping
        }
        answers: dict[str, int | list[int]] = {}
        for code, item in items.items():
            column, raw = by_field.get(code, (code, ""))
            if not raw:
                continue
            parts = raw.split()
            if not all(p.isdigit() for p in parts):
                raise _RowError(column, f"not an option number: {raw!r}")
            numbers = [int(p) for p in parts]
            if any(n not in item.option_values for n in numbers):
                raise _RowError(column, f"option {raw!r} is not on the scale of {code}")
            if item.kind == Item.Kind.MULTI:
                answers[code] = sorted(set(numbers))
            elif len(numbers) == 1:
                answers[code] = numbers[0]
            else:
                raise _RowError(column, f"{code} takes one option, got {raw!r}")
        column, code = by_field["agency"]
        if code not in agencies:
            raise _RowError(column, f"unknown agency code {code!r}")
        point_id = None
        column, point = by_field.get("service_point", ("service_point", ""))
        if point:
            point_id = points.get(point)
            if point_id is None:
                raise _RowError(column, f"unknown service point code {point!r}")
        procedure_id = None
        column, procedure = by_field.get("procedure", ("procedure", ""))
        if procedure:
            if procedure not in procedures:
                procedures[procedure] = (
                    Procedure.objects.filter(code=procedure)
                    .values_list("id", flat=True)
                    .first()
                )
            procedure_id = procedures[procedure]
            if procedure_id is None:
                raise _RowError(column, f"unknown procedure code {procedure!r}")
        respondent = {
            name: by_field[name][1]
            for name in RESPONDENT_FIELDS
            if name in by_field and by_field[name][1]
        }
        return ResponseDraft(
            version=version,
            agency_id=agencies[code],
            answers=answers,
            submitted_at=when,
            id=response_id(instance),
            service_point_id=point_id,
            procedure_id=procedure_id,
            channel=by_field.get("channel", ("", ""))[1],
            respondent=respondent,
            comment=by_field.get("comment", ("", ""))[1],
            source=Response.Source.IMPORT,
        )

    def flush(chunk: list[tuple[int, ResponseDraft]]) -> None:
        stored = dict(
            Response.objects.filter(id__in=[d.id for _n, d in chunk]).values_list(
                "id", "fingerprint"
            )
        )
        fresh = []
        for number, draft in chunk:
            if draft.id in stored:
                if stored[draft.id] != draft.fingerprint:
                    raise OdkImportError(
                        f"{path}: row {number}, column {instance_column!r}: "
                        "this submission is already stored with other answers"
                    )
                report.skipped += 1
                continue
            fresh.append(draft)
        if fresh:
            store_responses(fresh, validate=False)
            report.stored += len(fresh)

    column_of = {field: column for column, field in mapping}
    with transaction.atomic():
        chunk: list[tuple[int, ResponseDraft]] = []
        for number, cells in rows:
            if not any(cells):
                continue
            values = dict(zip(header, cells, strict=False))
            try:
                draft = parse(values)
                validate_draft(draft)
            except _RowError as error:
                raise OdkImportError(
                    f"{path}: row {number}, column {error.column!r}: {error.message}"
                )
            except ValidationError as error:
                field, messages = next(iter(error.message_dict.items()))
                raise OdkImportError(
                    f"{path}: row {number}, column {column_of.get(field, field)!r}: "
                    + "; ".join(messages)
                )
            draft.fingerprint = fingerprint(draft)
            if draft.id in seen:
                if seen[draft.id] != draft.fingerprint:
                    raise OdkImportError(
                        f"{path}: row {number}, column {instance_column!r}: the same "
                        "submission appears earlier in the file with other answers"
                    )
                report.skipped += 1
                continue
            seen[draft.id] = draft.fingerprint
            chunk.append((number, draft))
            if len(chunk) >= CHUNK:
                flush(chunk)
                chunk = []
        if chunk:
            flush(chunk)
    return report
