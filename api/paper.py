"""Paper questionnaires: a printable A4 form with a serial number, the
keyboard-first entry of filled forms by staff, optional double entry, and the
storing of a batch's responses through the one write path.

The entry form is the citizen's `SurveyForm` with a keyboard layer in front: a
clerk types digits (the option's number, 1–3 for the channel, the position of a
respondent group, several digits for a multiple choice) and the procedure's code;
`keys_to_form_data` turns them into what the web form receives, so the same
validation applies. A batch's responses are stored (source `paper`) when it is
committed; with double entry only once every serial was keyed by two clerks and
the two entries agree.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass

from django import forms
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import Agency, Procedure
from api.models import PaperBatch, PaperEntry
from surveys.forms import SurveyForm
from surveys.models import RESPONDENT_FIELDS, Channel, Item, Response
from surveys.queries import Place, procedures_at
from surveys.services import ResponseDraft, store_responses

NAMESPACE = uuid.UUID("0d7e3f4a-2b9c-4f0e-8a61-5c2d9b7e1f30")
CHANNELS = [value for value, _label in Channel.choices]  # 1, 2, 3 on the form
MAX_PRINT = 500


def response_id(batch: PaperBatch, serial: str) -> uuid.UUID:
    """A paper form's response id: one serial of an agency and version, one
    response, whichever batch it was keyed in."""
    key = f"paper:{batch.agency_id}:{batch.version_id}:{serial.strip().upper()}"
    return uuid.uuid5(NAMESPACE, key)


def keys_to_form_data(data: QueryDict, procedures: dict[str, int]) -> QueryDict:
    """The keyed digits as the web form's data (see the module docstring)."""
    out = data.copy()
    raw = data.get("channel", "").strip()
    if raw.isdigit() and 1 <= int(raw) <= len(CHANNELS):
        out["channel"] = CHANNELS[int(raw) - 1]
    for name, choices in RESPONDENT_FIELDS.items():
        raw = data.get(name, "").strip()
        if raw.isdigit() and 1 <= int(raw) <= len(choices.choices):
            out[name] = choices.choices[int(raw) - 1][0]
    code = data.get("procedure", "").strip()
    if code:
        out["procedure"] = str(procedures.get(code, "?"))
    return out


class PaperEntryForm(SurveyForm):
    """One paper questionnaire keyed by digits; SurveyForm's validation."""

    serial = forms.CharField(
        label=gettext_lazy("Số phiếu"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )

    def __init__(self, *, batch: PaperBatch, data: QueryDict | None = None) -> None:
        self.batch = batch
        place = Place.of(batch.agency)
        procedures = list(procedures_at(place))
        self.procedure_codes = {p.code: p.pk for p in procedures}
        self.keyed = data
        if data is not None:
            data = keys_to_form_data(data, self.procedure_codes)
            multis = [
                item.code
                for item in batch.version.items.all()
                if item.kind == Item.Kind.MULTI
            ]
            for code in multis:
                digits = [ch for ch in data.get(code, "") if ch.isdigit()]
                data.setlist(code, digits)
        super().__init__(version=batch.version, procedures=procedures, data=data)
        for name in ("token", "website", "reply_contact"):
            del self.fields[name]
        self.fields["channel"].error_messages["required"] = _(
            "Nhập kênh (1, 2 hoặc 3)."
        )
        self.order_fields(["serial", "procedure", "channel", *self.item_codes()])

    def clean_serial(self) -> str:
        return self.cleaned_data["serial"].strip().upper()

    def keyed_value(self, name: str) -> str:
        """What the clerk typed in a field, to show it again with the errors."""
        if self.keyed is None:
            return ""
        return self.keyed.get(name, "")


def save_entry(
    batch: PaperBatch, form: PaperEntryForm, *, clerk, round: int
) -> PaperEntry:
    """Store one keyed form; ValueError (a sentence) when the serial was already
    keyed in this round, or when the same clerk keys both rounds of a serial."""
    if batch.committed_at is not None:
        raise ValueError(_("Lô này đã được tính; không nhập thêm được."))
    serial = form.cleaned_data["serial"]
    if round == 2:
        first = batch.entries.filter(serial=serial, round=1).first()
        if first is not None and first.clerk_id == clerk.pk:
            raise ValueError(
                _("Lần nhập thứ hai của phiếu %(serial)s phải do người khác nhập.")
                % {"serial": serial}
            )
    try:
        with transaction.atomic():
            return PaperEntry.objects.create(
                batch=batch,
                serial=serial,
                round=round,
                clerk=clerk,
                procedure_id=form.procedure_id(),
                channel=form.cleaned_data["channel"],
                answers={code: value for code, value in form.answers().items()},
                respondent=form.respondent(),
                comment=form.cleaned_data.get("comment", ""),
            )
    except IntegrityError:
        raise ValueError(
            _("Phiếu số %(serial)s đã được nhập trong lô này (lần %(round)s).")
            % {"serial": serial, "round": round}
        )


# --- Double entry -----------------------------------------------------------------


@dataclass
class Difference:
    field: str
    first: object
    second: object


@dataclass
class Mismatch:
    serial: str
    differences: list[Difference]


def _flat(entry: PaperEntry) -> dict[str, object]:
    flat: dict[str, object] = {
        "procedure": entry.procedure.code if entry.procedure_id else "",
        "channel": entry.channel,
        "comment": entry.comment,
    }
    for code, value in entry.answers.items():
        flat[code] = " ".join(map(str, value)) if isinstance(value, list) else value
    flat.update(entry.respondent)
    return flat


def compare(batch: PaperBatch) -> tuple[list[Mismatch], list[str]]:
    """(serials whose two entries differ, with each differing field; serials
    keyed in one round only)."""
    rounds: dict[str, dict[int, PaperEntry]] = {}
    for entry in batch.entries.select_related("procedure"):
        rounds.setdefault(entry.serial, {})[entry.round] = entry
    mismatches, missing = [], []
    for serial in sorted(rounds):
        both = rounds[serial]
        if len(both) < 2:
            missing.append(serial)
            continue
        one, two = _flat(both[1]), _flat(both[2])
        differences = [
            Difference(name, one.get(name, ""), two.get(name, ""))
            for name in sorted(set(one) | set(two), key=_field_order(batch))
            if one.get(name, "") != two.get(name, "")
        ]
        if differences:
            mismatches.append(Mismatch(serial, differences))
    return mismatches, missing


def _field_order(batch: PaperBatch):
    order = ["procedure", "channel"]
    order += list(
        batch.version.items.order_by("position").values_list("code", flat=True)
    )
    order += ["comment", *RESPONDENT_FIELDS]
    return lambda name: order.index(name) if name in order else len(order)


@transaction.atomic
def resolve(batch: PaperBatch, serial: str, choices: dict[str, int]) -> None:
    """Settle a mismatch: for each differing field, the round (1 or 2) whose
    value is right; both entries then hold the chosen values."""
    entries = {
        e.round: e for e in batch.entries.select_for_update().filter(serial=serial)
    }
    if set(entries) != {1, 2}:
        raise ValueError(
            _("Phiếu %(serial)s chưa được nhập đủ hai lần.") % {"serial": serial}
        )
    one, two = entries[1], entries[2]
    for name, chosen in choices.items():
        source, target = (one, two) if chosen == 1 else (two, one)
        if name == "procedure":
            target.procedure_id = source.procedure_id
        elif name in ("channel", "comment"):
            setattr(target, name, getattr(source, name))
        elif name in RESPONDENT_FIELDS:
            _copy_key(source.respondent, target.respondent, name)
        else:
            _copy_key(source.answers, target.answers, name)
    one.save()
    two.save()


def _copy_key(source: dict, target: dict, key: str) -> None:
    if key in source:
        target[key] = source[key]
    else:
        target.pop(key, None)


# --- Committing --------------------------------------------------------------------


@transaction.atomic
def commit_batch(batch: PaperBatch) -> int:
    """Store the batch's responses (source `paper`); returns how many. ValueError
    (a sentence) while double entry is incomplete or disagrees, or when a serial
    was already stored from another batch."""
    batch = PaperBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.committed_at is not None:
        raise ValueError(_("Lô này đã được tính."))
    if batch.double_entry:
        mismatches, missing = compare(batch)
        if mismatches or missing:
            raise ValueError(
                _(
                    "Chưa tính được lô: %(mismatches)s phiếu hai lần nhập khác nhau, "
                    "%(missing)s phiếu mới nhập một lần."
                )
                % {"mismatches": len(mismatches), "missing": len(missing)}
            )
    entries = list(batch.entries.filter(round=1))
    if not entries:
        raise ValueError(_("Lô chưa có phiếu nào."))
    ids = {response_id(batch, e.serial): e.serial for e in entries}
    taken = sorted(
        ids[pk]
        for pk in Response.objects.filter(id__in=ids).values_list("id", flat=True)
    )
    if taken:
        raise ValueError(
            _("Các phiếu số sau đã được tính ở lô khác: %(serials)s.")
            % {"serials": ", ".join(taken[:20])}
        )
    drafts = [
        ResponseDraft(
            version=batch.version,
            agency_id=batch.agency_id,
            answers=entry.answers,
            submitted_at=entry.keyed_at,
            id=response_id(batch, entry.serial),
            procedure_id=entry.procedure_id,
            channel=entry.channel,
            respondent=entry.respondent,
            comment=entry.comment,
            source=Response.Source.PAPER,
        )
        for entry in entries
    ]
    store_responses(drafts)
    batch.committed_at = timezone.now()
    batch.save(update_fields=["committed_at"])
    return len(drafts)


# --- The printed form -----------------------------------------------------------------


def serials(agency: Agency, first: int, count: int) -> list[str]:
    return [f"{agency.code}-{number:06d}" for number in range(first, first + count)]


def paper_pdf(batch_version, agency: Agency, serial_numbers: list[str]) -> bytes:
    """A4 PDF, Vietnamese: one questionnaire per serial (a new page each)."""
    from api import paper_pdf as drawing

    out = io.BytesIO()
    drawing.write(out, batch_version, agency, serial_numbers)
    return out.getvalue()


def procedure_by_code(code: str) -> Procedure | None:
    return Procedure.objects.filter(code=code).first()
