"""The dashboard's raw download and `manage.py export_responses` are one format.

Both go through `surveys.exporting.export_rows` and the writer of
`sipas.formats.sipas_csv`; a file from either imports back through
`import_responses` into the very same responses, exported again byte for byte.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from agencies.models import Procedure
from surveys.importing import import_responses
from surveys.models import Answer, Item, Response
from surveys.services import ResponseDraft, store_responses
from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import VN

# Formula-like text, an apostrophe that is really the citizen's, Vietnamese text.
COMMENTS = ["=1+1", "'=already quoted", "+84912345678", "-", "bình thường", "", "@x"]
DOWNLOAD = "/dashboard/responses.csv?period=2026&questionnaire=exit-dv"


@pytest.fixture
def varied_responses(agencies, exit_version) -> int:
    """Responses of both provinces, some just after local midnight (another day in
    UTC), with procedures, channels, respondent groups and partial answers."""
    # The dashboard fixture's items carry no scale; give them SAT5's numbers.
    scale = [{"value": v, "label": str(v)} for v in range(1, 6)]
    Item.objects.filter(version=exit_version).update(options=scale)
    procedure = Procedure.objects.create(
        code="1.000894", name="Đăng ký kết hôn", field="Hộ tịch"
    )
    first = datetime.datetime(2026, 7, 1, 0, 30, tzinfo=VN)
    places = ["TTHCC-X12133", "SNV-T33", "SNV-T01"]
    drafts = [
        ResponseDraft(
            version=exit_version,
            agency_id=agencies[places[i % 3]].pk,
            answers={"G": 1 + i % 5, **({"E3.1": 5 - i % 5} if i % 2 else {})},
            submitted_at=first + datetime.timedelta(hours=7 * i),
            procedure_id=procedure.pk if i % 3 == 0 else None,
            channel=["truc_tiep", "truc_tuyen", ""][i % 3],
            respondent={"gender": "nu", "age_group": "25-34"} if i % 2 else {},
            comment=COMMENTS[i % len(COMMENTS)],
        )
        for i in range(14)
    ]
    store_responses(drafts)
    return len(drafts)


def _download(client) -> bytes:
    response = client.get(DOWNLOAD)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _command_export(path) -> bytes:
    call_command("export_responses", str(path), questionnaire="exit-dv")
    return path.read_bytes()


def test_the_dashboard_download_and_the_command_export_are_byte_identical(
    client, national_viewer, varied_responses, tmp_path
):
    client.force_login(national_viewer)
    download = _download(client)
    assert download == _command_export(tmp_path / "command.csv")
    text = download.decode("utf-8-sig")
    assert "2026-07-01T00:30:00+07:00" in text  # local time, as the command writes
    assert "'=1+1" in text and "''=already quoted" in text


@pytest.mark.parametrize("source", ["dashboard", "command"])
def test_either_export_imports_back_into_the_same_responses_and_bytes(
    client, national_viewer, varied_responses, tmp_path, source
):
    client.force_login(national_viewer)
    exported = (
        _download(client)
        if source == "dashboard"
        else _command_export(tmp_path / "first.csv")
    )
    comments = sorted(Response.objects.values_list("comment", flat=True))
    Answer.objects.all().delete()
    Response.objects.all().delete()
    path = tmp_path / f"{source}.csv"
    path.write_bytes(exported)

    report = import_responses(path)

    assert (report.stored, report.skipped, report.rejected) == (varied_responses, 0, [])
    assert sorted(Response.objects.values_list("comment", flat=True)) == comments
    assert _command_export(tmp_path / "again.csv") == exported
    assert _download(client) == exported
