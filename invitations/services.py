"""Creating invitation links and answering through them.

Writes go through here whatever the entry point (admin form, admin CSV upload,
`create_invitations` command, the citizen's invitation page):

- `create_invitations(requests)` issues tokens for dossiers, all or nothing;
  `parse_invitation_csv(data)` turns an uploaded file into such requests or raises
  `InvitationFileError` listing every bad row and column.
- `answer_invitation(token=…, …)` consumes the token and stores the response
  through `surveys.services.submit_response` in one transaction, so a token
  yields at most one response even under a double submit; the invitation page
  passes it to `surveys.pages.survey_page` as the submit function.

The raw token leaves this module once, in `IssuedInvitation`; only its hash is
stored. Dossier codes are stored only as a keyed hash (`dossier_hash`).
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import hmac
import io
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency, Procedure, ServicePoint
from invitations.models import Invitation
from surveys.models import Response
from surveys.services import submit_response

DEFAULT_EXPIRES_DAYS = 30
MAX_EXPIRES_DAYS = 366
MAX_ROWS = 50_000
# An upload's error report stops here (the procedure import does the same).
MAX_ERRORS = 50
# Dossier codes look like 000.00.53.H48-220921-0099; other systems use letters,
# dots, dashes, slashes and underscores, so accept those and nothing else.
DOSSIER_CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-_/]{2,63}$")
REQUIRED_COLUMNS = ("dossier_code", "agency")
OPTIONAL_COLUMNS = ("procedure", "service_point")


# --- Hashing -----------------------------------------------------------------


def normalise_dossier_code(code: str) -> str:
    """The canonical form that is hashed: surrounding blanks removed, upper case."""
    return code.strip().upper()


def dossier_hash(code: str) -> str:
    """HMAC-SHA256 of the normalised dossier code, keyed with HASH_PEPPER (hex)."""
    key = settings.HASH_PEPPER.encode()
    message = normalise_dossier_code(code).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def token_hash(token: str) -> str:
    """SHA-256 of a token (hex). Tokens carry 192 random bits, so no key is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(24)


def invitation_url(token: str) -> str:
    """The absolute link a citizen receives."""
    path = reverse("invitations:take", kwargs={"token": token})
    return settings.SITE_URL.rstrip("/") + path


# --- Creating ----------------------------------------------------------------


@dataclass(frozen=True)
class InvitationRequest:
    """One dossier to invite for, already resolved to model instances."""

    dossier_code: str
    agency: Agency
    procedure: Procedure | None = None
    service_point: ServicePoint | None = None
    line: int | None = None  # line of the uploaded file, for messages


@dataclass(frozen=True)
class IssuedInvitation:
    """A stored invitation with its raw token, which exists only in this object."""

    invitation: Invitation
    token: str
    dossier_code: str

    @property
    def url(self) -> str:
        return invitation_url(self.token)


class InvitationFileError(Exception):
    """An uploaded file was refused; `errors` name the row and column of each fault."""

    def __init__(self, filename: str, errors: list[str]) -> None:
        self.filename = filename
        self.errors = errors
        super().__init__(f"{filename}: " + "; ".join(errors))


def check_expires_days(days: int) -> int:
    if not 1 <= days <= MAX_EXPIRES_DAYS:
        raise ValidationError(
            _("Thời hạn phải từ 1 đến %(max)s ngày.") % {"max": MAX_EXPIRES_DAYS}
        )
    return days


def check_dossier_code(code: str) -> str:
    """The normalised code, or ValidationError saying what is wrong with it."""
    code = normalise_dossier_code(code)
    if not code:
        raise ValidationError(_("Thiếu mã hồ sơ."))
    if not DOSSIER_CODE_RE.match(code):
        raise ValidationError(
            _(
                "Mã hồ sơ “%(code)s” không hợp lệ: dùng 3–64 ký tự gồm chữ, số "
                "và . - _ / (ví dụ 000.00.53.H48-220921-0099)."
            )
            % {"code": code[:70]}
        )
    return code


def _questionnaire_code(request: InvitationRequest) -> str:
    if request.service_point is not None:
        return request.service_point.questionnaire_code
    return "exit-dv"


@transaction.atomic
def create_invitations(
    requests: Iterable[InvitationRequest],
    *,
    expires_days: int = DEFAULT_EXPIRES_DAYS,
) -> list[IssuedInvitation]:
    """Issue one invitation per request; all or nothing.

    Raises ValidationError (one message per offending request, naming its file
    line when known) if a dossier code is malformed, a service point belongs to
    another agency, a dossier appears twice, or a dossier of that agency already
    has an invitation. Nothing is stored then.
    """
    check_expires_days(expires_days)
    requests = list(requests)
    now = timezone.now()
    expires_at = now + datetime.timedelta(days=expires_days)
    errors: list[str] = []
    seen: dict[tuple[int, str], InvitationRequest] = {}
    prepared: list[tuple[InvitationRequest, str, str]] = []
    for request in requests:
        where = _where(request)
        try:
            code = check_dossier_code(request.dossier_code)
        except ValidationError as exc:
            errors.append(where + exc.messages[0])
            continue
        sp = request.service_point
        if sp is not None and sp.agency_id != request.agency.pk:
            errors.append(
                where
                + _("điểm phục vụ %(point)s không thuộc cơ quan %(agency)s.")
                % {"point": sp.code, "agency": request.agency.code}
            )
        digest = dossier_hash(code)
        key = (request.agency.pk, digest)
        if key in seen:
            errors.append(
                where
                + _("mã hồ sơ %(code)s của %(agency)s bị lặp (đã có ở %(first)s).")
                % {
                    "code": code,
                    "agency": request.agency.code,
                    "first": _where(seen[key]).rstrip(": ") or "?",
                }
            )
            continue
        seen[key] = request
        prepared.append((request, code, digest))
    existing = _existing_dossiers(seen)
    for request, code, digest in prepared:
        if (request.agency.pk, digest) in existing:
            errors.append(
                _where(request)
                + _("hồ sơ %(code)s của %(agency)s đã có lời mời.")
                % {"code": code, "agency": request.agency.code}
            )
    if errors:
        if len(errors) > MAX_ERRORS:
            more = len(errors) - MAX_ERRORS
            errors = errors[:MAX_ERRORS] + [
                _("… và %(more)s lỗi khác.") % {"more": more}
            ]
        raise ValidationError(errors)

    issued: list[IssuedInvitation] = []
    rows: list[Invitation] = []
    for request, code, digest in prepared:
        token = new_token()
        invitation = Invitation(
            token_hash=token_hash(token),
            dossier_hash=digest,
            agency=request.agency,
            service_point=request.service_point,
            procedure=request.procedure,
            questionnaire_code=_questionnaire_code(request),
            expires_at=expires_at,
            created_at=now,
        )
        rows.append(invitation)
        issued.append(IssuedInvitation(invitation, token, code))
    try:
        # A savepoint, so a concurrent upload of the same dossier surfaces as a
        # clear message instead of a broken transaction.
        with transaction.atomic():
            Invitation.objects.bulk_create(rows, batch_size=2000)
    except IntegrityError:
        raise ValidationError(
            _("Một số hồ sơ vừa được tạo lời mời ở nơi khác; vui lòng thử lại.")
        )
    return issued


def create_invitation(
    *,
    dossier_code: str,
    agency: Agency,
    procedure: Procedure | None = None,
    service_point: ServicePoint | None = None,
    expires_days: int = DEFAULT_EXPIRES_DAYS,
) -> IssuedInvitation:
    """Issue one invitation; ValidationError as in `create_invitations`."""
    request = InvitationRequest(dossier_code, agency, procedure, service_point)
    return create_invitations([request], expires_days=expires_days)[0]


def _where(request: InvitationRequest) -> str:
    return _("Dòng %(line)s: ") % {"line": request.line} if request.line else ""


def _existing_dossiers(keys: Iterable[tuple[int, str]]) -> set[tuple[int, str]]:
    by_agency: dict[int, list[str]] = {}
    for agency_id, digest in keys:
        by_agency.setdefault(agency_id, []).append(digest)
    found: set[tuple[int, str]] = set()
    for agency_id, digests in by_agency.items():
        for start in range(0, len(digests), 1000):
            found.update(
                Invitation.objects.filter(
                    agency_id=agency_id, dossier_hash__in=digests[start : start + 1000]
                ).values_list("agency_id", "dossier_hash")
            )
    return found


# --- CSV in and out ----------------------------------------------------------


class _Problems(list):
    """The error list of one file, cut short after MAX_ERRORS: a file of 800,000
    bad rows gets a page of fifty lines, not of 50 MB (issue 15)."""

    def __init__(self, filename: str, errors: Iterable[str] = ()) -> None:
        super().__init__(errors)
        self.filename = filename

    def add(self, message: str) -> None:
        self.append(message)
        if len(self) >= MAX_ERRORS:
            self.append(
                _("Đã dừng sau %(max)s lỗi; sửa các lỗi trên rồi gửi lại tệp.")
                % {"max": MAX_ERRORS}
            )
            raise InvitationFileError(self.filename, list(self))


def parse_invitation_csv(
    data: bytes | BinaryIO,
    *,
    filename: str = "",
    allowed_agencies: QuerySet[Agency] | None = None,
) -> list[InvitationRequest]:
    """Read an upload (UTF-8, comma-separated, header row) into requests.

    Columns: dossier_code, agency (agency code) — required; procedure (mã TTHC),
    service_point (its code) — optional. `allowed_agencies` restricts the agencies
    a staff member may invite for; others are reported as unknown. Raises
    InvitationFileError naming the faulty lines and columns (at most MAX_ERRORS,
    then it stops reading); returns nothing then. `data` may be an open binary
    file (an upload): it is read as a stream, never whole into memory.
    """
    filename = filename or "CSV"
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        return _parse_rows(text, filename, allowed_agencies)
    except UnicodeDecodeError as exc:
        raise InvitationFileError(
            filename,
            [_("Tệp không phải UTF-8 (byte %(pos)s).") % {"pos": exc.start}],
        )
    finally:
        text.detach()  # leave the caller's file open


def _parse_rows(
    text: io.TextIOWrapper,
    filename: str,
    allowed_agencies: QuerySet[Agency] | None,
) -> list[InvitationRequest]:
    reader = csv.DictReader(text)
    header = [name.strip() for name in reader.fieldnames or []]
    header_errors = _header_errors(header)
    if header_errors:
        raise InvitationFileError(filename, header_errors)
    reader.fieldnames = header

    errors = _Problems(filename)
    raw_rows: list[tuple[int, dict[str, str]]] = []
    rows_read = 0
    try:
        for row in reader:
            rows_read += 1
            if rows_read > MAX_ROWS:
                raise InvitationFileError(
                    filename,
                    [_("Tệp có quá %(max)s dòng.") % {"max": MAX_ROWS}],
                )
            if None in row:
                errors.add(
                    _("Dòng %(line)s: thừa cột so với dòng tiêu đề.")
                    % {"line": reader.line_num}
                )
                continue
            values = {key: (value or "").strip() for key, value in row.items()}
            if not any(values.values()):
                continue  # blank line
            raw_rows.append((reader.line_num, values))
    except csv.Error as exc:
        errors.add(
            _("Dòng %(line)s: %(error)s") % {"line": reader.line_num, "error": exc}
        )
    if not raw_rows and not errors:
        errors.add(_("Tệp không có dòng dữ liệu nào."))
    if errors:
        raise InvitationFileError(filename, list(errors))

    agencies = _lookup(
        allowed_agencies if allowed_agencies is not None else Agency.objects.all(),
        {values["agency"] for _line, values in raw_rows},
    )
    procedures = _lookup(
        Procedure.objects.all(),
        {values.get("procedure", "") for _l, values in raw_rows},
    )
    points = _lookup(
        ServicePoint.objects.all(),
        {values.get("service_point", "") for _l, values in raw_rows},
    )
    requests: list[InvitationRequest] = []
    for line, values in raw_rows:
        row_errors: list[str] = []
        agency = agencies.get(values["agency"])
        if not values["agency"]:
            row_errors.append(_("cột agency: thiếu mã cơ quan."))
        elif agency is None:
            row_errors.append(
                _("cột agency: không có cơ quan mã “%(code)s”.")
                % {"code": values["agency"][:40]}
            )
        procedure = procedures.get(values.get("procedure", ""))
        if values.get("procedure") and procedure is None:
            row_errors.append(
                _("cột procedure: không có thủ tục mã “%(code)s”.")
                % {"code": values["procedure"][:40]}
            )
        point = points.get(values.get("service_point", ""))
        if values.get("service_point") and point is None:
            row_errors.append(
                _("cột service_point: không có điểm phục vụ mã “%(code)s”.")
                % {"code": values["service_point"][:40]}
            )
        try:
            check_dossier_code(values["dossier_code"])
        except ValidationError as exc:
            row_errors.append(_("cột dossier_code: ") + exc.messages[0])
        for message in row_errors:
            errors.add(_("Dòng %(line)s, ") % {"line": line} + message)
        if not row_errors:
            requests.append(
                InvitationRequest(
                    values["dossier_code"], agency, procedure, point, line
                )
            )
    if errors:
        raise InvitationFileError(filename, list(errors))
    return requests


def _header_errors(header: list[str]) -> list[str]:
    if not header:
        return [_("Tệp trống: thiếu dòng tiêu đề.")]
    errors = []
    for name in REQUIRED_COLUMNS:
        if name not in header:
            errors.append(_("Dòng 1: thiếu cột %(column)s.") % {"column": name})
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    for name in header:
        if name not in known:
            errors.append(
                _("Dòng 1: cột “%(column)s” không được hỗ trợ (dùng: %(known)s).")
                % {
                    "column": name[:40],
                    "known": ", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS),
                }
            )
    if len(set(header)) != len(header):
        errors.append(_("Dòng 1: có cột bị lặp."))
    return errors


def _lookup(queryset: QuerySet, codes: set[str]) -> dict[str, object]:
    codes = sorted(code for code in codes if code)
    found: dict[str, object] = {}
    for start in range(0, len(codes), 1000):
        for obj in queryset.filter(code__in=codes[start : start + 1000]):
            found[obj.code] = obj
    return found


LINK_COLUMNS = (
    "dossier_code",
    "agency",
    "procedure",
    "service_point",
    "link",
    "expires_at",
)


def links_csv(issued: Iterable[IssuedInvitation]) -> str:
    """The links to send, one row per dossier; the only place the tokens appear."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LINK_COLUMNS)
    template = invitation_url("TOKEN")  # reverse() once, not once per row
    for item in issued:
        invitation = item.invitation
        writer.writerow(
            [
                item.dossier_code,
                invitation.agency.code,
                invitation.procedure.code if invitation.procedure else "",
                invitation.service_point.code if invitation.service_point else "",
                template.replace("TOKEN", item.token),
                timezone.localtime(invitation.expires_at).isoformat(timespec="seconds"),
            ]
        )
    return out.getvalue()


# --- Answering ---------------------------------------------------------------


class InvitationUnavailable(Exception):
    """The token cannot be answered: `reason` is "unknown", "used" or "expired"."""

    def __init__(self, reason: str, invitation: Invitation | None = None) -> None:
        self.reason = reason
        self.invitation = invitation
        super().__init__(reason)


def find_invitation(token: str) -> Invitation | None:
    """The invitation of a token in any state, with its places loaded, or None."""
    return (
        Invitation.objects.select_related("agency", "service_point", "procedure")
        .filter(token_hash=token_hash(token))
        .first()
    )


def open_invitation(token: str) -> Invitation:
    """The invitation of a token that can still be answered, with its agency,
    service point and procedure loaded; InvitationUnavailable otherwise."""
    invitation = find_invitation(token)
    if invitation is None:
        raise InvitationUnavailable("unknown")
    if invitation.is_used:
        raise InvitationUnavailable("used", invitation)
    if invitation.is_expired:
        raise InvitationUnavailable("expired", invitation)
    return invitation


def claim_invitation(*, token: str, response: Response) -> Invitation:
    """Mark the token used by `response`; call it in the transaction that stored
    the response, so that a refusal rolls the response back too.

    The claim is one conditional UPDATE (used_at IS NULL and not expired): of two
    simultaneous submissions exactly one wins, the other waits for its row lock
    and then matches nothing. A token already used by this very response (the
    same form sent twice: a double click, a refresh) is accepted as it is.
    Raises InvitationUnavailable("unknown" | "used" | "expired") otherwise.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "claim_invitation must run inside the response's transaction"
        )
    digest = token_hash(token)
    now = timezone.now()
    claimed = Invitation.objects.filter(
        token_hash=digest, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now, response=response)
    invitation = Invitation.objects.filter(token_hash=digest).first()
    if invitation is None:
        raise InvitationUnavailable("unknown")
    if claimed or invitation.response_id == response.pk:
        return invitation
    raise InvitationUnavailable("used" if invitation.is_used else "expired", invitation)


@transaction.atomic
def answer_invitation(*, token: str, **submission: object) -> Response:
    """Store a response through an invitation and consume its token, atomically.

    The submit function of the invitation page (`surveys.pages.survey_page`) and
    of any other channel. `submission` holds `surveys.services.submit_response`
    arguments (version, answers, channel, respondent, comment, flags,
    idempotency_key, reply_contact, procedure_id …); agency, service point and
    source come from the invitation, and so does the procedure when the
    invitation names one — the citizen cannot change them. The same form sent
    twice (same idempotency key) returns the first response. Raises
    InvitationUnavailable when the token is unknown, used by another submission,
    or expired; nothing is stored then.
    """
    invitation = Invitation.objects.filter(token_hash=token_hash(token)).first()
    if invitation is None:
        raise InvitationUnavailable("unknown")
    for fixed in ("agency_id", "service_point_id", "source"):
        submission.pop(fixed, None)
    if invitation.procedure_id:
        submission["procedure_id"] = invitation.procedure_id
    response = submit_response(
        **submission,
        agency_id=invitation.agency_id,
        service_point_id=invitation.service_point_id,
        source=Response.Source.INVITATION,
    )
    claim_invitation(token=token, response=response)
    return response
