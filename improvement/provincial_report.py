"""The provincial report of a period: headline with interval and change, ranking
of departments and of communes, key drivers, actions and their measured effects,
citizens' comments, response rates and a method annex. One set of figures
(``report_data``, read within the scope of the person who asked for it) rendered
twice: an editable DOCX (python-docx) and a PDF (WeasyPrint, like the agency PDF
reports). Built by improvement.tasks.build_provincial_report_task.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies.models import Agency
from dashboard.models import TransactionVolume
from improvement import comment_themes
from improvement.models import Action, DriverRun, ProvincialReport
from reports.indices import SMALL_SAMPLE_N as MIN_N
from reports.models import IndexResult
from sipas.periods import parse_period, previous_period
from staff.scope import get_visible_agency, visible_agencies
from surveys.metadata import element_label
from surveys.models import Answer, Response

HEADLINE = "A_DV"
COMMUNE_KINDS = (Agency.Kind.PEOPLES_COMMITTEE_COMMUNE,)
FUNNEL = 10  # communes shown at each end of their ranking


@dataclass(frozen=True)
class Ranked:
    rank: int | None
    agency: Agency
    value: float | None
    n: int
    low: float | None
    high: float | None


def _headline_rows(agencies, period: str):
    return IndexResult.objects.filter(
        agency__in=agencies,
        period=period,
        questionnaire="exit-dv",
        scope=IndexResult.Scope.SUBTREE,
        dimension="",
        dimension_value="",
        indicator=HEADLINE,
    ).select_related("agency")


def _ranking(rows) -> list[Ranked]:
    ranked = sorted(
        (r for r in rows if r.value is not None and r.n >= MIN_N),
        key=lambda r: -r.value,
    )
    small = [r for r in rows if r.value is None or r.n < MIN_N]
    out = [
        Ranked(i, r.agency, r.value, r.n, r.ci_low, r.ci_high)
        for i, r in enumerate(ranked, start=1)
    ]
    return out + [
        Ranked(None, r.agency, r.value, r.n, r.ci_low, r.ci_high) for r in small
    ]


def report_data(user: AbstractBaseUser, code: str, period: str) -> dict:
    """Every figure of the report, within the user's scope (Http404 outside)."""
    root = get_visible_agency(user, code)
    subtree = visible_agencies(user).filter(path__startswith=root.path)
    current = {r.agency_id: r for r in _headline_rows([root], period)}
    previous = {r.agency_id: r for r in _headline_rows([root], previous_period(period))}
    headline, before = current.get(root.pk), previous.get(root.pk)
    departments = _ranking(
        list(_headline_rows(subtree.filter(kind=Agency.Kind.DEPARTMENT), period))
    )
    communes = _ranking(
        list(_headline_rows(subtree.filter(kind__in=COMMUNE_KINDS), period))
    )
    ranked_communes = [c for c in communes if c.rank is not None]
    funnel = (
        ranked_communes
        if len(ranked_communes) <= 2 * FUNNEL
        else ranked_communes[:FUNNEL] + ranked_communes[-FUNNEL:]
    )
    run = (
        DriverRun.objects.filter(
            agency=root,
            period=period,
            scope=DriverRun.Scope.SUBTREE,
            level=DriverRun.Level.ELEMENT,
        )
        .prefetch_related("weights")
        .first()
    )
    drivers = sorted(run.weights.all(), key=lambda w: -w.share) if run else []
    actions = list(
        Action.objects.filter(agency__in=subtree)
        .exclude(status=Action.Status.CANCELLED)
        .select_related("agency")
        .prefetch_related("effects")
        .order_by("status", "agency__name", "due_date")
    )
    start, end = parse_period(period).bounds()
    responses = Response.objects.filter(
        agency__in=subtree, submitted_at__gte=start, submitted_at__lt=end, flagged=False
    )
    comments = responses.exclude(comment="").aggregate(
        total=Count("id", distinct=True),
        negative=Count(
            "id",
            filter=Q(answers__item_code="G", answers__value__lte=2),
            distinct=True,
        ),
    )
    rating = Answer.objects.filter(response=OuterRef("pk"), item_code="G")
    themes = comment_themes.summarise(
        responses.exclude(comment="")
        .annotate(g=Subquery(rating.values("value")[:1]))
        .order_by("-submitted_at", "id")
        .values_list("comment", "g")
        .iterator(chunk_size=2000)
    )
    volume = TransactionVolume.objects.filter(
        agency__in=subtree, period=period
    ).aggregate(total=Sum("count"))["total"]
    counted = responses.count()
    return {
        "agency": root,
        "period": period,
        "headline": headline,
        "change": (
            headline.value - before.value
            if headline
            and before
            and headline.value is not None
            and before.value is not None
            else None
        ),
        "previous_period": previous_period(period),
        "departments": departments,
        "communes": funnel,
        "communes_total": len(communes),
        "run": run,
        "drivers": [(w, element_label(w.indicator)) for w in drivers],
        "actions": [(a, list(a.effects.all())) for a in actions],
        "responses": counted,
        "comments": comments["total"],
        "negative_comments": comments["negative"],
        "themes": themes,
        "transactions": volume,
        "response_rate": 100 * counted / volume if volume else None,
        "generated_at": timezone.now(),
    }


def _number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if translation.get_language() == "vi" else text


def _table(document, headers: list[str], rows: list[list[str]]):
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = text
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text
    return table


def _effect_text(effect) -> str:
    if not effect.enough or effect.did is None:
        return f"{effect.indicator}: {_('Chưa đủ dữ liệu')}"
    low, high = _number(effect.did_low), _number(effect.did_high)
    return f"{effect.indicator}: {_number(effect.did)} ({low} … {high})"


def build_docx(data: dict) -> bytes:
    """The editable report (python-docx), in the active language."""
    from docx import Document

    document = Document()
    agency, period = data["agency"], data["period"]
    document.add_heading(_("Báo cáo chỉ số hài lòng (SIPAS)"), level=0)
    document.add_paragraph(f"{agency.name} · {_('Kỳ')} {period}")

    document.add_heading(_("1. Chỉ số chung"), level=1)
    headline = data["headline"]
    if headline is None or headline.value is None:
        document.add_paragraph(_("Chưa có số liệu."))
    else:
        document.add_paragraph(
            _(
                "Chỉ số hài lòng về dịch vụ hành chính công: %(value)s %% "
                "(khoảng tin cậy 95 %%: %(low)s–%(high)s; n = %(n)s); thay đổi so "
                "với kỳ %(previous)s: %(change)s điểm."
            )
            % {
                "value": _number(headline.value, 2),
                "low": _number(headline.ci_low, 2),
                "high": _number(headline.ci_high, 2),
                "n": headline.n,
                "previous": data["previous_period"],
                "change": _number(data["change"]),
            }
        )

    headers = [_("Hạng"), _("Cơ quan"), _("Chỉ số (%)"), _("KTC 95 %"), "n"]

    def ranking_rows(entries):
        return [
            [
                str(e.rank) if e.rank else _("chưa xếp hạng (n < 30)"),
                e.agency.name,
                _number(e.value, 2),
                f"{_number(e.low)}–{_number(e.high)}" if e.low is not None else "",
                str(e.n),
            ]
            for e in entries
        ]

    document.add_heading(_("2. Xếp hạng các sở, ban, ngành"), level=1)
    _table(document, headers, ranking_rows(data["departments"]))
    document.add_heading(_("3. Xếp hạng cấp xã"), level=1)
    document.add_paragraph(
        _("%(shown)s trên %(total)s xã, phường: nhóm cao nhất và thấp nhất.")
        % {"shown": len(data["communes"]), "total": data["communes_total"]}
    )
    _table(document, headers, ranking_rows(data["communes"]))

    document.add_heading(_("4. Cần cải thiện gì trước"), level=1)
    if not data["drivers"]:
        document.add_paragraph(_("Chưa đủ phiếu để phân tích động lực."))
    else:
        _table(
            document,
            [_("Yếu tố"), _("Tầm quan trọng (%)"), _("KTC 95 %"), _("Kết luận")],
            [
                [
                    f"{w.indicator} {label}",
                    _number(w.share),
                    f"{_number(w.share_low)}–{_number(w.share_high)}",
                    _("Động lực chính")
                    if w.key
                    else _("Có ảnh hưởng")
                    if w.claimed
                    else _("Không khẳng định được"),
                ]
                for w, label in data["drivers"]
            ],
        )

    document.add_heading(_("5. Giải pháp cải thiện và hiệu quả"), level=1)
    action_rows = []
    for action, effects in data["actions"]:
        measured = "; ".join(_effect_text(e) for e in effects)
        action_rows.append(
            [
                action.title,
                action.agency.name,
                str(action.get_status_display()),
                action.due_date.isoformat(),
                measured or "–",
            ]
        )
    _table(
        document,
        [
            _("Giải pháp"),
            _("Cơ quan"),
            _("Trạng thái"),
            _("Hạn"),
            _("Hiệu quả ước tính"),
        ],
        action_rows,
    )

    document.add_heading(_("6. Ý kiến người dân và tỷ lệ phản hồi"), level=1)
    document.add_paragraph(
        _(
            "%(responses)s phiếu trả lời; %(comments)s phiếu có ý kiến, trong đó "
            "%(negative)s ý kiến kèm đánh giá chung 1–2 điểm."
        )
        % {
            "responses": data["responses"],
            "comments": data["comments"],
            "negative": data["negative_comments"],
        }
    )
    if data["themes"]:
        _table(
            document,
            [
                _("Chủ đề ý kiến"),
                _("Yếu tố"),
                _("Số ý kiến"),
                _("Tiêu cực"),
                _("Ví dụ"),
            ],
            [
                [
                    str(t.theme.label),
                    t.theme.element or "–",
                    f"{t.comments} ({_number(t.share)} %)",
                    str(t.negative),
                    "\n".join(f"“{q}”" for q in t.quotes),
                ]
                for t in data["themes"]
            ],
        )
    if data["response_rate"] is not None:
        document.add_paragraph(
            _("Tỷ lệ phản hồi: %(rate)s %% của %(transactions)s giao dịch.")
            % {
                "rate": _number(data["response_rate"]),
                "transactions": data["transactions"],
            }
        )

    document.add_heading(_("Phụ lục: phương pháp"), level=1)
    for text in method_annex():
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def method_annex() -> list[str]:
    return [
        _(
            "Chỉ số tiêu chí = tỷ lệ câu trả lời Hài lòng hoặc Rất hài lòng; chỉ "
            "số yếu tố = trung bình các tiêu chí; chỉ số dịch vụ = trung bình các "
            "yếu tố (phương pháp sipas-1001). Khoảng tin cậy 95 %%: Wilson cho tiêu "
            "chí."
        )
        % {},
        _(
            "Xếp hạng chỉ gồm cơ quan có từ 30 phiếu. Động lực hài lòng: trọng số "
            "tương đối của Johnson, khoảng tin cậy bootstrap, cần từ 200 người trả "
            "lời đầy đủ."
        ),
        _(
            "Hiệu quả giải pháp: khác biệt kép giữa hai khoảng thời gian bằng nhau "
            "trước và sau ngày bắt đầu, so với các cơ quan cùng loại trong tỉnh; "
            "cần từ 100 người trả lời mỗi khoảng."
        ),
        _(
            "Chủ đề ý kiến: mỗi ý kiến được xếp vào các chủ đề có cụm từ khóa xuất "
            "hiện trong đó (so khớp không dấu; danh sách từ khóa theo từng yếu tố "
            "trong docs/method.md); ý kiến không khớp chủ đề nào thuộc “Khác”. "
            "Tiêu cực: kèm đánh giá chung 1–2 điểm. Ví dụ trích dẫn đã được che số "
            "điện thoại, thư điện tử, dãy số và họ tên."
        ),
    ]


def build_pdf(data: dict) -> bytes:
    from weasyprint import HTML  # heavy import, only in the worker

    html = render_to_string(
        "improvement/provincial_report_pdf.html", {**data, "annex": method_annex()}
    )
    return HTML(string=html).write_pdf()


def _progress(report: ProvincialReport, percent: int, message: str, **extra) -> None:
    report.progress = percent
    report.message = message
    fields = ["progress", "message", "updated_at"]
    for name, value in extra.items():
        setattr(report, name, value)
        fields.append(name)
    report.save(update_fields=fields)


def build_report(report: ProvincialReport) -> None:
    """Build the DOCX and the PDF of a report job, updating its progress. Safe to
    run twice (a finished job is left as it is); any failure marks the job
    failed with a short message."""
    if report.status == ProvincialReport.Status.DONE:
        return
    try:
        with translation.override(report.language):
            _progress(
                report,
                10,
                _("Đang đọc số liệu"),
                status=ProvincialReport.Status.RUNNING,
            )
            data = report_data(report.user, report.agency.code, report.period)
            _progress(report, 40, _("Đang tạo tệp Word"))
            docx = build_docx(data)
            _progress(report, 60, _("Đang tạo PDF"), docx=docx)
            pdf = build_pdf(data)
            _progress(
                report, 100, _("Hoàn tất"), status=ProvincialReport.Status.DONE, pdf=pdf
            )
    except Exception as exc:  # the job must end visibly, whatever went wrong
        _progress(
            report,
            report.progress,
            f"Lỗi: {type(exc).__name__}",
            status=ProvincialReport.Status.FAILED,
        )
        raise
