"""What the API does on behalf of a token: issue invitations (through
`invitations.services.create_invitations`, the one write path) and describe
them. Every lookup is limited to the token's agency subtree; an agency outside
it is reported exactly like one that does not exist."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agencies.models import Agency, Procedure, ServicePoint
from api import delivery, tasks
from api.models import ApiToken
from audit.services import record
from invitations import services as invitation_services
from invitations.models import Invitation


class InputError(Exception):
    """Input refused; `errors` are (code, field, message) of each fault."""

    def __init__(self, errors: list[tuple[str, str | None, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(message for _c, _f, message in errors))


@dataclass
class Issued:
    invitation: Invitation
    dossier_code: str
    created: bool


def _codes(model, codes: set[str], base=None) -> dict[str, object]:
    codes = {c for c in codes if c}
    if not codes:
        return {}
    queryset = (base if base is not None else model.objects).filter(code__in=codes)
    return {obj.code: obj for obj in queryset}


@transaction.atomic
def issue_invitations(
    token: ApiToken, items: list[dict], *, field_prefix: str = "invitations"
) -> list[Issued]:
    """Issue invitations for `items` (validated InvitationInSerializer data), or
    return the existing one of a dossier already invited for (idempotent by
    agency and dossier code). All or nothing: InputError names each fault by
    `invitations.<index>.<field>`."""
    agencies = _codes(Agency, {i.get("agency", "") for i in items}, token.agencies())
    procedures = _codes(Procedure, {i.get("procedure", "") for i in items})
    points = _codes(ServicePoint, {i.get("service_point", "") for i in items})
    errors: list[tuple[str, str | None, str]] = []
    resolved = []
    for index, item in enumerate(items):
        where = f"{field_prefix}.{index}." if field_prefix else ""
        agency_code = item.get("agency") or token.agency.code
        agency = token.agency if not item.get("agency") else agencies.get(agency_code)
        if agency is None:
            errors.append(
                (
                    "unknown_agency",
                    where + "agency",
                    _("Không có cơ quan mã “%(code)s” trong phạm vi của mã truy cập.")
                    % {"code": agency_code[:40]},
                )
            )
        procedure = procedures.get(item.get("procedure") or "")
        if item.get("procedure") and procedure is None:
            errors.append(
                (
                    "unknown_procedure",
                    where + "procedure",
                    _("Không có thủ tục mã “%(code)s”.")
                    % {"code": item["procedure"][:40]},
                )
            )
        point = points.get(item.get("service_point") or "")
        if item.get("service_point") and (
            point is None or (agency is not None and point.agency_id != agency.pk)
        ):
            errors.append(
                (
                    "unknown_service_point",
                    where + "service_point",
                    _("Cơ quan này không có điểm phục vụ mã “%(code)s”.")
                    % {"code": item["service_point"][:40]},
                )
            )
        if item.get("contact"):
            try:
                item["contact"]["value"] = delivery.normalise_contact(
                    item["contact"]["kind"], item["contact"]["value"]
                )
            except ValidationError as exc:
                errors.append(
                    ("invalid_contact", where + "contact.value", exc.messages[0])
                )
        try:
            code = invitation_services.check_dossier_code(item["dossier_code"])
        except ValidationError as exc:
            errors.append(
                ("invalid_dossier_code", where + "dossier_code", exc.messages[0])
            )
            continue
        resolved.append((item, agency, procedure, point, code))
    if errors:
        raise InputError(errors)

    # Existing invitations of these dossiers, one query per agency.
    wanted: dict[int, set[str]] = defaultdict(set)
    for _item, agency, _p, _s, code in resolved:
        wanted[agency.pk].add(invitation_services.dossier_hash(code))
    existing: dict[tuple[int, str], Invitation] = {}
    for agency_id, digests in wanted.items():
        for invitation in Invitation.objects.filter(
            agency_id=agency_id, dossier_hash__in=digests
        ).select_related("agency", "procedure", "service_point"):
            existing[(agency_id, invitation.dossier_hash)] = invitation

    new: dict[int, list] = defaultdict(list)  # expires_days → requests
    seen: set[tuple[int, str]] = set()
    for item, agency, procedure, point, code in resolved:
        key = (agency.pk, invitation_services.dossier_hash(code))
        if key in existing or key in seen:
            continue
        seen.add(key)
        new[item.get("expires_days") or 30].append(
            invitation_services.InvitationRequest(
                code, agency, procedure, point, channel=item.get("channel") or ""
            )
        )
    created: dict[tuple[int, str], Invitation] = {}
    for days, requests in new.items():
        try:
            issued = invitation_services.create_invitations(
                requests, expires_days=days, derive_tokens=True
            )
        except ValidationError as exc:  # a concurrent request took a dossier
            raise InputError([("conflict", None, m) for m in exc.messages])
        for one in issued:
            invitation = one.invitation
            created[(invitation.agency_id, invitation.dossier_hash)] = invitation
    if created:
        record(
            "other",
            object_type="api.apitoken",
            object_id=token.pk,
            object_repr=str(token),
            detail={"operation": "invitations.create", "created": len(created)},
        )
    result = []
    sendings = []
    for item, agency, _p, _s, code in resolved:
        key = (agency.pk, invitation_services.dossier_hash(code))
        if key in created:
            result.append(Issued(created[key], code, True))
        else:
            result.append(Issued(existing.get(key) or created[key], code, False))
        contact = item.get("contact")
        if contact and not result[-1].invitation.is_used:
            sendings.append((result[-1].invitation, contact["kind"], contact["value"]))
    sends = [made.pk for made in delivery.request_deliveries(sendings)]
    if sends:
        transaction.on_commit(lambda: tasks.enqueue_sends(sends))
    return result


def visible_invitations(token: ApiToken):
    return Invitation.objects.filter(agency__in=token.agencies()).select_related(
        "agency", "procedure", "service_point", "delivery"
    )
