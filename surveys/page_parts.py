"""What the survey templates are given besides the form: the procedures offered,
grouped by field and narrowed by a search; the error summary's entries."""

from __future__ import annotations

from django.utils.translation import gettext as _

from agencies.models import Procedure
from agencies.text import fold
from surveys.forms import SurveyForm


def procedure_groups(
    procedures: list[Procedure], search: str, selected: str
) -> list[tuple[str, list[tuple[str, str, bool]]]]:
    """Procedures matching the search (all when empty), grouped by field.

    The selected one is always kept, so a search never drops the citizen's choice.
    """
    words = fold(search).split()
    groups: dict[str, list[tuple[str, str, bool]]] = {}
    for procedure in procedures:
        value = str(procedure.pk)
        haystack = f"{procedure.name_folded} {procedure.code.lower()}"
        if value != selected and not all(word in haystack for word in words):
            continue
        groups.setdefault(procedure.field or _("Khác"), []).append(
            (value, procedure.name, value == selected)
        )
    return list(groups.items())


def error_summary(form: SurveyForm, numbers: dict[str, int] | None) -> list[dict]:
    """One entry per field error, in page order, with the id of its first input
    and the question number shown (`numbers`, default the one-page form's)."""
    if numbers is None:
        numbers = {
            bf.name: n
            for section in form.question_sections()
            for n, bf in section.fields
        }
    entries = []
    for name in form.fields:
        for message in form.errors.get(name, []):
            bound = form[name]
            multiple = len(bound.subwidgets) > 1 or name in numbers
            anchor = (
                f"{bound.auto_id}_0"
                if multiple and name != "procedure"
                else bound.auto_id
            )
            entries.append(
                {
                    "anchor": anchor,
                    "field": name,
                    "number": numbers.get(name),
                    "message": message,
                }
            )
    return entries
