"""Authorization matrix of the admin: who may open it, and, for staff with view
permissions, that every changelist and change page is scoped to their agencies like
the dashboards (reference data excepted). The staff-URL matrix is in
test_authorization_matrix.py; the shared people are in matrix_shared.py.
"""

from __future__ import annotations

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
from invitations import services as invitation_services
from invitations.models import Invitation
from staff.models import StaffProfile
from surveys.models import Response
from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import PASSWORD
from tests.security.matrix_shared import HOME_NAMES, _login
from tests.security.urls import admin_urls


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
