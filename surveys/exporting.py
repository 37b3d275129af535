"""Writing responses in the `sipas-csv` format (docs/formats.md), CSV or xlsx.

One row builder for every raw export: `manage.py export_responses` and the
dashboard's raw download both call `export_rows` and hand its rows to the one
writer in `sipas.formats.sipas_csv` (a file, or streamed CSV lines), so the two
give byte-identical files for the same responses. Times are written in the
configured TIME_ZONE with their offset; free text is neutralised by the writer.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from django.db.models import QuerySet

from agencies.models import Agency, Procedure, ServicePoint
from sipas.formats.sipas_csv import ANSWER_SEPARATOR, BASE_COLUMNS, COMMENT_COLUMN
from sipas.periods import local_tz, parse_period
from surveys.models import RESPONDENT_FIELDS, Answer, Questionnaire, Response
from surveys.partitions import year_of

CHUNK = 2000


def export_columns(questionnaire: Questionnaire) -> list[str]:
    """Header of an export: base columns, the questionnaire's items, comment."""
    codes: dict[str, None] = {}
    for version in questionnaire.versions.order_by("number"):
        for item in version.items.order_by("position"):
            codes.setdefault(item.code, None)
    return [*BASE_COLUMNS, *codes, COMMENT_COLUMN]


def responses_of(questionnaire: Questionnaire, period: str | None = None) -> QuerySet:
    """The responses of a questionnaire, of one period when given."""
    responses = Response.objects.filter(version__questionnaire=questionnaire)
    if period:
        start, end = parse_period(period).bounds()
        responses = responses.filter(submitted_at__gte=start, submitted_at__lt=end)
    return responses


def export_rows(
    questionnaire: Questionnaire, responses: QuerySet[Response] | None = None
) -> Iterator[list[str]]:
    """Header then one row per response of the questionnaire (all of them, or
    those of `responses`), oldest first, streamed in chunks (constant memory)."""
    columns = export_columns(questionnaire)
    yield columns
    if responses is None:
        responses = responses_of(questionnaire)
    tz = local_tz()
    agencies = dict(Agency.objects.values_list("id", "code"))
    points = dict(ServicePoint.objects.values_list("id", "code"))
    procedures: dict[int, str] = {}
    versions = dict(questionnaire.versions.values_list("id", "number"))
    responses = responses.filter(version_id__in=list(versions)).order_by(
        "submitted_at", "id"
    )
    fields = ["id", "version_id", "submitted_at", "agency_id", "service_point_id"]
    fields += ["procedure_id", "channel", "comment", *RESPONDENT_FIELDS]

    def emit(chunk: list[dict]) -> Iterator[list[str]]:
        answers: dict[uuid.UUID, dict[str, list[int]]] = {}
        for response_id, code, value in (
            Answer.objects.filter(
                response_id__in=[r["id"] for r in chunk],
                # the partition key: one partition per year read (surveys.partitions)
                year__in={year_of(r["submitted_at"]) for r in chunk},
            )
            .order_by("response_id", "item_code", "value")
            .values_list("response_id", "item_code", "value")
        ):
            answers.setdefault(response_id, {}).setdefault(code, []).append(value)
        missing = {
            r["procedure_id"]
            for r in chunk
            if r["procedure_id"] and r["procedure_id"] not in procedures
        }
        if missing:
            procedures.update(
                Procedure.objects.filter(id__in=missing).values_list("id", "code")
            )
        for r in chunk:
            own = answers.get(r["id"], {})
            row = {
                "response_id": str(r["id"]),
                "questionnaire": questionnaire.code,
                "version": str(versions[r["version_id"]]),
                "submitted_at": r["submitted_at"].astimezone(tz).isoformat(),
                "agency": agencies.get(r["agency_id"], ""),
                "service_point": points.get(r["service_point_id"], ""),
                "procedure": procedures.get(r["procedure_id"], ""),
                "channel": r["channel"],
                COMMENT_COLUMN: r["comment"],
                **{name: r[name] for name in RESPONDENT_FIELDS},
                **{code: ANSWER_SEPARATOR.join(map(str, v)) for code, v in own.items()},
            }
            yield [row.get(c, "") for c in columns]

    chunk: list[dict] = []
    for response in responses.values(*fields).iterator(chunk_size=CHUNK):
        chunk.append(response)
        if len(chunk) >= CHUNK:
            yield from emit(chunk)
            chunk = []
    if chunk:
        yield from emit(chunk)
