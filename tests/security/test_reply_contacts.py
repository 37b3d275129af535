"""Reply contacts (phone/e-mail left with a comment) are purged on schedule."""

import datetime

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings

from sipas.celery import app
from surveys.models import ReplyContact
from surveys.services import attach_reply_contact, mark_reply_contact_handled
from surveys.tasks import purge_reply_contacts_task
from tests.reliability.engine import store_random_responses

PURGE = "surveys.tasks.purge_reply_contacts_task"


def test_the_purge_is_in_the_beat_schedule_at_least_daily():
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == PURGE]
    assert len(entries) == 1
    schedule = entries[0]["schedule"]
    assert isinstance(schedule, crontab)
    assert schedule.day_of_week == set(range(7)) and len(schedule.hour) >= 1
    app.loader.import_default_modules()
    assert PURGE in app.tasks


@pytest.mark.django_db
def test_the_scheduled_task_deletes_handled_and_expired_contacts_only(
    centre, exit_version
):
    start = datetime.datetime(2026, 11, 1, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        store_random_responses(exit_version, centre.pk, 3)
        old, handled, fresh = exit_version.responses.order_by("submitted_at")
        attach_reply_contact(old, kind="phone", value="0912345678")
        clock.shift(datetime.timedelta(days=settings.REPLY_CONTACT_RETENTION_DAYS))
        attach_reply_contact(handled, kind="email", value="dan@example.vn")
        attach_reply_contact(fresh, kind="phone", value="0987654321")
        mark_reply_contact_handled(handled.reply_contact)
        clock.shift(datetime.timedelta(days=2))
        deleted = purge_reply_contacts_task.apply().get()
    assert deleted == 2
    assert list(ReplyContact.objects.values_list("value", flat=True)) == ["0987654321"]
