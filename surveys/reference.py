"""Load the shipped questionnaires (surveys/questionnaire_data.py) into the database,
and the whole reference data with them (:func:`load_reference_data`).

Contract: published versions are immutable. `load_questionnaires` compares each
shipped definition with the newest published version of that questionnaire; when
they are equal it changes nothing, when there is none it publishes version 1, and
when they differ it publishes the next version number (the old one and every
response pinned to it stay as they are) and says so in its messages. Unpublished
draft versions made in the admin are left alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from agencies.reference import LoadReport, load_administrative_data
from surveys.models import Item, Questionnaire, QuestionnaireVersion
from surveys.questionnaire_data import QUESTIONNAIRES

VERSION_FIELDS = ("title", "title_en", "intro", "intro_en")
ITEM_FIELDS = (
    "code",
    "kind",
    "element",
    "aspect",
    "section",
    "section_en",
    "text",
    "text_en",
    "options",
    "required",
)


def _wanted(definition: dict[str, Any]) -> dict[str, Any]:
    """A shipped definition in the comparable shape of `_stored`."""
    return {
        **{name: definition.get(name, "") for name in VERSION_FIELDS},
        "items": [
            {
                name: item.get(name, False if name == "required" else "")
                for name in ITEM_FIELDS
            }
            for item in definition["items"]
        ],
    }


def _stored(version: QuestionnaireVersion) -> dict[str, Any]:
    return {
        **{name: getattr(version, name) for name in VERSION_FIELDS},
        "items": [
            {name: getattr(item, name) for name in ITEM_FIELDS}
            for item in version.items.order_by("position")
        ],
    }


@transaction.atomic
def load_questionnaires(
    definitions: dict[str, dict[str, Any]] | None = None,
) -> list[str]:
    """Make each shipped questionnaire's newest published version match its data.

    Returns one human-readable message per questionnaire that changed (nothing for
    an unchanged one), e.g. "exit-dv: published version 1 (20 items)".
    """
    definitions = QUESTIONNAIRES if definitions is None else definitions
    messages: list[str] = []
    for code, definition in definitions.items():
        questionnaire, _created = Questionnaire.objects.get_or_create(
            code=code,
            defaults={
                "name": definition["name"],
                "name_en": definition["name_en"],
                "methodology": definition["methodology"],
            },
        )
        # The questionnaire row is a label, not part of what a response is pinned
        # to, so keeping it in step with the data is allowed.
        changed = [
            name
            for name in ("name", "name_en", "methodology")
            if getattr(questionnaire, name) != definition[name]
        ]
        for name in changed:
            setattr(questionnaire, name, definition[name])
        if changed:
            questionnaire.save(update_fields=changed)

        wanted = _wanted(definition)
        published = questionnaire.current_version()
        if published is not None and _stored(published) == wanted:
            continue
        last = questionnaire.versions.order_by("-number").first()
        number = last.number + 1 if last else 1
        version = QuestionnaireVersion.objects.create(
            questionnaire=questionnaire,
            number=number,
            published_at=timezone.now(),
            **{name: wanted[name] for name in VERSION_FIELDS},
        )
        Item.objects.bulk_create(
            Item(version=version, position=position, **item)
            for position, item in enumerate(wanted["items"], start=1)
        )
        if published is None:
            messages.append(
                f"{code}: published version {number} ({len(wanted['items'])} items)"
            )
        else:
            messages.append(
                f"{code}: definition differs from published version "
                f"{published.number}, which stays unchanged; published version "
                f"{number} ({len(wanted['items'])} items)"
            )
    return messages


def load_reference_data(provinces: Iterable[str] | None = None) -> LoadReport:
    """Load units, agencies, service points, procedures (agencies.reference) and
    questionnaires, all or nothing: what ``manage.py load_reference_data`` runs.

    `provinces`: current province codes to load ("33"); all 34 when empty.
    Questionnaires are national and always loaded. Idempotent.
    """
    with transaction.atomic():
        report = load_administrative_data(provinces)
        report.messages.extend(load_questionnaires())
    return report
