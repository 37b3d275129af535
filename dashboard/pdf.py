"""The PDF report of one agency and period, rendered with WeasyPrint.

The report reuses the agency-detail query (scope checked again with the job's
user at build time) and a print template; fonts are DejaVu (Debian's
fonts-dejavu-core), which covers Vietnamese diacritics.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone, translation

from dashboard.agency import agency_detail
from dashboard.filters import Filters
from dashboard.models import ReportJob
from sipas.replica import replica_reads


def _progress(job: ReportJob, percent: int, message: str, **extra) -> None:
    job.progress = percent
    job.message = message
    fields = ["progress", "message", "updated_at"]
    for name, value in extra.items():
        setattr(job, name, value)
        fields.append(name)
    job.save(update_fields=fields)


def build_report_pdf(job: ReportJob) -> None:
    """Render the job's report into job.pdf, updating progress on the way.

    Safe to run twice: a finished job is left as it is. Any failure marks the job
    failed with a short message instead of leaving it "running" forever.
    """
    if job.status == ReportJob.Status.DONE:
        return
    from weasyprint import HTML  # heavy import, only in the worker

    try:
        with translation.override("vi"):
            _progress(job, 10, "Đang đọc số liệu", status=ReportJob.Status.RUNNING)
            filters = Filters(period=job.period, questionnaire=job.questionnaire)
            with replica_reads():  # figures from the replica; the job on the primary
                data = agency_detail(job.user, filters, job.agency.code)
            _progress(job, 40, "Đang dựng trang")
            html = render_to_string(
                "dashboard/pdf_report.html",
                {**data, "filters": filters, "generated_at": timezone.now()},
            )
            _progress(job, 60, "Đang tạo PDF")
            pdf = HTML(string=html).write_pdf()
        _progress(job, 100, "Hoàn tất", status=ReportJob.Status.DONE, pdf=pdf)
    except Exception as exc:  # the job must end visibly, whatever went wrong
        _progress(
            job,
            job.progress,
            f"Lỗi: {type(exc).__name__}",
            status=ReportJob.Status.FAILED,
        )
        raise
