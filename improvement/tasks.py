"""Celery tasks of the improvement app: thin, JSON arguments, safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task

from improvement import alerts, effects, services
from improvement.models import Action
from sipas.celery import DATABASE_RETRY

log = logging.getLogger(__name__)


@shared_task(soft_time_limit=3000, time_limit=3600, **DATABASE_RETRY)
def after_recompute_task(periods: list[str]) -> dict[str, int]:
    """Follow-up of an index recompute (settings.SIPAS_AFTER_RECOMPUTE): bring
    the key drivers of the periods up to date; returns analyses per period."""
    return services.after_recompute(periods)


@shared_task(soft_time_limit=600, time_limit=720, **DATABASE_RETRY)
def measure_action_task(action_id: int) -> int:
    """Measure the effects of one action (after it is created or changed)."""
    action = Action.objects.select_related("agency").filter(pk=action_id).first()
    return effects.measure_action(action) if action else 0


@shared_task(soft_time_limit=600, time_limit=720, **DATABASE_RETRY)
def send_alert_digests_task() -> int:
    """Daily: the e-mail digest of new alerts, once per person per day."""
    return alerts.send_digests()


@shared_task(soft_time_limit=300, time_limit=360)
def build_provincial_report_task(report_id: str) -> str:
    """Build the DOCX and PDF of one ProvincialReport; returns its final status."""
    from improvement.models import ProvincialReport
    from improvement.provincial_report import build_report

    report = (
        ProvincialReport.objects.select_related("agency", "user")
        .filter(pk=report_id)
        .first()
    )
    if report is None:
        return "missing"
    try:
        build_report(report)
    except Exception:
        log.exception("provincial report %s failed", report_id)
        # Recorded on the job for the progress page; re-raising in eager mode
        # would turn the user's request into a 500.
        return ProvincialReport.Status.FAILED
    return report.status
