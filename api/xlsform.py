"""Questionnaire versions as XLSForms for ODK Collect and KoboToolbox.

The XLSForm of a version (`xlsform_workbook`) names its fields after the
portal's columns: `agency`, `procedure`, `service_point`, `channel`, the
respondent groups (`gender`, …), one field per item code (`E1.1`, `N2`, …) and
`comment`; options are named by their numbers (1 = Rất không hài lòng …), so a
submission reads like a sipas-csv row. Items sit in one group per section
(`s1`, `s2`, …). api.odk imports what the tools export; api.openrosa serves the
converted XForm.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable

from openpyxl import Workbook

from surveys.models import RESPONDENT_FIELDS, Channel, Item, QuestionnaireVersion

VI, EN = "Vietnamese (vi)", "English (en)"
SURVEY_HEADER = [
    "type",
    "name",
    f"label::{VI}",
    f"label::{EN}",
    f"hint::{VI}",
    f"hint::{EN}",
    "required",
    "appearance",
]
CHOICES_HEADER = ["list_name", "name", f"label::{VI}", f"label::{EN}"]
RESPONDENT_LABELS = {
    "gender": ("Giới tính", "Gender"),
    "age_group": ("Độ tuổi", "Age group"),
    "ethnicity": ("Dân tộc", "Ethnicity"),
    "education": ("Trình độ học vấn", "Education"),
    "occupation": ("Nghề nghiệp", "Occupation"),
    "area": ("Nơi sống", "Area"),
    "terrain": ("Địa hình", "Terrain"),
}


def form_id(version: QuestionnaireVersion) -> str:
    return f"sipas_{version.questionnaire.code.replace('-', '_')}_v{version.number}"


def _list_name(item: Item) -> str:
    return "o_" + re.sub(r"[^0-9A-Za-z_]", "_", item.code)


def xlsform_sheets(version: QuestionnaireVersion) -> dict[str, list[list[str]]]:
    """The survey, choices and settings sheets of the version's XLSForm."""
    from django.utils import translation

    survey: list[list[str]] = [SURVEY_HEADER]
    choices: list[list[str]] = [CHOICES_HEADER]

    def row(kind, name, vi, en, hint_vi="", hint_en="", required="", appearance=""):
        survey.append([kind, name, vi, en, hint_vi, hint_en, required, appearance])

    def choice_list(list_name: str, options: Iterable[tuple[str, str, str]]) -> None:
        for name, vi, en in options:
            choices.append([list_name, name, vi, en])

    def enum_options(choices_class) -> list[tuple[str, str, str]]:
        found = []
        for value, label in choices_class.choices:
            with translation.override("vi"):
                vi = str(label)
            with translation.override("en"):
                en = str(label)
            found.append((value, vi, en))
        return found

    row("start", "start", "", "")
    row("end", "end", "", "")
    row(
        "text",
        "agency",
        "Mã cơ quan",
        "Agency code",
        "Ví dụ TTHCC-X12133",
        "For example TTHCC-X12133",
        "yes",
    )
    row("text", "service_point", "Mã điểm phục vụ", "Service point code")
    row(
        "text",
        "procedure",
        "Mã thủ tục hành chính",
        "Procedure code",
        "Ví dụ 1.000894",
        "For example 1.000894",
    )
    row("select_one channel", "channel", "Kênh giao dịch", "Channel")
    choice_list("channel", enum_options(Channel))
    for name, choices_class in RESPONDENT_FIELDS.items():
        vi, en = RESPONDENT_LABELS[name]
        row(f"select_one {name}", name, vi, en)
        choice_list(name, enum_options(choices_class))
    section, number = None, 0
    for item in version.items.order_by("position"):
        if item.section != section:
            if section is not None:
                row("end_group", "", "", "")
            number += 1
            section = item.section
            row(
                "begin_group", f"s{number}", item.section or "—", item.section_en or "—"
            )
        required = "yes" if item.required else ""
        if item.kind == Item.Kind.TEXT:
            row(
                "text",
                item.code,
                item.text,
                item.text_en or item.text,
                required=required,
            )
            continue
        kind = "select_multiple" if item.kind == Item.Kind.MULTI else "select_one"
        row(
            f"{kind} {_list_name(item)}",
            item.code,
            item.text,
            item.text_en or item.text,
            required=required,
        )
        choice_list(
            _list_name(item),
            [
                (str(o["value"]), o["label"], o.get("label_en") or o["label"])
                for o in item.options
            ],
        )
    if section is not None:
        row("end_group", "", "", "")
    row("text", "comment", "Ý kiến khác", "Other comments", appearance="multiline")
    settings = [
        ["form_title", "form_id", "version", "default_language"],
        [
            version.title,
            form_id(version),
            str(version.number),
            VI,
        ],
    ]
    return {"survey": survey, "choices": choices, "settings": settings}


def xlsform_workbook(version: QuestionnaireVersion) -> bytes:
    """The version's XLSForm as .xlsx bytes."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in xlsform_sheets(version).items():
        sheet = workbook.create_sheet(title)
        for cells in rows:
            sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
