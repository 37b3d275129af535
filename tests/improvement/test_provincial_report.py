"""The provincial report: built by its Celery task into an editable DOCX and a
PDF, in Vietnamese or English, reachable only by its author within scope."""

from __future__ import annotations

import datetime
import io

import docx
import pytest
from django.urls import reverse

from improvement.models import Action, ActionEffect, ProvincialReport
from improvement.tasks import build_provincial_report_task


@pytest.fixture
def finished_action(agencies):
    action = Action.objects.create(
        title="Thêm quầy tiếp nhận buổi sáng",
        agency=agencies["UBND-X12133"],
        targets=["E4"],
        start_date=datetime.date(2026, 3, 1),
        due_date=datetime.date(2026, 6, 30),
        status=Action.Status.DONE,
    )
    ActionEffect.objects.create(
        action=action,
        indicator="E4",
        window_days=90,
        n_before=400,
        n_after=420,
        did=6.1,
        did_low=2.0,
        did_high=10.2,
        enough=True,
        claimed=True,
    )
    return action


def _build(client, language="vi") -> ProvincialReport:
    response = client.post(
        reverse("improvement:start_provincial_report"),
        {"agency": "UBND-T33", "period": "2026", "language": language},
    )
    report = ProvincialReport.objects.get(language=language)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "improvement:provincial_report", args=[report.pk]
    )
    assert build_provincial_report_task(str(report.pk)) == "done"
    return report


def _document(client, report) -> docx.Document:
    url = reverse("improvement:provincial_report_file", args=[report.pk, "docx"])
    response = client.get(url)
    assert response.status_code == 200
    return docx.Document(io.BytesIO(response.content))


def test_the_docx_has_the_headings_the_ranking_and_the_actions(
    client, province_analyst, index_results, finished_action
):
    client.force_login(province_analyst)
    report = _build(client)
    status = client.get(
        reverse("improvement:provincial_report_status", args=[report.pk])
    ).json()
    assert status["status"] == "done" and status["progress"] == 100
    document = _document(client, report)
    headings = [
        p.text for p in document.paragraphs if p.style.name.startswith("Heading")
    ]
    assert "2. Xếp hạng các sở, ban, ngành" in headings
    assert "5. Giải pháp cải thiện và hiệu quả" in headings
    assert "Phụ lục: phương pháp" in headings
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]
    ranking = tables[0]
    assert ranking[0][:2] == ["Hạng", "Cơ quan"]
    assert ranking[1][:2] == ["1", "Sở Nội vụ tỉnh Hưng Yên"]  # 88 beats 80
    assert any("chưa xếp hạng" in row[0] for row in ranking)  # SXD, n = 12
    actions = next(t for t in tables if t[0][0] == "Giải pháp")
    assert actions[1][0] == "Thêm quầy tiếp nhận buổi sáng"
    assert "6,1" in actions[1][4]
    assert all("Xa Lạ" not in cell for t in tables for row in t for cell in row)


def test_the_pdf_of_the_same_report_renders(client, province_analyst, index_results):
    client.force_login(province_analyst)
    report = _build(client)
    response = client.get(
        reverse("improvement:provincial_report_file", args=[report.pk, "pdf"])
    )
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-") and len(response.content) > 2000


def test_the_report_can_be_built_in_english(client, province_analyst, index_results):
    client.force_login(province_analyst)
    report = _build(client, language="en")
    headings = [
        p.text
        for p in _document(client, report).paragraphs
        if p.style.name.startswith("Heading")
    ]
    assert "2. Ranking of departments" in headings


def test_the_report_is_reachable_only_within_scope(
    client, province_analyst, other_analyst, outsider, index_results
):
    client.force_login(province_analyst)
    report = _build(client)
    urls = [
        reverse("improvement:provincial_report", args=[report.pk]),
        reverse("improvement:provincial_report_status", args=[report.pk]),
        reverse("improvement:provincial_report_file", args=[report.pk, "docx"]),
        reverse("improvement:provincial_report_file", args=[report.pk, "pdf"]),
    ]
    client.force_login(other_analyst)
    assert [client.get(u).status_code for u in urls] == [404] * 4
    client.force_login(outsider)
    assert [client.get(u).status_code for u in urls] == [403] * 4
    client.force_login(other_analyst)
    refused = client.post(
        reverse("improvement:start_provincial_report"),
        {"agency": "UBND-T33", "period": "2026", "language": "vi"},
    )
    assert refused.status_code == 404
    assert ProvincialReport.objects.count() == 1


def test_a_bad_period_is_refused_with_a_message(client, province_analyst, agencies):
    client.force_login(province_analyst)
    response = client.post(
        reverse("improvement:start_provincial_report"),
        {"agency": "UBND-T33", "period": "2026-13", "language": "vi"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Kỳ không hợp lệ." in response.content.decode()
    assert ProvincialReport.objects.count() == 0
