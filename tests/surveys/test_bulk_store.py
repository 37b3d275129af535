"""The one write path in bulk: many responses at once (imports, seeding) are
stored exactly as given, all or nothing."""

import datetime
import uuid

import pytest
from django.db import IntegrityError, transaction

from surveys.models import Answer, Response
from surveys.services import COPY_FROM, ResponseDraft, store_responses

AT = datetime.datetime(2026, 5, 4, 3, 2, 1, tzinfo=datetime.UTC)
AWKWARD = [
    "tab\there",
    "line\nbreak",
    "back\\slash \\N",
    "carriage\rreturn",
    "Đúng hẹn",
]


def drafts(version, agency, count):
    return [
        ResponseDraft(
            version=version,
            agency_id=agency.pk,
            answers={"E1.1": 1 + i % 5, "G": 5},
            submitted_at=AT + datetime.timedelta(seconds=i),
            id=uuid.UUID(int=i + 1, version=4),
            comment=AWKWARD[i % len(AWKWARD)],
            channel="truc_tuyen",
            respondent={"gender": "nu"},
        )
        for i in range(count)
    ]


@pytest.mark.django_db
def test_a_bulk_store_keeps_every_value_exactly(exit_version, centre):
    given = drafts(exit_version, centre, COPY_FROM + 20)
    store_responses(given)
    stored = {r.id: r for r in Response.objects.all()}
    assert len(stored) == len(given)
    for draft in given:
        response = stored[draft.id]
        assert response.comment == draft.comment
        assert response.submitted_at == draft.submitted_at
        assert (response.channel, response.gender) == ("truc_tuyen", "nu")
        assert (response.flagged, response.counted) == (False, False)
        assert response.idempotency_key is None and len(response.fingerprint) == 64
    assert Answer.objects.count() == 2 * len(given)


@pytest.mark.django_db
def test_a_bulk_store_with_a_stored_id_fails_whole_as_an_integrity_error(
    exit_version, centre
):
    given = drafts(exit_version, centre, COPY_FROM + 5)
    store_responses(given[:1])
    with pytest.raises(IntegrityError), transaction.atomic():
        store_responses(given)
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_a_bulk_load_that_is_counted_later_schedules_no_sweep(
    exit_version, centre, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        store_responses(drafts(exit_version, centre, 3), notify=False)
    assert callbacks == []
    assert Response.objects.filter(counted=False).count() == 3
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        store_responses(drafts(exit_version, centre, 4)[3:])
    assert len(callbacks) == 1  # the engine's hook: one debounced sweep
