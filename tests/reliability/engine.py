"""Helpers for the engine fault tests: snapshots of IndexResult and test data."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from reports.engine.results import RESULT_COLUMNS
from reports.models import IndexResult
from surveys.models import QuestionnaireVersion
from surveys.services import ResponseDraft, store_responses

# Every column the engine writes but its time stamp (the last).
RESULT_FIELDS = RESULT_COLUMNS[:-1]


def snapshot() -> set[tuple]:
    """Every index row, without its computed_at time stamp."""
    return set(IndexResult.objects.values_list(*RESULT_FIELDS))


def store_random_responses(
    version: QuestionnaireVersion,
    agency_id: int,
    count: int,
    seed: int = 6,
    at: datetime.datetime | None = None,
    comments: list[str] | None = None,
) -> None:
    """`count` exit-form responses with random SAT5 answers, through the write path."""
    rng = random.Random(seed)
    codes = [item.code for item in version.items.all() if item.kind == "sat5"]
    at = at or timezone.now()
    drafts = [
        ResponseDraft(
            version=version,
            agency_id=agency_id,
            answers={code: rng.randint(1, 5) for code in codes if rng.random() < 0.9},
            submitted_at=at - datetime.timedelta(minutes=i),
            channel="truc_tiep",
            comment=comments[i] if comments else "",
        )
        for i in range(count)
    ]
    store_responses(drafts)
