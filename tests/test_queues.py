"""Celery work is split over three queues so a long PDF report or a slow mail
server never delays an index sweep (settings.CELERY_TASK_ROUTES)."""

import pytest

from sipas.celery import app


def queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


@pytest.mark.parametrize(
    "task_name",
    [
        "reports.tasks.sweep_dirty_task",
        "reports.tasks.sweep_breakdowns_task",
        "reports.tasks.recompute_period_task",
        "reports.tasks.recompute_recent_periods_task",
        "surveys.tasks.purge_reply_contacts_task",
    ],
)
def test_engine_work_goes_to_the_engine_queue(task_name):
    assert queue_of(task_name) == "engine"


def test_pdf_reports_go_to_the_reports_queue():
    assert queue_of("dashboard.tasks.build_report_task") == "reports"


@pytest.mark.parametrize(
    "task_name", ["api.tasks.deliver_webhook_task", "invitations.tasks.send_invitation"]
)
def test_mail_and_webhooks_go_to_the_mail_queue(task_name):
    assert queue_of(task_name) == "mail"


def test_every_registered_task_has_a_declared_queue():
    app.loader.import_default_modules()
    declared = {queue.name for queue in app.conf.task_queues}
    assert declared == {"engine", "reports", "mail"}
    for name in app.tasks:
        if not name.startswith("celery."):
            assert queue_of(name) in declared, name
