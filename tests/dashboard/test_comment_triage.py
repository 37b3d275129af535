"""Issue 17, comment triage: eligible assignees only, save in place (and without
JavaScript back to the card, a failed save keeping the note), a score badge,
worst first, procedure names, bulk status change (scoped, audit-logged)."""

import datetime

import pytest

from audit.models import AuditEvent
from dashboard.models import CommentReview
from tests.dashboard_fixtures import *  # noqa: F403

JSON = {"HTTP_ACCEPT": "application/json"}


def _review(client, response, extra=None, **data):
    return client.post(
        f"/dashboard/comments/{response.pk}/review/", data, **(extra or {})
    )


def _cards(page) -> dict:
    return {r.pk: r for r in page.context["responses"]}


@pytest.fixture
def later_commune(comments):
    """The commune's (satisfied) comment came a day after the department's."""
    comments["commune"].submitted_at += datetime.timedelta(days=1)
    comments["commune"].save(update_fields=["submitted_at"])
    return comments


def test_each_card_offers_only_the_people_who_may_take_that_comment(
    client, people, comments
):
    client.force_login(people["province_analyst"])
    cards = _cards(client.get("/dashboard/comments/?period=2026"))
    names = {pk: [name for _pk, name in r.assignees] for pk, r in cards.items()}
    # The commune's manager may take the commune's comment, not the department's;
    # the other province's analyst and the national viewer take none.
    assert names[comments["commune"].pk] == ["analyst33", "manager_x"]
    assert names[comments["department"].pk] == ["analyst33"]


def test_comments_come_worst_score_first_with_a_badge_and_the_sort_in_the_url(
    client, province_analyst, later_commune
):
    client.force_login(province_analyst)
    page = client.get("/dashboard/comments/?period=2026")
    assert [r.score for r in page.context["responses"]] == [2, 5]
    body = page.content.decode()
    assert "G: 2/5" in body and "G: 5/5" in body
    assert body.index("Phải chờ quá lâu") < body.index("Cán bộ xã hướng dẫn")
    newest = client.get("/dashboard/comments/?period=2026&sort=newest")
    assert [r.score for r in newest.context["responses"]] == [5, 2]
    assert 'value="newest" selected' in newest.content.decode()


def test_cards_name_the_procedure_not_only_its_code(client, province_analyst, comments):
    client.force_login(province_analyst)
    body = client.get("/dashboard/comments/?period=2026").content.decode()
    assert "Đăng ký kết hôn" in body


def test_a_plain_form_save_returns_to_its_card(client, province_analyst, comments):
    client.force_login(province_analyst)
    pk = comments["department"].pk
    back = "/dashboard/comments/?period=2026&status=new"
    response = _review(
        client, comments["department"], status="in_progress", note="Gọi lại", next=back
    )
    assert response.status_code == 302
    assert response["Location"] == f"{back}#c-{pk}"
    assert (
        f'id="c-{pk}"'
        in client.get(back.replace("new", "in_progress")).content.decode()
    )


def test_a_failed_plain_form_save_keeps_the_typed_note_and_says_why(
    client, province_analyst, comments
):
    client.force_login(province_analyst)
    _review(client, comments["department"], status="replied")
    pk = comments["department"].pk
    response = _review(
        client,
        comments["department"],
        status="new",
        note="Đã gọi điện, hẹn gặp thứ Hai",
        next="/dashboard/comments/?period=2026",
    )
    assert response["Location"].endswith(f"#c-{pk}")
    body = client.get(response["Location"].split("#")[0]).content.decode()
    assert 'value="Đã gọi điện, hẹn gặp thứ Hai"' in body
    assert "Chưa lưu: Không thể chuyển sang trạng thái này." in body
    # Shown once: the next visit shows what is saved.
    again = client.get("/dashboard/comments/?period=2026").content.decode()
    assert "hẹn gặp thứ Hai" not in again
    assert CommentReview.objects.get(response=comments["department"]).note == ""


def test_a_save_in_place_answers_json_for_the_cards_script(
    client, province_analyst, commune_manager, comments
):
    client.force_login(province_analyst)
    ok = _review(
        client,
        comments["commune"],
        JSON,
        status="in_progress",
        assignee=str(commune_manager.pk),
        note="Đang xác minh",
    )
    assert ok.status_code == 200
    assert ok.json() == {
        "ok": True,
        "message": "Đã cập nhật ý kiến.",
        "status": "in_progress",
        "status_label": "Đang xử lý",
        "assignee": "manager_x",
        "note": "Đang xác minh",
    }
    refused = _review(client, comments["commune"], JSON, status="bogus")
    assert refused.status_code == 400
    assert refused.json() == {"ok": False, "error": "Trạng thái không hợp lệ."}


def test_single_changes_are_audit_logged(client, province_analyst, comments):
    client.force_login(province_analyst)
    _review(client, comments["commune"], status="in_progress", note="x")
    event = AuditEvent.objects.get(object_type="dashboard.commentreview")
    assert event.actor == province_analyst
    assert event.detail == {
        "change": "comment_review",
        "status": ["new", "in_progress"],
        "note": True,
    }


def test_selected_comments_change_status_together_within_the_scope(
    client, province_analyst, comments
):
    client.force_login(province_analyst)
    ids = [str(comments[k].pk) for k in ("commune", "department", "foreign")]
    response = client.post(
        "/dashboard/comments/bulk/",
        {"ids": [*ids, "not-a-uuid"], "status": "in_progress", "next": "/x?y=1"},
    )
    assert response.status_code == 302
    assert set(CommentReview.objects.values_list("response__comment", "status")) == {
        ("Cán bộ xã hướng dẫn rất tận tình.", "in_progress"),
        ("Phải chờ quá lâu ở quầy.", "in_progress"),
    }
    events = AuditEvent.objects.filter(object_type="dashboard.commentreview")
    assert events.count() == 2
    assert {e.detail["status"][1] for e in events} == {"in_progress"}
    page = client.get(response["Location"].replace("/x?y=1", "/dashboard/comments/"))
    assert "Đã cập nhật 2 ý kiến." in page.content.decode()


def test_a_bulk_move_the_workflow_forbids_is_skipped_and_counted(
    client, province_analyst, comments
):
    client.force_login(province_analyst)
    _review(client, comments["department"], status="replied")
    ids = [str(comments["commune"].pk), str(comments["department"].pk)]
    client.post("/dashboard/comments/bulk/", {"ids": ids, "status": "new"})
    page = client.get("/dashboard/comments/").content.decode()
    assert "1 ý kiến không chuyển được sang trạng thái này." in page
    assert CommentReview.objects.get(response=comments["department"]).status == (
        "replied"
    )


def test_bulk_changes_are_refused_to_viewers_and_outside_the_scope(
    client, national_viewer, commune_manager, comments
):
    ids = [str(comments["commune"].pk), str(comments["department"].pk)]
    client.force_login(national_viewer)
    response = client.post(
        "/dashboard/comments/bulk/", {"ids": ids, "status": "replied"}
    )
    assert response.status_code == 403
    client.force_login(commune_manager)
    client.post("/dashboard/comments/bulk/", {"ids": ids, "status": "replied"})
    assert list(CommentReview.objects.values_list("response", "status")) == [
        (comments["commune"].pk, "replied")
    ]


def test_the_bulk_form_and_card_checkboxes_are_shown_to_editors_only(
    client, province_analyst, national_viewer, comments
):
    client.force_login(province_analyst)
    body = client.get("/dashboard/comments/").content.decode()
    assert 'id="bulk-form"' in body and 'form="bulk-form"' in body
    client.force_login(national_viewer)
    assert 'id="bulk-form"' not in client.get("/dashboard/comments/").content.decode()
