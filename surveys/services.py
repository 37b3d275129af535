"""The one write path for citizens' responses, whatever the channel.

`store_responses` validates and writes a batch atomically (bulk inserts); the
responses are stored uncounted and the index engine's sweep is scheduled.
`submit_response` is the single-response form of it used by the web form, the
kiosk and invitations (through `invitations.services.answer_invitation`); imports
and the demo seeder call `store_responses` with many drafts at once.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from sipas.pgcopy import copy_line
from surveys.models import (
    RESPONDENT_FIELDS,
    Answer,
    Channel,
    Item,
    QuestionnaireVersion,
    ReplyContact,
    Response,
)
from surveys.partitions import ensure_year_partitions, year_of
from surveys.signals import responses_stored

MAX_COMMENT_LENGTH = 4000


@dataclass
class ResponseDraft:
    """A response before it is stored; answers map item code → option number(s)."""

    version: QuestionnaireVersion
    agency_id: int
    answers: dict[str, int | list[int]]
    submitted_at: datetime.datetime | None = None
    id: uuid.UUID | None = None
    service_point_id: int | None = None
    procedure_id: int | None = None
    channel: str = ""
    respondent: dict[str, str] = field(default_factory=dict)
    comment: str = ""
    source: str = Response.Source.WEB
    flagged: bool = False
    flag_reason: str = ""
    idempotency_key: str | None = None
    # sha256 of the content (see fingerprint()); computed on storing when empty.
    fingerprint: str = ""


_items_cache: dict[int, dict[str, Item]] = {}
# Choice values as sets, computed once (TextChoices.values builds a list per call).
CHANNEL_VALUES = frozenset(Channel.values)
RESPONDENT_VALUES = {name: frozenset(c.values) for name, c in RESPONDENT_FIELDS.items()}


def items_of(version: QuestionnaireVersion) -> dict[str, Item]:
    """Items of a version by code. Published versions are immutable, so cache them."""
    if version.is_published and version.pk in _items_cache:
        return _items_cache[version.pk]
    items = {item.code: item for item in version.items.all()}
    if version.is_published:
        _items_cache[version.pk] = items
    return items


def validate_draft(draft: ResponseDraft) -> None:
    """Raise ValidationError naming the field that is wrong; change nothing."""
    items = items_of(draft.version)
    errors: dict[str, str] = {}
    for code, raw in draft.answers.items():
        item = items.get(code)
        if item is None:
            errors[code] = _("Câu hỏi %(code)s không có trong bộ câu hỏi này.") % {
                "code": code
            }
            continue
        values = raw if isinstance(raw, list) else [raw]
        if item.kind != Item.Kind.MULTI and len(values) > 1:
            errors[code] = _("Câu hỏi %(code)s chỉ nhận một lựa chọn.") % {"code": code}
            continue
        allowed = item.option_values
        for value in values:
            if (
                not isinstance(value, int)
                or isinstance(value, bool)
                or value not in allowed
            ):
                errors[code] = _(
                    "Giá trị %(value)s không hợp lệ cho câu hỏi %(code)s."
                ) % {"value": value, "code": code}
                break
    for name, value in draft.respondent.items():
        allowed_values = RESPONDENT_VALUES.get(name)
        if allowed_values is None:
            errors[name] = _("Trường %(name)s không tồn tại.") % {"name": name}
        elif value and value not in allowed_values:
            errors[name] = _("Giá trị %(value)s không hợp lệ cho %(name)s.") % {
                "value": value,
                "name": name,
            }
    if draft.channel and draft.channel not in CHANNEL_VALUES:
        errors["channel"] = _("Kênh %(value)s không hợp lệ.") % {"value": draft.channel}
    if len(draft.comment) > MAX_COMMENT_LENGTH:
        errors["comment"] = _("Ý kiến dài quá %(max)s ký tự.") % {
            "max": MAX_COMMENT_LENGTH
        }
    if not draft.version.is_published:
        errors["version"] = _("Phiên bản bộ câu hỏi chưa được công bố.")
    if errors:
        raise ValidationError(errors)


def fingerprint(draft: ResponseDraft) -> str:
    """sha256 of what the response says, to tell a repeat from a conflicting row."""
    answers = {
        code: sorted(v) if isinstance(v, list) else v
        for code, v in sorted(draft.answers.items())
    }
    payload = {
        "version": draft.version.pk,
        "agency": draft.agency_id,
        "submitted_at": draft.submitted_at.isoformat() if draft.submitted_at else None,
        "service_point": draft.service_point_id,
        "procedure": draft.procedure_id,
        "channel": draft.channel,
        "respondent": {k: v for k, v in sorted(draft.respondent.items()) if v},
        "answers": answers,
        "comment": draft.comment,
    }
    encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


def _answer_rows(
    response_id: uuid.UUID, answers: dict, year: int
) -> Iterable[tuple[uuid.UUID, str, int, int]]:
    for code, raw in answers.items():
        for value in raw if isinstance(raw, list) else [raw]:
            yield (response_id, code, value, year)


def _insert_answers(rows: list[tuple[uuid.UUID, str, int, int]]) -> None:
    """Insert answer rows (response, item, value, year: the partition key, see
    surveys.partitions). PostgreSQL: COPY, as an import writes ~20 answers per
    response and building Answer instances costs more than the database does."""
    ensure_year_partitions({row[3] for row in rows})
    if connection.vendor != "postgresql":
        Answer.objects.bulk_create(
            (
                Answer(response_id=r, item_code=c, value=v, year=y)
                for r, c, v, y in rows
            ),
            batch_size=5000,
        )
        return
    lines = []
    last_id, id_text = None, ""
    for response_id, code, value, year in rows:
        if response_id is not last_id:  # a response's answers come together
            last_id, id_text = response_id, f"{response_id}\t{year}"
        lines.append(f"{id_text}\t{code}\t{int(value)}\n")
    buffer = io.StringIO("".join(lines))
    with connection.cursor() as cursor:
        cursor.cursor.copy_from(
            buffer,
            Answer._meta.db_table,
            columns=("response_id", "year", "item_code", "value"),
        )


COPY_FROM = 100  # responses: below this many, a plain INSERT
_QUOTED = ", ".join(f'"{f.column}"' for f in Response._meta.concrete_fields)
_INSERT_ONE = "INSERT INTO {} ({}) VALUES ({})".format(  # PostgreSQL's quoting
    Response._meta.db_table,
    _QUOTED,
    ", ".join(["%s"] * len(Response._meta.concrete_fields)),
)


def _insert_responses(responses: list[Response]) -> None:
    """Bulk loads on PostgreSQL go in by COPY: preparing each value through the
    ORM costs more than the database does. Errors surface as Django's
    (IntegrityError for a duplicate id or idempotency key)."""
    fields = Response._meta.concrete_fields
    if connection.vendor == "postgresql" and len(responses) == 1:
        # A citizen's one response: a plain INSERT (the ORM's compiler cost
        # more than the database does); the values are those bulk_create sends.
        values = [f.get_db_prep_save(getattr(responses[0], f.attname), connection)
                  for f in fields]  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute(_INSERT_ONE, values)
        return
    if connection.vendor != "postgresql" or len(responses) < COPY_FROM:
        Response.objects.bulk_create(responses, batch_size=2000)
        return
    buffer = io.StringIO()
    names = [f.attname for f in fields]
    for response in responses:
        values = response.__dict__
        buffer.write(copy_line([values[name] for name in names]))
    buffer.seek(0)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.cursor.copy_from(
            buffer, Response._meta.db_table, columns=[f.column for f in fields]
        )


# No savepoint of its own inside a caller's transaction (submit_response keeps one
# for the idempotency race): an error aborts the caller's block, all or nothing.
@transaction.atomic(savepoint=False)
def store_responses(
    drafts: list[ResponseDraft], *, validate: bool = True, notify: bool = True
) -> list[Response]:
    """Validate and store drafts in one transaction; all or nothing.

    Every draft gets an id and a submission time if it has none. Answers are
    bulk-inserted. Responses are stored uncounted; after commit one debounced
    sweep counts them (never one task per response). A bulk load that counts
    its responses itself afterwards (``compute_indices``) passes
    ``notify=False``: nothing is scheduled.
    """
    now = timezone.now()
    responses: list[Response] = []
    answers: list[tuple[uuid.UUID, str, int]] = []
    for draft in drafts:
        if validate:
            validate_draft(draft)
        draft.id = draft.id or uuid.uuid4()
        draft.submitted_at = draft.submitted_at or now
        response = Response(
            id=draft.id,
            version=draft.version,
            submitted_at=draft.submitted_at,
            agency_id=draft.agency_id,
            service_point_id=draft.service_point_id,
            procedure_id=draft.procedure_id,
            channel=draft.channel,
            comment=draft.comment,
            source=draft.source,
            flagged=draft.flagged,
            flag_reason=draft.flag_reason,
            idempotency_key=draft.idempotency_key,
            fingerprint=draft.fingerprint or fingerprint(draft),
            **{name: draft.respondent.get(name, "") for name in RESPONDENT_FIELDS},
        )
        responses.append(response)
        answers.extend(
            _answer_rows(draft.id, draft.answers, year_of(draft.submitted_at))
        )
    _insert_responses(responses)
    _insert_answers(answers)
    if notify:
        _notify_engine(responses)
        # Webhooks (api) listen here: they sit right of surveys and cannot be
        # called. A bulk load that counts itself (notify=False) sends no events.
        responses_stored.send(sender=Response, responses=responses)
    return responses


def _notify_engine(responses: list[Response]) -> None:
    """Tell the index engine about responses it has to count: the functions named
    in settings.SIPAS_ON_NEW_RESPONSES (surveys sits below reports and may not
    import it), called inside the storing transaction."""
    touched = {
        (r.agency_id, r.version_id, r.submitted_at) for r in responses if not r.flagged
    }
    if touched:
        for name in settings.SIPAS_ON_NEW_RESPONSES:
            import_string(name)(touched)


@transaction.atomic
def accept_flagged(response_ids: Iterable) -> int:
    """Unflag responses a reviewer accepted so that the next sweep counts them.

    Returns the number of responses that were flagged and are now accepted.
    """
    flagged = Response.objects.filter(pk__in=list(response_ids), flagged=True)
    accepted = list(flagged.only("agency_id", "version_id", "submitted_at"))
    # Accepted responses are still uncounted: the next sweep counts them.
    count = flagged.update(flagged=False, flag_reason="")
    for response in accepted:
        response.flagged = False
    _notify_engine(accepted)
    return count


def submit_response(
    *,
    version: QuestionnaireVersion,
    agency_id: int,
    answers: dict[str, int | list[int]],
    service_point_id: int | None = None,
    procedure_id: int | None = None,
    channel: str = "",
    respondent: dict[str, str] | None = None,
    comment: str = "",
    source: str = Response.Source.WEB,
    flagged: bool = False,
    flag_reason: str = "",
    idempotency_key: str | None = None,
    reply_contact: tuple[str, str] | None = None,
) -> Response:
    """Store one citizen's response exactly once and return it.

    The same idempotency key again (double click, refresh, back-and-resubmit)
    returns the first response and stores nothing, also when two requests race:
    the insert hits the unique key, its transaction (a savepoint inside a
    caller's) is rolled back, and the first response is returned. The key is not
    looked up before storing (a repeat is rare, and a look-up cost every
    submission a query); the unique key alone decides, and only a repeat reads
    it. A reply contact ("phone"|"email", value) is stored with a new response
    in the same transaction, apart from the answers. ValidationError names the
    field that is wrong; nothing is stored then. The returned response's
    `created_now` says whether this call stored it (False for a repeat), e.g.
    for a rate limit that counts only stored responses.
    """
    draft = ResponseDraft(
        version=version,
        agency_id=agency_id,
        answers=answers,
        service_point_id=service_point_id,
        procedure_id=procedure_id,
        channel=channel,
        respondent=respondent or {},
        comment=comment,
        source=source,
        flagged=flagged,
        flag_reason=flag_reason,
        idempotency_key=idempotency_key,
    )
    # A transaction of its own, or a savepoint inside a caller's (an invitation
    # answered): either way a repeat's failed insert rolls back only this.
    try:
        with transaction.atomic():
            response = store_responses([draft])[0]
            if reply_contact is not None:
                attach_reply_contact(
                    response, kind=reply_contact[0], value=reply_contact[1]
                )
    except IntegrityError:
        # A repeat, or a concurrent request that stored the same key first.
        winner = (
            Response.objects.filter(idempotency_key=idempotency_key).first()
            if idempotency_key
            else None
        )
        if winner is None:
            raise
        winner.created_now = False
        return winner
    response.created_now = True
    return response


def attach_reply_contact(response: Response, *, kind: str, value: str) -> ReplyContact:
    """Keep a citizen's phone or e-mail for a reply, apart from the answers.

    It is deleted after handling or REPLY_CONTACT_RETENTION_DAYS at the latest.
    """
    retention = datetime.timedelta(days=settings.REPLY_CONTACT_RETENTION_DAYS)
    return ReplyContact.objects.create(
        response=response,
        agency_id=response.agency_id,
        kind=kind,
        value=value,
        delete_after=timezone.localdate() + retention,
    )


def mark_reply_contact_handled(contact: ReplyContact) -> None:
    """Staff replied: the contact goes at the next purge (within a day)."""
    contact.handled_at = timezone.now()
    contact.save(update_fields=["handled_at"])


def purge_reply_contacts(today: datetime.date | None = None) -> int:
    """Delete handled reply contacts and those past `delete_after`; return how many.

    Safe to run any number of times.
    """
    today = today or timezone.localdate()
    deleted, _by_model = ReplyContact.objects.filter(
        Q(handled_at__isnull=False) | Q(delete_after__lt=today)
    ).delete()
    return deleted
