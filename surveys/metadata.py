"""What the shipped questionnaires are, for the pages that read their results.

The questionnaires are defined once, in `surveys/questionnaire_data.py`; this
module derives from that definition what dashboards, reports and exports name,
so that no other app retypes it:

- `METHODOLOGY[questionnaire]`: the methodology its indices are computed with;
- `QUESTIONNAIRE_ELEMENTS[questionnaire]`: its element codes in questionnaire order;
- `element_label(code)`: an element's heading (the section the citizen sees), in
  the active language;
- `element_items(questionnaire)`: the items inside its elements with their text;
- `sat5_labels()`: the five levels of the satisfaction scale, in the active language;
- `respondent_value_label(field, value)`: a respondent group's label (nu → Nữ).
"""

from __future__ import annotations

from django.utils.translation import get_language

from surveys.models import RESPONDENT_FIELDS
from surveys.questionnaire_data import (
    POLICY_ELEMENTS,
    QUESTIONNAIRES,
    SAT5,
    SERVICE_ELEMENTS,
)

METHODOLOGY: dict[str, str] = {
    code: data["methodology"] for code, data in QUESTIONNAIRES.items()
}
QUESTIONNAIRE_ELEMENTS: dict[str, list[str]] = {
    code: list(
        dict.fromkeys(
            item["element"] for item in definition["items"] if item["element"]
        )
    )
    for code, definition in QUESTIONNAIRES.items()
}
_ELEMENT_HEADINGS: dict[str, tuple[str, str]] = {
    code: (section, section_en)
    for code, section, section_en, _items in [*SERVICE_ELEMENTS, *POLICY_ELEMENTS]
}


def _localized(text: str, text_en: str) -> str:
    return text_en if get_language() == "en" and text_en else text


def element_label(code: str) -> str:
    """The heading of an element (E1 … E5, P1 … P4); the code itself if unknown.

    >>> element_label("E1")
    'Tiếp cận dịch vụ'
    """
    if code not in _ELEMENT_HEADINGS:
        return code
    return _localized(*_ELEMENT_HEADINGS[code])


def element_items(questionnaire: str) -> list[tuple[str, str]]:
    """(item code, question in the active language) of the items inside the
    questionnaire's elements, in questionnaire order.

    >>> element_items("exit-dv")[0][0]
    'E1.1'
    """
    return [
        (item["code"], _localized(item["text"], item["text_en"]))
        for item in QUESTIONNAIRES[questionnaire]["items"]
        if item["element"]
    ]


def sat5_labels() -> list[str]:
    """The satisfaction scale from 1 (Rất không hài lòng) to 5 (Rất hài lòng)."""
    return [_localized(option["label"], option["label_en"]) for option in SAT5]


def respondent_value_label(field: str, value: str) -> str:
    """The display label of a respondent group value; the value itself if unknown."""
    choices = RESPONDENT_FIELDS.get(field)
    if choices is not None and value in choices.values:
        return str(choices(value).label)
    return value
