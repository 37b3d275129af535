"""Improvement actions: create, edit, workflow, notes, evidence; scope in the
query layer and every change in the audit log."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from improvement.models import Action, ActionEvidence, ActionNote

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def commune_action(agencies, comments, province_analyst) -> Action:
    action = Action.objects.create(
        title="Niêm yết lại thủ tục",
        agency=agencies["UBND-X12133"],
        targets=["E2", "E2.1"],
        start_date=datetime.date(2026, 3, 1),
        due_date=datetime.date(2026, 6, 30),
        created_by=province_analyst,
    )
    action.comments.set([comments["commune"]])
    return action


def _form(agency="UBND-X12133", **extra) -> dict:
    return {
        "agency": agency,
        "title": "Rút ngắn thời gian chờ",
        "description": "Thêm một quầy vào buổi sáng.",
        "targets": ["E4", "E4.1"],
        "start_date": "2026-08-01",
        "due_date": "2026-10-31",
        **extra,
    }


def _events(change: str) -> list[AuditEvent]:
    return [
        e
        for e in AuditEvent.objects.filter(object_type="improvement.action")
        if e.detail.get("change") == change
    ]


def test_an_analyst_creates_an_action_linked_to_two_comments(
    client, province_analyst, comments
):
    client.force_login(province_analyst)
    linked = [str(comments["commune"].pk), str(comments["department"].pk)]
    page = client.get(
        reverse("improvement:action_new")
        + "?agency=UBND-T33&comments="
        + "&comments=".join(linked)
    )
    assert page.status_code == 200
    assert "Cán bộ xã hướng dẫn rất tận tình." in page.content.decode()
    response = client.post(
        reverse("improvement:action_new"),
        _form(agency="UBND-T33", comments=linked, owner=province_analyst.pk),
    )
    action = Action.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("improvement:action", args=[action.pk])
    assert {str(pk) for pk in action.comments.values_list("pk", flat=True)} == set(
        linked
    )
    assert action.status == Action.Status.PROPOSED
    assert action.owner == province_analyst and action.targets == ["E4", "E4.1"]
    [event] = _events("created")
    assert event.actor == province_analyst and event.detail["agency"] == "UBND-T33"
    body = client.get(response["Location"]).content.decode()
    assert "Phải chờ quá lâu ở quầy." in body and "Rút ngắn thời gian chờ" in body


def test_a_manager_acts_for_their_subtree_only(client, commune_manager, comments):
    client.force_login(commune_manager)
    refused = client.post(reverse("improvement:action_new"), _form(agency="SNV-T33"))
    assert refused.status_code == 404
    # A comment of another agency cannot be linked by forging the form.
    forged = client.post(
        reverse("improvement:action_new"),
        _form(comments=[str(comments["department"].pk)]),
    )
    assert forged.status_code == 200 and Action.objects.count() == 0
    assert client.post(reverse("improvement:action_new"), _form()).status_code == 302
    assert Action.objects.get().agency.code == "UBND-X12133"


def test_viewers_and_outsiders_cannot_create(client, national_viewer, outsider):
    for person in (national_viewer, outsider):
        client.force_login(person)
        response = client.post(reverse("improvement:action_new"), _form())
        assert response.status_code == 403
    assert Action.objects.count() == 0


def test_a_due_date_before_the_start_is_refused_with_a_message(
    client, province_analyst
):
    client.force_login(province_analyst)
    response = client.post(
        reverse("improvement:action_new"), _form(due_date="2026-07-01")
    )
    assert response.status_code == 200
    assert "Hạn hoàn thành phải sau ngày bắt đầu." in response.content.decode()
    assert Action.objects.count() == 0


def test_an_action_from_a_driver_finding_keeps_the_finding(
    client, province_analyst, agencies, exit_version
):
    from improvement.models import DriverRun, DriverWeight

    run = DriverRun.objects.create(
        agency=agencies["UBND-X12133"],
        period="2026",
        scope="subtree",
        questionnaire="exit-dv",
        level="element",
        n=640,
        r2=0.4,
        r2_low=0.3,
        r2_high=0.5,
    )
    DriverWeight.objects.create(
        run=run,
        indicator="E2",
        weight=0.2,
        share=48.0,
        share_low=40.0,
        share_high=55.0,
        p_value=0.001,
        claimed=True,
        key=True,
    )
    client.force_login(province_analyst)
    page = client.get(
        reverse("improvement:action_new")
        + "?agency=UBND-X12133&period=2026&scope=subtree&level=element&indicator=E2"
    )
    assert page.context["form"].initial["targets"] == ["E2"]
    client.post(
        reverse("improvement:action_new"),
        _form(
            finding_period="2026",
            finding_scope="subtree",
            finding_level="element",
            finding_indicator="E2",
        ),
    )
    finding = Action.objects.get().finding
    assert finding["indicator"] == "E2" and finding["share"] == 48.0
    assert finding["n"] == 640


def test_the_workflow_allows_only_its_moves_and_logs_each(
    client, province_analyst, commune_action
):
    client.force_login(province_analyst)
    url = reverse("improvement:action_status", args=[commune_action.pk])
    page = client.post(url, {"status": "done"}, follow=True)
    assert "Không thể chuyển từ" in page.content.decode()
    commune_action.refresh_from_db()
    assert commune_action.status == "proposed"
    client.post(url, {"status": "in_progress"})
    client.post(url, {"status": "done"})
    commune_action.refresh_from_db()
    assert commune_action.status == "done"
    moves = [e.detail["fields"]["status"] for e in _events("status")]
    assert sorted(moves) == [["in_progress", "done"], ["proposed", "in_progress"]]
    nonsense = client.post(url, {"status": "exploded"}, follow=True)
    assert nonsense.status_code == 200


def test_editing_logs_which_fields_changed(client, province_analyst, commune_action):
    client.force_login(province_analyst)
    response = client.post(
        reverse("improvement:action_edit", args=[commune_action.pk]),
        {
            "title": commune_action.title,
            "targets": ["E2"],
            "start_date": "2026-03-01",
            "due_date": "2026-09-30",
        },
    )
    assert response.status_code == 302
    [event] = _events("edited")
    fields = event.detail["fields"]
    assert fields["due_date"] == ["2026-06-30", "2026-09-30"]
    assert fields["targets"] == [["E2", "E2.1"], ["E2"]]
    assert "comments" in fields  # the linked comment was unticked


def test_progress_notes_are_added_and_logged(client, commune_manager, commune_action):
    client.force_login(commune_manager)
    url = reverse("improvement:action_note", args=[commune_action.pk])
    client.post(url, {"text": "Đã in lại bảng niêm yết."})
    empty = client.post(url, {"text": "  "}, follow=True)
    assert "Ghi chú không được để trống." in empty.content.decode()
    assert list(ActionNote.objects.values_list("text", flat=True)) == [
        "Đã in lại bảng niêm yết."
    ]
    assert len(_events("note")) == 1


def test_evidence_is_stored_privately_and_served_only_in_scope(
    client, province_analyst, other_analyst, commune_action, media
):
    client.force_login(province_analyst)
    url = reverse("improvement:action_evidence", args=[commune_action.pk])
    client.post(url, {"file": SimpleUploadedFile("bien-ban.pdf", PDF)})
    evidence = ActionEvidence.objects.get()
    assert evidence.file.name.startswith(f"private/evidence/{commune_action.pk}/")
    assert (media / evidence.file.name).read_bytes() == PDF
    assert evidence.content_type == "application/pdf" and len(_events("evidence")) == 1
    download = reverse(
        "improvement:evidence_download", args=[commune_action.pk, evidence.pk]
    )
    got = client.get(download)
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    assert got["Content-Disposition"].startswith("attachment")
    assert got["X-Content-Type-Options"] == "nosniff"
    client.force_login(other_analyst)
    assert client.get(download).status_code == 404
    client.logout()
    assert client.get(download).status_code == 302


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("virus.exe", b"MZ\x90\x00", "Chỉ nhận tệp PDF"),
        ("gia-mao.pdf", b"MZ\x90\x00 not a pdf", "không khớp"),
        ("lon.pdf", b"%PDF-" + b"0" * 2048, "Tệp lớn quá"),
    ],
)
def test_bad_evidence_is_refused_with_a_clear_message(
    client, province_analyst, commune_action, settings, name, content, message
):
    settings.EVIDENCE_MAX_BYTES = 1024
    client.force_login(province_analyst)
    url = reverse("improvement:action_evidence", args=[commune_action.pk])
    page = client.post(url, {"file": SimpleUploadedFile(name, content)}, follow=True)
    assert page.status_code == 200
    assert message in page.content.decode()
    assert ActionEvidence.objects.count() == 0


def test_the_list_marks_overdue_actions_and_keeps_its_filters_in_the_url(
    client, province_analyst, commune_action, agencies, django_assert_num_queries
):
    Action.objects.create(
        title="Đã xong",
        agency=agencies["SNV-T33"],
        start_date=datetime.date(2026, 1, 1),
        due_date=datetime.date(2026, 2, 1),
        status="done",
    )
    Action.objects.create(
        title="Tỉnh khác",
        agency=agencies["SNV-T01"],
        start_date=datetime.date(2026, 1, 1),
        due_date=datetime.date(2026, 2, 1),
    )
    client.force_login(province_analyst)
    url = reverse("improvement:actions")
    client.get(url)
    with django_assert_num_queries(6):
        page = client.get(url)
    body = page.content.decode()
    assert "Niêm yết lại thủ tục" in body and "Đã xong" in body
    assert "Tỉnh khác" not in body
    overdue = dict((a.title, late) for a, late in page.context["rows"])
    assert overdue == {"Niêm yết lại thủ tục": True, "Đã xong": False}
    filtered = client.get(url + "?status=proposed&overdue=1&agency=UBND-X12133")
    assert [a.title for a, _late in filtered.context["rows"]] == [
        "Niêm yết lại thủ tục"
    ]
    bad = client.get(url + "?status=nonsense")
    assert bad.status_code == 200 and len(bad.context["rows"]) == 2
    assert client.get(url + "?agency=UBND-T01").status_code == 404


def test_the_action_page_keeps_its_query_count(
    client, province_analyst, commune_action, django_assert_num_queries
):
    client.force_login(province_analyst)
    url = reverse("improvement:action", args=[commune_action.pk])
    client.get(url)
    with django_assert_num_queries(9):
        assert client.get(url).status_code == 200


def test_staff_of_another_province_see_no_action(client, other_analyst, commune_action):
    client.force_login(other_analyst)
    for name in ("improvement:action", "improvement:action_edit"):
        assert client.get(reverse(name, args=[commune_action.pk])).status_code == 404
    response = client.post(
        reverse("improvement:action_status", args=[commune_action.pk]),
        {"status": "cancelled"},
    )
    assert response.status_code == 404
    assert Action.objects.get().status == "proposed"
    assert "Niêm yết" not in client.get(reverse("improvement:actions")).content.decode()
