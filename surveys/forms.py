"""The citizen's survey form, built from a questionnaire version.

Two kinds of wrong input are told apart:
- `find_tampering` catches what the rendered form cannot send (unknown fields, a
  value outside the offered choices, text longer than its maxlength, control
  characters): the view answers 400 and stores nothing.
- `SurveyForm` validation catches ordinary human mistakes (no answer at all, no
  channel chosen, a malformed phone number): the form comes back with the answers
  kept and an error summary.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import QueryDict
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from agencies.models import Procedure
from surveys.models import (
    RESPONDENT_FIELDS,
    RESPONDENT_LABELS,
    Channel,
    Item,
    QuestionnaireVersion,
)
from surveys.services import MAX_COMMENT_LENGTH, items_of

HONEYPOT = "website"
MAX_CONTACT_LENGTH = 254
PHONE_RE = re.compile(r"^\+?\d{8,15}$")
# What the browser itself adds to a POST; allowed besides the form's own fields.
PASS_THROUGH = {"csrfmiddlewaretoken"}
# Questionnaires about one transaction, which need to know how the dossier was
# filed; a household respondent may have filed none, so elsewhere it is optional.
CHANNEL_ASKED = frozenset({"exit-dv"})


class TextField(forms.CharField):
    """A CharField that counts a line break as one character, as the browser does.

    Browsers count a line break as one character for maxlength but send it as CR LF,
    so a textarea filled to its limit would otherwise arrive too long.
    """

    def to_python(self, value):  # noqa: ANN001 - Django's signature
        value = super().to_python(value)
        return value.replace("\r\n", "\n") if isinstance(value, str) else value


@dataclass
class Section:
    """A heading and the bound fields under it, in display order."""

    key: str
    title: str
    # (question number shown to the citizen, bound field)
    fields: list[tuple[int, forms.BoundField]]


def contact_kind(value: str) -> tuple[str, str]:
    """("phone"|"email", normalised value) of a reply contact, else ValidationError.

    >>> contact_kind(" 0912 345 678 ")
    ('phone', '0912345678')
    >>> contact_kind("an@example.vn")
    ('email', 'an@example.vn')
    """
    value = value.strip()
    if "@" in value:
        validate_email(value)
        return "email", value
    digits = re.sub(r"[\s.\-()]", "", value)
    if PHONE_RE.match(digits):
        return "phone", digits
    raise ValidationError("invalid contact")


# Built fields per (form class, published version, language, procedures): building them
# normalises every choice list again (a few milliseconds, most of a submission's
# time in Python); copying built ones, as Django copies a form's declared fields
# for each instance, does not. Bounded: emptied when it holds too many.
_FIELDS_CACHE: dict[tuple, dict[str, forms.Field]] = {}
_FIELDS_CACHE_SIZE = 256


def _fields_of(
    form_class: type[forms.Form],
    version: QuestionnaireVersion,
    items: list[Item],
    procedures: list[Procedure],
) -> dict[str, forms.Field]:
    """The form's fields in page order (not to be changed: callers copy them)."""
    key = (form_class, version.pk, get_language(), _procedures_key(procedures))
    if version.is_published and key in _FIELDS_CACHE:
        return _FIELDS_CACHE[key]
    fields = _build_fields(form_class, version, items, procedures)
    if version.is_published:
        if len(_FIELDS_CACHE) >= _FIELDS_CACHE_SIZE:
            _FIELDS_CACHE.clear()
        _FIELDS_CACHE[key] = fields
    return fields


# The key of a procedure list, per list object: a place's list is kept in the
# process (surveys.pagecache.remembered) and comes back as the same object, so
# its few hundred procedures are not walked on every request. The entry holds
# the list itself, so its id cannot be reused while the entry is kept.
_PROCEDURE_KEYS: dict[int, tuple[list[Procedure], tuple]] = {}


def _procedures_key(procedures: list[Procedure]) -> tuple:
    kept = _PROCEDURE_KEYS.get(id(procedures))
    if kept is not None and kept[0] is procedures:
        return kept[1]
    key = tuple((p.pk, p.name) for p in procedures)
    if len(_PROCEDURE_KEYS) >= _FIELDS_CACHE_SIZE:
        _PROCEDURE_KEYS.clear()
    _PROCEDURE_KEYS[id(procedures)] = (procedures, key)
    return key


def _copy_field(field: forms.Field) -> forms.Field:
    """A field of its own for one form instance, as Field.__deepcopy__ makes it
    (own widget, attributes, messages and validators), but sharing the choice
    lists: they are built once and never changed in place, and copying them
    deeply normalised them again."""
    new = copy.copy(field)
    new.widget = copy.copy(field.widget)
    new.widget.attrs = dict(field.widget.attrs)
    new.error_messages = dict(field.error_messages)
    new.validators = list(field.validators)
    return new


def _build_fields(
    form_class: type[forms.Form],
    version: QuestionnaireVersion,
    items: list[Item],
    procedures: list[Procedure],
) -> dict[str, forms.Field]:
    # a subclass's own declared fields too (e.g. the paper form's serial)
    fields = copy.deepcopy(form_class.base_fields)
    if version.questionnaire.code not in CHANNEL_ASKED:
        fields["channel"].required = False
        fields["channel"].label = _(
            "Ông/Bà đã nộp hồ sơ theo cách nào? (không bắt buộc)"
        )
    fields["procedure"].choices = [("", "")] + [(str(p.pk), p.name) for p in procedures]
    for item in items:
        choices = [(str(value), label) for value, label in item.localized_options()]
        if item.kind == Item.Kind.MULTI:
            field: forms.Field = forms.MultipleChoiceField(
                choices=choices, widget=forms.CheckboxSelectMultiple
            )
        elif item.kind == Item.Kind.TEXT:
            continue  # free text goes into `comment`; items hold numbers only
        else:
            field = forms.ChoiceField(choices=choices, widget=forms.RadioSelect)
        field.required = item.required
        field.label = item.localized_text()
        field.error_messages["required"] = _("Xin trả lời câu hỏi này.")
        field.item = item
        fields[item.code] = field
    for name, choices in RESPONDENT_FIELDS.items():
        fields[name] = forms.ChoiceField(
            required=False,
            label=RESPONDENT_LABELS[name],
            choices=choices.choices,
            widget=forms.RadioSelect,
        )
    # Page order, so that the error summary lists errors top to bottom.
    order = ["token", HONEYPOT, "procedure", "channel"]
    order += [item.code for item in items if item.code in fields]
    order += ["comment", "reply_contact", *RESPONDENT_FIELDS]
    order += [name for name in fields if name not in order]
    return {name: fields[name] for name in order}


class SurveyForm(forms.Form):
    """One questionnaire version as a form.

    Field names: `token` (signed, see surveys.abuse), the honeypot, `procedure`,
    `channel`, one field per item named by its code, `comment`, `reply_contact` and
    the respondent fields. `answers()`, `respondent()` and `contact()` give the
    cleaned data in the shape surveys.services expects.
    """

    token = forms.CharField(widget=forms.HiddenInput, max_length=400)
    # Hidden from people by CSS (display: none, so screen readers skip it too);
    # form-filling bots fill it in.
    website = forms.CharField(required=False, max_length=200)
    procedure = forms.ChoiceField(required=False, label=gettext_lazy("Thủ tục"))
    channel = forms.ChoiceField(
        label=gettext_lazy("Ông/Bà đã nộp hồ sơ theo cách nào?"),
        choices=Channel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Xin chọn cách Ông/Bà đã nộp hồ sơ.")},
    )
    comment = TextField(
        required=False,
        max_length=MAX_COMMENT_LENGTH,
        strip=True,
        label=gettext_lazy("Ý kiến khác của Ông/Bà (không bắt buộc)"),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_COMMENT_LENGTH}),
    )
    reply_contact = forms.CharField(
        required=False,
        max_length=MAX_CONTACT_LENGTH,
        label=gettext_lazy(
            "Nếu muốn được trả lời, xin để lại số điện thoại hoặc thư điện tử "
            "(không bắt buộc)"
        ),
        widget=forms.TextInput(attrs={"inputmode": "email", "autocomplete": "off"}),
    )

    def __init__(
        self,
        *,
        version: QuestionnaireVersion,
        procedures: list[Procedure],
        data: QueryDict | None = None,
        initial: dict | None = None,
        require_answer: bool = True,
        lead_item: str | None = None,
        shared: bool = False,
    ) -> None:
        """`require_answer=False` checks the answers given without asking for at
        least one (a question page on the way, see surveys.steps); `lead_item` is
        the question that "answer at least one" points to (default: the first).
        `shared=True` gives a form that only reads its fields (their layout, the
        allowed values, checking data: cleaning does not change a field): it
        holds the cached fields themselves, not copies, and must be neither
        rendered nor changed."""
        # Django would deep-copy the declared fields for this instance, only for
        # them to be replaced below: an instance attribute hides them from it.
        self.base_fields = {}
        super().__init__(data=data, initial=initial)
        self.version = version
        self.require_answer = require_answer
        self.lead_item = lead_item
        # items_of caches a published version's items: no query per request.
        self.items: list[Item] = list(items_of(version).values())
        fields = _fields_of(type(self), version, self.items, procedures)
        if shared:
            self.fields = dict(fields)
        else:
            self.fields = {name: _copy_field(field) for name, field in fields.items()}

    # --- display --------------------------------------------------------------
    def item_codes(self) -> list[str]:
        return [item.code for item in self.items if item.code in self.fields]

    def question_sections(self) -> list[Section]:
        """Items grouped under their section headings, in questionnaire order."""
        sections: list[Section] = []
        number = 0
        for key, title, codes in self.section_codes():
            bound = []
            for code in codes:
                number += 1
                bound.append((number, self[code]))
            sections.append(Section(key=key, title=title, fields=bound))
        return sections

    def section_codes(self) -> list[tuple[str, str, list[str]]]:
        """(key, heading, item codes) of :meth:`question_sections`, without
        binding a field (what the question pages are planned from)."""
        english = _is_english()
        sections: list[tuple[str, str, list[str]]] = []
        for item in self.items:
            if item.code not in self.fields:
                continue
            title = item.section_en if english and item.section_en else item.section
            if not sections or sections[-1][1] != title:
                sections.append((f"s{len(sections) + 1}", title, []))
            sections[-1][2].append(item.code)
        return sections

    def respondent_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in RESPONDENT_FIELDS]

    # --- validation -----------------------------------------------------------
    def clean(self) -> dict:
        data = super().clean()
        codes = self.item_codes()
        if self.require_answer and not any(data.get(code) for code in codes):
            first = self.lead_item if self.lead_item in codes else None
            first = first or (codes[0] if codes else None)
            self.add_error(
                first,
                _("Xin trả lời ít nhất một câu hỏi về mức độ hài lòng."),
            )
        contact = data.get("reply_contact", "")
        if contact:
            try:
                data["contact_kind"], data["reply_contact"] = contact_kind(contact)
            except ValidationError:
                self.add_error(
                    "reply_contact",
                    _(
                        "Số điện thoại hoặc thư điện tử chưa đúng (ví dụ 0912345678 "
                        "hoặc ten@example.vn)."
                    ),
                )
            else:
                if not data.get("comment"):
                    self.add_error(
                        "comment",
                        _("Xin viết ý kiến mà Ông/Bà muốn được trả lời."),
                    )
        return data

    def answers(self) -> dict[str, int | list[int]]:
        out: dict[str, int | list[int]] = {}
        for code in self.item_codes():
            value = self.cleaned_data.get(code)
            if isinstance(value, list):
                if value:
                    out[code] = sorted(int(v) for v in value)
            elif value:
                out[code] = int(value)
        return out

    def respondent(self) -> dict[str, str]:
        return {
            name: self.cleaned_data[name]
            for name in RESPONDENT_FIELDS
            if self.cleaned_data.get(name)
        }

    def procedure_id(self) -> int | None:
        value = self.cleaned_data.get("procedure")
        return int(value) if value else None

    def contact(self) -> tuple[str, str] | None:
        if self.cleaned_data.get("reply_contact"):
            return self.cleaned_data["contact_kind"], self.cleaned_data["reply_contact"]
        return None


def _is_english() -> bool:
    from django.utils.translation import get_language

    return get_language() == "en"


def _shorten(name: str) -> str:
    name = "".join(ch if ch.isprintable() else "?" for ch in name)
    return name if len(name) <= 30 else name[:29] + "…"


# A control character other than tab, line feed and carriage return.
CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def find_tampering(form: SurveyForm, data: QueryDict) -> str | None:
    """A message naming what the rendered form could not have sent, else None."""
    unknown = sorted(set(data) - set(form.fields) - PASS_THROUGH)
    if unknown:
        names = ", ".join(_shorten(name) for name in unknown[:3])
        return _("Biểu mẫu gửi lên có trường không được hỏi: %(names)s.") % {
            "names": names
        }
    for name, field in form.fields.items():
        values = data.getlist(name)
        if len(values) > 1 and not isinstance(field, forms.MultipleChoiceField):
            return _("Trường %(name)s được gửi nhiều lần.") % {"name": name}
        if isinstance(field, forms.ChoiceField):
            given = [value for value in values if value]
            # The choices are read only for what was answered (a long procedure
            # list, on every POST, cost more than the rest of the check).
            allowed = {str(key) for key, _label in field.choices} if given else set()
            for value in given:
                if value not in allowed:
                    return _(
                        "Giá trị “%(value)s” không có trong các lựa chọn của %(name)s."
                    ) % {
                        "value": _shorten(value),
                        "name": name,
                    }
        elif isinstance(field, forms.CharField):
            for value in values:
                value = value.replace("\r\n", "\n")
                if field.max_length and len(value) > field.max_length:
                    return _("Trường %(name)s dài quá %(max)s ký tự.") % {
                        "name": name,
                        "max": field.max_length,
                    }
                if CONTROL_CHARACTER.search(value):
                    return _("Trường %(name)s chứa ký tự điều khiển không hợp lệ.") % {
                        "name": name
                    }
    return None
