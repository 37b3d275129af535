"""Staff work: reviewing comments, entering volumes, PDF reports, logins."""

import datetime

import pytest
from django.core.management import call_command

from dashboard.models import CommentReview, ReportJob, TransactionVolume
from staff.models import StaffProfile
from surveys.models import ReplyContact
from tests.dashboard_fixtures import *  # noqa: F403


def _review(client, response, **data):
    return client.post(f"/dashboard/comments/{response.pk}/review/", data)


def test_an_analyst_takes_a_comment_through_the_workflow(
    client, province_analyst, commune_manager, comments
):
    client.force_login(province_analyst)
    response = _review(
        client,
        comments["commune"],
        status="in_progress",
        assignee=str(commune_manager.pk),
        note="Đã liên hệ",
    )
    assert response.status_code == 302
    review = CommentReview.objects.get(response=comments["commune"])
    assert (review.status, review.assignee, review.note) == (
        "in_progress",
        commune_manager,
        "Đã liên hệ",
    )
    _review(client, comments["commune"], status="replied", assignee="")
    review.refresh_from_db()
    assert review.status == "replied"
    page = client.get("/dashboard/comments/?status=replied")
    assert [r.pk for r in page.context["responses"]] == [comments["commune"].pk]


def test_a_move_the_workflow_does_not_allow_is_refused_with_a_message(
    client, province_analyst, comments
):
    client.force_login(province_analyst)
    _review(client, comments["department"], status="replied")
    _review(client, comments["department"], status="new")
    assert (
        CommentReview.objects.get(response=comments["department"]).status == "replied"
    )
    page = client.get("/dashboard/comments/")
    assert "Không thể chuyển sang trạng thái này." in page.content.decode()


def test_a_comment_cannot_be_assigned_to_staff_of_another_agency(
    client, province_analyst, other_analyst, comments
):
    client.force_login(province_analyst)
    _review(client, comments["commune"], status="new", assignee=str(other_analyst.pk))
    assert not CommentReview.objects.filter(assignee=other_analyst).exists()


def test_viewers_may_not_review_and_nobody_reviews_outside_their_scope(
    client, national_viewer, commune_manager, comments
):
    client.force_login(national_viewer)
    assert _review(client, comments["commune"], status="replied").status_code == 403
    client.force_login(commune_manager)
    assert _review(client, comments["department"], status="replied").status_code == 404
    assert not CommentReview.objects.exists()


def test_reply_contacts_are_shown_only_to_the_agencys_own_staff(
    client, province_analyst, commune_manager, comments
):
    ReplyContact.objects.create(
        response=comments["commune"],
        agency=comments["commune"].agency,
        kind="phone",
        value="0912345678",
        delete_after=datetime.date(2027, 1, 1),
    )
    client.force_login(commune_manager)
    assert "0912345678" in client.get("/dashboard/comments/").content.decode()
    client.force_login(province_analyst)
    page = client.get("/dashboard/comments/").content.decode()
    assert "Cán bộ xã hướng dẫn" in page
    assert "0912345678" not in page
    export = client.get("/dashboard/comments/?export=csv&table=comments")
    assert b"0912345678" not in b"".join(export.streaming_content)


def test_comments_are_found_by_text_and_by_item_score(
    client, province_analyst, comments
):
    client.force_login(province_analyst)
    found = client.get("/dashboard/comments/?q=qu%E1%BA%A7y").context["responses"]
    assert [r.pk for r in found] == [comments["department"].pk]
    low = client.get("/dashboard/comments/?item=E3.1&score=2").context["responses"]
    assert [r.pk for r in low] == [comments["department"].pk]


def test_an_analyst_enters_a_volume_and_sees_the_slovin_target(
    client, province_analyst, index_results
):
    client.force_login(province_analyst)
    response = client.post(
        "/dashboard/sample/volume/",
        {"agency": "SNV-T33", "period": "2026", "count": "10000"},
    )
    assert response.status_code == 302
    page = client.get("/dashboard/sample/?period=2026&kind=so")
    row = next(r for r in page.context["rows"] if r["agency"].code == "SNV-T33")
    assert (row["volume"], row["target"], row["responses"]) == (10000, 385, 400)
    assert row["adequate"]
    # reaching Slovin's n is not representativeness: 400 of 10,000 answered
    assert row["response_rate"] == 4.0
    assert "4,0 %" in page.content.decode() or "4.0 %" in page.content.decode()
    client.post(
        "/dashboard/sample/volume/",
        {"agency": "SNV-T33", "period": "2026", "count": "12000"},
    )
    assert TransactionVolume.objects.get().count == 12000


@pytest.mark.parametrize(
    "count, message",
    [
        ("-5", "Số giao dịch phải là số nguyên"),
        ("many", "Số giao dịch phải là số nguyên"),
        ("", "Số giao dịch phải là số nguyên"),
        ("²", "Số giao dịch phải là số nguyên"),
        ("10²⁰", "Số giao dịch phải là số nguyên"),
        ("100000000000000000000", "Số giao dịch phải là số nguyên"),
        ("1000000000000", "Số giao dịch quá lớn"),
    ],
)
def test_a_malformed_volume_is_refused_with_a_message(
    client, province_analyst, count, message
):
    client.force_login(province_analyst)
    response = client.post(
        "/dashboard/sample/volume/",
        {"agency": "SNV-T33", "period": "2026", "count": count},
    )
    assert response.status_code == 302
    assert not TransactionVolume.objects.exists()
    assert message in client.get("/dashboard/sample/").content.decode()


@pytest.mark.parametrize("assignee", ["²", "١", "99999999999999999999999"])
def test_a_malformed_assignee_is_refused_not_a_500(
    client, province_analyst, comments, assignee
):
    client.force_login(province_analyst)
    response = _review(client, comments["commune"], status="new", assignee=assignee)
    assert response.status_code == 302
    review = CommentReview.objects.filter(response=comments["commune"]).first()
    assert review is None or review.assignee is None


def test_nobody_enters_volumes_outside_their_scope(client, commune_manager, agencies):
    client.force_login(commune_manager)
    response = client.post(
        "/dashboard/sample/volume/",
        {"agency": "SNV-T33", "period": "2026", "count": "5"},
    )
    assert response.status_code == 404
    assert not TransactionVolume.objects.exists()


def test_a_pdf_report_is_built_with_visible_progress(
    client,
    province_analyst,
    commune_manager,
    index_results,
    django_capture_on_commit_callbacks,
):
    from dashboard.tasks import build_report_task

    client.force_login(province_analyst)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            "/dashboard/report/", {"agency": "UBND-T33", "period": "2026"}
        )
    assert len(callbacks) == 1  # the task is enqueued once the job row is committed
    job = ReportJob.objects.get()
    assert response["Location"] == f"/dashboard/report/{job.pk}/"
    assert client.get(f"/dashboard/report/{job.pk}/status/").json()["progress"] == 0
    # What the worker (or eager mode) runs:
    assert build_report_task(str(job.pk)) == "done"
    status = client.get(f"/dashboard/report/{job.pk}/status/").json()
    assert (status["status"], status["progress"]) == ("done", 100)
    assert (
        "report-progress" in client.get(f"/dashboard/report/{job.pk}/").content.decode()
    )
    pdf = client.get(status["download"])
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    # Another person cannot see the job, even one who may see the agency.
    client.force_login(commune_manager)
    assert client.get(f"/dashboard/report/{job.pk}/status/").status_code == 404


def test_a_report_for_an_agency_outside_the_scope_is_not_found(
    client, commune_manager, agencies
):
    client.force_login(commune_manager)
    response = client.post(
        "/dashboard/report/", {"agency": "UBND-T01", "period": "2026"}
    )
    assert response.status_code == 404
    assert not ReportJob.objects.exists()


def test_demo_users_are_created_once_per_role_and_printed(agencies, capsys):
    call_command("create_demo_users")
    call_command("create_demo_users")
    out = capsys.readouterr().out
    assert "demo.sonoivu" in out and "sipas-demo-2026" in out
    roles = dict(StaffProfile.objects.values_list("user__username", "role"))
    assert roles == {
        "demo.quocgia": "national_viewer",
        "demo.sonoivu": "provincial_analyst",
        "demo.coquan": "agency_manager",
        "demo.quantri": "administrator",
    }


def test_the_login_page_is_in_vietnamese_and_staff_can_log_in(client, agencies):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("canbo", "canbo@example.vn", "Mat-khau-2026!")
    page = client.get("/accounts/login/?next=/dashboard/")
    assert "Đăng nhập cán bộ" in page.content.decode()
    response = client.post(
        "/accounts/login/",
        {"username": "canbo", "password": "Mat-khau-2026!", "next": "/dashboard/"},
    )
    assert response["Location"] == "/dashboard/"


def test_a_password_reset_is_sent_by_mail(client, agencies, mailoutbox):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("canbo", "canbo@example.vn", "Mat-khau-2026!")
    response = client.post("/accounts/password_reset/", {"email": "canbo@example.vn"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == "Đặt lại mật khẩu SIPAS"
    assert "/accounts/reset/" in mailoutbox[0].body


def test_a_failed_pdf_build_ends_visibly_instead_of_running_forever(
    province_analyst, agencies, monkeypatch
):
    from dashboard import pdf
    from dashboard.tasks import build_report_task

    job = ReportJob.objects.create(
        user=province_analyst,
        agency=agencies["UBND-T33"],
        period="2026",
        questionnaire="exit-dv",
    )

    def broken(*args, **kwargs):
        raise RuntimeError("template exploded")

    monkeypatch.setattr(pdf, "render_to_string", broken)
    assert build_report_task(str(job.pk)) == "failed"
    job.refresh_from_db()
    assert job.status == "failed"
    assert "RuntimeError" in job.message


def test_password_resets_are_throttled_per_client_and_per_address(
    client, agencies, mailoutbox, settings
):
    from django.contrib.auth import get_user_model
    from django.core.cache import cache

    cache.clear()
    settings.PASSWORD_RESET_LIMIT = 3
    settings.PASSWORD_RESET_EMAIL_LIMIT = 2
    get_user_model().objects.create_user("canbo", "canbo@example.vn", "Mat-khau-2026!")
    url = "/accounts/password_reset/"
    sent = [client.post(url, {"email": "canbo@example.vn"}) for _ in range(3)]
    assert [r.status_code for r in sent] == [302, 302, 429]
    assert "quá nhiều yêu cầu" in sent[-1].content.decode()
    assert len(mailoutbox) == 2
    # The same address from elsewhere is still refused; another client's own
    # requests are counted apart.
    elsewhere = _client_at("203.0.113.9")
    assert elsewhere.post(url, {"email": "CanBo@example.vn"}).status_code == 429
    for _ in range(2):  # its fourth request in the hour is refused
        assert elsewhere.post(url, {"email": "x@example.vn"}).status_code == 302
    assert elsewhere.post(url, {"email": "x@example.vn"}).status_code == 429
    assert len(mailoutbox) == 2


def _client_at(address: str):
    from django.test import Client

    return Client(REMOTE_ADDR=address)


def test_demo_logins_point_at_the_address_the_demo_serves(agencies, capsys, settings):
    settings.SITE_URL = "http://0.0.0.0:8123"
    call_command("create_demo_users")
    out = capsys.readouterr().out
    assert "http://0.0.0.0:8123/accounts/login/" in out and ":8000" not in out
