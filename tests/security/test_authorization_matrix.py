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
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from api.models import (
    ApiToken,
    InvitationDelivery,
    WebhookDelivery,
    WebhookSubscription,
)
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
from invitations import services as invitation_services
from invitations.models import Invitation
from staff.models import StaffProfile
from surveys.models import Response
from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import PASSWORD
from tests.security.urls import admin_urls, staff_urls

HOME_NAMES = ("Hưng Yên", "xã Mẫu")  # only in province 33's data
LOGIN_PAGES = ("/accounts/login/", "/admin/login/")


@pytest.fixture
def entitled(province_analyst):
    """Staff without the admin's is_staff flag: dashboards and posters all open."""
    assert not province_analyst.is_staff
    return province_analyst


@pytest.fixture
def other_province(other_analyst):
    other_analyst.is_staff = True
    other_analyst.save()
    return other_analyst


@pytest.fixture
def report_job(entitled, agencies):
    return ReportJob.objects.create(
        user=entitled,
        agency=agencies["UBND-T33"],
        period="2026",
        questionnaire="exit-dv",
        status=ReportJob.Status.DONE,
        progress=100,
        pdf=b"%PDF-1.4 finished report",
    )


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


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


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


@pytest.mark.django_db
def test_the_admin_is_for_administrators_only(agencies, comments, other_analyst):
    superuser = get_user_model().objects.create_superuser(
        "sieu.quan.tri", "sqt@example.vn", PASSWORD
    )
    clerk = get_user_model().objects.create_user(
        "thu.ky", "tk@example.vn", PASSWORD, is_staff=True
    )
    anonymous, outsider = Client(), _login(other_analyst)
    admin_client, clerk_client = _login(superuser), _login(clerk)
    for url in admin_urls():
        for client in (anonymous, outsider):
            response = client.get(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith("/admin/login/"), url
        if url != "/admin/":
            refused = clerk_client.get(url)
            assert refused.status_code in (302, 403, 404), url
            if refused.status_code == 302:  # the admin sends it back to its index
                assert refused["Location"] == "/admin/", url
        answer = admin_client.get(url)
        status = answer.status_code
        assert "no-store" in answer.get("Cache-Control", ""), url
        if url.endswith("/"):
            assert status in (200, 403), url  # 403: read-only (audit, published)
        if "/add/" not in url and "/delete/" not in url and "/change/" not in url:
            assert status == 200, url


# --- The admin for staff with view permissions ---------------------------------------
# Reference data is public (the citizen's start page lists every agency); every other
# admin list holds rows of particular agencies and is scoped like the dashboards.
PUBLIC_ADMIN_MODELS = {
    "agencies.administrativeunit",
    "agencies.agency",
    "agencies.servicepoint",
    "agencies.procedure",
    "surveys.questionnaire",
    "surveys.questionnaireversion",
    "surveys.item",
    "auth.group",
}
# Login attempts: every user's name and raw address, for superusers only.
SUPERUSER_ADMIN_MODELS = {
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
}
SECRET_NOTE = "GHI-CHU-NOI-BO-33"
SECRET_EVENT = "SU-KIEN-NOI-BO-33"


@pytest.fixture
def scoped_admin_viewer(other_analyst):
    """Staff of province 01 with the admin flag and every view permission."""
    other_analyst.is_staff = True
    other_analyst.save()
    other_analyst.user_permissions.set(
        Permission.objects.filter(codename__startswith="view_")
    )
    return other_analyst


@pytest.fixture
def private_rows(agencies, comments, report_job, entitled, commune_manager):
    """One row of province 33 in every scoped admin, each model to its row."""
    review = CommentReview.objects.create(
        response=comments["commune"], note=SECRET_NOTE, assignee=commune_manager
    )
    volume = TransactionVolume.objects.create(
        agency=agencies["SNV-T33"], period="2026", count=7654321
    )
    event = AuditEvent.objects.create(
        actor=entitled,
        actor_name=entitled.username,
        action=AuditEvent.Action.OTHER,
        object_repr=SECRET_EVENT,
    )
    invitation = invitation_services.create_invitation(
        dossier_code="000.00.53.H48-220921-0777", agency=agencies["TTHCC-X12133"]
    ).invitation
    token = ApiToken.objects.create(
        name="Một cửa xã Mẫu", agency=agencies["UBND-X12133"], key_hash="0" * 64
    )
    subscription = WebhookSubscription.objects.create(
        token=token, url="https://x.example.vn/", events=[], secret="s"
    )
    webhook = WebhookDelivery.objects.create(
        subscription=subscription, event="invitation.answered", payload={}
    )
    sending = InvitationDelivery.objects.create(
        invitation=invitation, channel="sms", contact="0912345678"
    )
    return {
        ApiToken: token,
        WebhookDelivery: webhook,
        InvitationDelivery: sending,
        CommentReview: review,
        TransactionVolume: volume,
        ReportJob: report_job,
        AuditEvent: event,
        StaffProfile: StaffProfile.objects.get(user=entitled),
        get_user_model(): entitled,
        Response: comments["commune"],
        Invitation: invitation,
    }


def _label(model) -> str:
    return model._meta.label_lower


def _changelists() -> list[str]:
    return [
        reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist")
        for m in admin.site._registry
    ]


def test_every_admin_model_is_either_reference_data_or_scoped(private_rows):
    for model in admin.site._registry:
        label = _label(model)
        assert (
            label in PUBLIC_ADMIN_MODELS
            or label in SUPERUSER_ADMIN_MODELS
            or model in private_rows
        ), f"{_label(model)}: add it to PUBLIC_ADMIN_MODELS or scope its admin"


def test_a_scoped_admin_viewer_sees_no_other_provinces_rows_in_any_list(
    scoped_admin_viewer, private_rows
):
    client = _login(scoped_admin_viewer)
    secrets = [
        SECRET_NOTE,
        SECRET_EVENT,
        "7654321",
        "7.654.321",
        "7,654,321",
        "analyst33",
        "manager_x",
        "Cán bộ xã hướng dẫn",
    ]
    for url in _changelists():
        response = client.get(url)
        label = url.split("/")[2] + "." + url.split("/")[3]
        if label in SUPERUSER_ADMIN_MODELS:
            assert response.status_code == 403, url
            continue
        assert response.status_code == 200, url
        body = response.content.decode()
        for secret in secrets:
            assert secret not in body, (url, secret)
        if label not in PUBLIC_ADMIN_MODELS:
            for name in HOME_NAMES:
                assert name not in body, (url, name)


def test_a_scoped_admin_viewer_opens_no_change_page_of_another_province(
    scoped_admin_viewer, private_rows
):
    client = _login(scoped_admin_viewer)
    for model, row in private_rows.items():
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        for page in ("change", "history"):
            url = reverse(f"{name}_{page}", args=[row.pk])
            response = client.get(url)
            assert response.status_code in (302, 403, 404), url
            if response.status_code == 302:
                assert response["Location"] == "/admin/", url


def test_the_provinces_own_staff_see_its_rows_in_the_admin(entitled, private_rows):
    # The control: the same pages do show these rows to province 33's analyst.
    entitled.is_staff = True
    entitled.save()
    entitled.user_permissions.set(
        Permission.objects.filter(codename__startswith="view_")
    )
    client = _login(entitled)
    for model, row in private_rows.items():
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        url = reverse(f"{name}_change", args=[row.pk])
        assert client.get(url).status_code == 200, url
    assert (
        SECRET_NOTE
        in client.get(
            reverse("admin:dashboard_commentreview_changelist")
        ).content.decode()
        or SECRET_NOTE
        in client.get(
            reverse(
                "admin:dashboard_commentreview_change",
                args=[private_rows[CommentReview].pk],
            )
        ).content.decode()
    )


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
