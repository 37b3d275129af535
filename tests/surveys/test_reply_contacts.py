"""A phone or e-mail for a reply is stored apart from the answers and purged."""

from __future__ import annotations

import datetime

from django.core.management import call_command
from django.utils import timezone

from surveys import services
from surveys.models import ReplyContact, Response
from surveys.tasks import purge_reply_contacts_task
from tests.surveys.conftest import filled_form

URL = "/s/TTHCC-T33-Q1/"


def test_a_reply_contact_is_kept_apart_from_the_answers(citizen, counter, settings):
    settings.REPLY_CONTACT_RETENTION_DAYS = 30
    data = filled_form(
        citizen, URL, comment="Xin gọi lại", reply_contact="0912 345 678"
    )
    assert citizen.post(URL, data).status_code == 302
    response = Response.objects.get()
    contact = ReplyContact.objects.get()
    assert contact.response == response
    assert contact.agency == counter.agency
    assert (contact.kind, contact.value) == ("phone", "0912345678")
    assert contact.delete_after == timezone.localdate() + datetime.timedelta(days=30)
    assert "0912" not in response.comment
    assert "0912" not in str(list(response.answers.values_list()))


def test_an_email_is_accepted_as_a_reply_contact(citizen, counter):
    data = filled_form(
        citizen, URL, comment="Trả lời qua thư", reply_contact="an@example.vn"
    )
    citizen.post(URL, data)
    assert ReplyContact.objects.get().kind == "email"


def test_a_contact_without_a_comment_asks_for_the_comment(citizen, counter):
    page = citizen.post(URL, filled_form(citizen, URL, reply_contact="0912345678"))
    assert page.status_code == 200
    assert 'href="#id_comment"' in page.content.decode()
    assert Response.objects.count() == 0
    assert ReplyContact.objects.count() == 0


def test_a_resubmitted_form_does_not_store_a_second_contact(citizen, counter):
    data = filled_form(citizen, URL, comment="Gọi tôi", reply_contact="0912345678")
    citizen.post(URL, data)
    citizen.post(URL, data)
    assert ReplyContact.objects.count() == 1


def make_contact(response, **fields) -> ReplyContact:
    defaults = dict(kind="phone", value="0912345678", delete_after=timezone.localdate())
    return ReplyContact.objects.create(
        response=response, agency_id=response.agency_id, **{**defaults, **fields}
    )


def stored_response(version, agency) -> Response:
    return services.submit_response(
        version=version, agency_id=agency.pk, answers={"G": 4}, channel="truc_tiep"
    )


def test_the_purge_deletes_handled_and_expired_contacts_only(exit_version, centre):
    today = timezone.localdate()
    expired = make_contact(
        stored_response(exit_version, centre),
        delete_after=today - datetime.timedelta(days=1),
    )
    handled = make_contact(
        stored_response(exit_version, centre),
        delete_after=today + datetime.timedelta(days=10),
    )
    services.mark_reply_contact_handled(handled)
    waiting = make_contact(
        stored_response(exit_version, centre),
        delete_after=today + datetime.timedelta(days=10),
    )
    assert services.purge_reply_contacts() == 2
    assert list(ReplyContact.objects.values_list("pk", flat=True)) == [waiting.pk]
    assert not ReplyContact.objects.filter(pk__in=[expired.pk, handled.pk]).exists()
    assert Response.objects.count() == 3  # the answers stay


def test_the_purge_task_and_command_can_run_any_number_of_times(
    exit_version, centre, capsys
):
    make_contact(
        stored_response(exit_version, centre),
        delete_after=timezone.localdate() - datetime.timedelta(days=1),
    )
    assert purge_reply_contacts_task() == 1
    assert purge_reply_contacts_task() == 0
    call_command("purge_reply_contacts")
    assert "deleted 0" in capsys.readouterr().out


def test_the_purge_runs_every_night_on_beat(settings):
    entries = {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "surveys.tasks.purge_reply_contacts_task" in entries
