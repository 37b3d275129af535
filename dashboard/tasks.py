"""Celery tasks of the staff app: thin wrappers, JSON arguments, safe twice."""

from __future__ import annotations

import logging

from celery import shared_task

from dashboard.models import ReportJob
from dashboard.pdf import build_report_pdf

log = logging.getLogger(__name__)


@shared_task(soft_time_limit=300, time_limit=360)
def build_report_task(job_id: str) -> str:
    """Build the PDF of one ReportJob; returns its final status."""
    job = ReportJob.objects.select_related("agency", "user").filter(pk=job_id).first()
    if job is None:
        return "missing"
    try:
        build_report_pdf(job)
    except Exception:
        log.exception("PDF report %s failed", job_id)
        # The failure is recorded on the job for the progress page; re-raising in
        # eager mode would turn the user's request into a 500.
        return ReportJob.Status.FAILED
    return job.status
