"""Creating invitation links and answering through them.

Writes go through here whatever the entry point (admin form, admin CSV upload,
`create_invitations` command, the citizen's invitation page):

- `create_invitations(requests)` issues tokens for dossiers, all or nothing
  (`invitations.files` turns an uploaded CSV into such requests and the issued
  invitations into the CSV of links to send);
- `answer_invitation(token=…, …)` consumes the token and stores the response
  through `surveys.services.submit_response` in one transaction, so a token
  yields at most one response even under a double submit; the invitation page
  passes it to `surveys.pages.survey_page` as the submit function.

The raw token leaves this module once, in `IssuedInvitation`; only its hash is
stored. Dossier codes are stored only as a keyed hash (`dossier_hash`).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency, Procedure, ServicePoint
from invitations.models import Invitation
from invitations.signals import invitation_answered
from surveys.models import Response
from surveys.services import submit_response

DEFAULT_EXPIRES_DAYS = 30
MAX_EXPIRES_DAYS = 366
# An error report stops here (uploads and the procedure import do the same).
MAX_ERRORS = 50
# Dossier codes look like 000.00.53.H48-220921-0099; other systems use letters,
# dots, dashes, slashes and underscores, so accept those and nothing else.
DOSSIER_CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-_/]{2,63}$")


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


def derived_token(agency_id: int, digest: str) -> str:
    """The token of an invitation issued through the API, recomputable from its
    agency and dossier hash so that asking again for the same dossier answers
    with the same link (idempotency) and its QR can be drawn later.

    Keyed with HASH_PEPPER like the dossier hash: someone holding the database
    but not the pepper can neither recover dossier codes nor compute tokens.
    """
    key = b"invitation-token:" + settings.HASH_PEPPER.encode()
    mac = hmac.new(key, f"{agency_id}:{digest}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:24]).decode().rstrip("=")


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
    channel: str = ""


@dataclass(frozen=True)
class IssuedInvitation:
    """A stored invitation with its raw token, which exists only in this object."""

    invitation: Invitation
    token: str
    dossier_code: str

    @property
    def url(self) -> str:
        return invitation_url(self.token)


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
    derive_tokens: bool = False,
) -> list[IssuedInvitation]:
    """Issue one invitation per request; all or nothing.

    `derive_tokens`: tokens from `derived_token` instead of random ones (the API,
    which must answer a repeated request with the same link).

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
        token = (
            derived_token(request.agency.pk, digest) if derive_tokens else new_token()
        )
        invitation = Invitation(
            token_hash=token_hash(token),
            dossier_hash=digest,
            agency=request.agency,
            service_point=request.service_point,
            procedure=request.procedure,
            questionnaire_code=_questionnaire_code(request),
            channel=request.channel,
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


def mark_opened(invitation: Invitation) -> None:
    """Note the first time the link's survey page was shown."""
    now = timezone.now()
    Invitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(
        opened_at=now
    )
    invitation.opened_at = invitation.opened_at or now


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
    if claimed:
        # Webhooks (api) listen here: they sit right of invitations.
        invitation_answered.send(sender=Invitation, invitation=invitation)
        return invitation
    if invitation.response_id == response.pk:
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
