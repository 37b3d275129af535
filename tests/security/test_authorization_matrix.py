"""Authorization matrix over EVERY staff URL the resolver knows, and the admin.

The URLs are not listed by hand: they come from walking the URL resolver, so a
page added later is checked too (and this test fails if it cannot fill in one of
its parameters). People: an anonymous visitor, `other_analyst` (staff of another
province, province 01), `entitled` (the provincial analyst of province 33, who
also prints posters) and, for the admin, a superuser and a staff clerk with no
permissions. Finer role-by-role expectations for the dashboards are in
tests/dashboard/test_dashboard_access.py; this matrix guarantees nothing is missed.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from dashboard.models import CommentReview, ReportJob, TransactionVolume
from improvement.models import (
    Action,
    ActionEvidence,
    ActionNote,
    Alert,
    ProvincialReport,
    Target,
)
from tests.dashboard_fixtures import *  # noqa: F403
from tests.security.matrix_shared import HOME_NAMES, LOGIN_PAGES, _login
from tests.security.urls import staff_urls


@pytest.fixture
def other_province(other_analyst):
    other_analyst.is_staff = True
    other_analyst.save()
    return other_analyst


@pytest.fixture
def paper_batch(agencies, exit_version):
    from api.models import PaperBatch
    from surveys import services

    yield PaperBatch.objects.create(
        agency=agencies["TTHCC-X12133"],
        version=exit_version,
        label="Lô 33",
        double_entry=True,
    )
    # The paper entry page caches the items of this skeleton version by its id,
    # which a later test's real questionnaire may get again.
    services._items_cache.clear()


@pytest.fixture
def improvement_action(entitled, agencies, settings, tmp_path):
    """An action of the commune with an evidence file (MEDIA_ROOT in tmp)."""
    import datetime

    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    action = Action.objects.create(
        title="Giải pháp của xã Mẫu",
        agency=agencies["UBND-X12133"],
        start_date=datetime.date(2026, 3, 1),
        due_date=datetime.date(2026, 6, 30),
    )
    evidence = ActionEvidence(
        action=action, name="bien-ban.pdf", content_type="application/pdf", size=9
    )
    evidence.file.save("bien-ban.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    return action


@pytest.fixture
def alert_and_target(agencies):
    alert = Alert.objects.create(
        agency=agencies["UBND-X12133"],
        period="2026",
        indicator="A_DV",
        reasons=["drop_previous"],
    )
    target = Target.objects.create(
        province_code="33", year=2026, indicator="A_DV", value=85
    )
    return alert, target


@pytest.fixture
def provincial_report(entitled, agencies):
    return ProvincialReport.objects.create(
        user=entitled,
        agency=agencies["UBND-T33"],
        period="2026",
        status=ProvincialReport.Status.DONE,
        progress=100,
        docx=b"PK\x03\x04 finished report",
        pdf=b"%PDF-1.4 finished report",
    )


@pytest.fixture
def samples(
    agencies,
    comments,
    report_job,
    improvement_action,
    alert_and_target,
    provincial_report,
    paper_batch,
):
    """What each URL parameter is filled with: always something of province 33."""
    values = {
        "code": "UBND-X12133",
        "province_code": "33",
        "fmt": "svg",
        "token": "khong-co",
        "action_id": improvement_action.pk,
        "evidence_id": improvement_action.evidence.get().pk,
        "alert_id": alert_and_target[0].pk,
        "target_id": alert_and_target[1].pk,
        "report_id": provincial_report.pk,
        "file_format": "docx",
    }

    def sample(route: str, name: str) -> str | None:
        if name == "pk":
            if route.startswith("paper/"):
                return str(paper_batch.pk)
            return str(report_job.pk if "report" in route else comments["commune"].pk)
        return values.get(name)

    return sample


def _urls(samples) -> list[str]:
    urls, missing = staff_urls(samples)
    assert missing == [], "add a sample value for these parameters"
    return urls


def _targets_province_33(url: str) -> bool:
    if re.match(r"^/paper/\d+/", url):  # a paper batch of TTHCC-X12133
        return True
    if re.search(r"/improvement/(actions|alerts|targets)/\d+/", url):
        return True
    return any(part in url for part in ("X12133", "/33.", "/report/", "/review/"))


def _writes() -> tuple[int, ...]:
    from api.models import PaperBatch, PaperEntry

    return (
        CommentReview.objects.count(),
        TransactionVolume.objects.count(),
        ReportJob.objects.count(),
        ProvincialReport.objects.count(),
        Action.objects.count(),
        Action.objects.exclude(status="proposed").count(),
        ActionNote.objects.count(),
        ActionEvidence.objects.count(),
        Alert.objects.exclude(status="open").count(),
        Target.objects.count(),
        PaperBatch.objects.count(),
        PaperEntry.objects.count(),
    )


def test_the_matrix_covers_the_dashboards_and_the_posters(samples):
    urls = _urls(samples)
    assert any(u.startswith("/dashboard/") for u in urls)
    assert any(u.startswith("/dashboard/improvement/actions/") for u in urls)
    assert any(u.startswith("/posters/") for u in urls)
    assert len(urls) >= 10


def test_anonymous_visitors_are_sent_to_a_login_page_from_every_staff_url(
    client, samples
):
    for url in _urls(samples):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(LOGIN_PAGES), url


def test_staff_of_another_province_get_nothing_of_this_province(
    samples, other_province
):
    client = _login(other_province)
    for url in _urls(samples):
        response = client.get(url)
        if _targets_province_33(url):
            assert response.status_code in (403, 404, 405), url
        else:
            assert response.status_code in (200, 405), url
        if not getattr(response, "streaming", False):
            body = response.content.decode("utf-8", "replace")
            for name in HOME_NAMES:
                assert name not in body, (url, name)


def test_staff_of_another_province_cannot_change_anything_here(
    samples, other_province, agencies
):
    client = _login(other_province)
    before = _writes()
    payload = {
        "agency": "UBND-X12133",
        "period": "2026",
        "questionnaire": "exit-dv",
        "status": "replied",
        "note": "không được phép",
        "count": "1000",
        "text": "không được phép",
        "title": "Giải pháp giả mạo",
        "start_date": "2026-01-01",
        "due_date": "2026-12-31",
    }
    for url in _urls(samples):
        response = client.post(url, payload)
        assert response.status_code != 500, url
        assert _writes() == before, url


def test_the_entitled_analyst_opens_every_staff_url(samples, entitled):
    client = _login(entitled)
    for url in _urls(samples):
        response = client.get(url)
        # 405: a POST-only action opened with GET.
        assert response.status_code in (200, 302, 405), url
        if response.status_code == 302:
            assert not response["Location"].startswith(LOGIN_PAGES), url
        # Pages and exports may show reply contacts: never cached.
        assert "no-store" in response.get("Cache-Control", ""), url


# --- The dashboards' agency picker (issue 17): a JSON read, scope-checked ------------


def test_the_agency_picker_tells_another_provinces_staff_nothing_of_this_province(
    client, samples, other_province, entitled
):
    url = reverse("dashboard:agency_search")
    assert url in _urls(samples)  # the walk above covers it too
    outsider, insider = _login(other_province), _login(entitled)
    for text in ("hung yen", "Hưng Yên", "mau", "UBND-X12133", "UBND", "33"):
        answer = outsider.get(url, {"q": text})
        assert answer.status_code == 200, text
        for name in HOME_NAMES:
            assert name not in answer.content.decode(), (text, name)
        assert "T33" not in answer.content.decode() and "X12133" not in (
            answer.content.decode()
        )
    assert {a["code"] for a in insider.get(url, {"q": "mau"}).json()["results"]} == {
        "UBND-X12133",
        "TTHCC-X12133",
    }
    response = client.get(url, {"q": "hung yen"})
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_PAGES)


def test_another_provinces_staff_cannot_bulk_change_this_provinces_comments(
    samples, other_province, comments
):
    client = _login(other_province)
    before = _writes()
    events = AuditEvent.objects.count()
    ids = [str(response.pk) for response in comments.values()]
    response = client.post(
        reverse("dashboard:bulk_review"), {"ids": ids, "status": "replied"}
    )
    assert response.status_code == 302
    # Only the other province's own comment moved; nothing of province 33.
    assert _writes()[0] == before[0] + 1
    assert list(CommentReview.objects.values_list("response", flat=True)) == [
        comments["foreign"].pk
    ]
    assert AuditEvent.objects.count() == events + 1
