"""QR codes and printable A4 posters that open the survey of an agency or point.

The QR code encodes `settings.SITE_URL + /s/<code>/` (docs/formats.md). Posters are
drawn with reportlab, one A4 page per agency or service point, the QR code as
vector rectangles (sharp at any print size) and text in the vendored DejaVu Sans,
which has every Vietnamese glyph; nothing depends on the fonts of the machine.

The poster text is deliberately bilingual and fixed — Vietnamese first, a
smaller English line — whatever the language of the staff member who prints it,
so it is not run through gettext.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

import segno
from django.conf import settings
from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from agencies.models import Agency, ServicePoint

FONT_DIR = Path(__file__).resolve().parent / "fonts"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
# Quartile error correction: a poster gets scratched, taped over and photographed
# at an angle; segno raises it further when the code has room to spare.
QR_ERROR = "q"
BLUE = HexColor("#0b3d91")
INK = HexColor("#1a1a1a")
GREY = HexColor("#4a4a4a")

TITLE = "KHẢO SÁT SỰ HÀI LÒNG"
SUBTITLE = "của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính nhà nước"
STEPS = (
    "1. Mở camera điện thoại, hướng vào mã QR.",
    "2. Chạm vào đường dẫn hiện ra để mở phiếu khảo sát.",
    "3. Câu đầu tiên là đủ; trả lời hết các câu khoảng 4 phút. Bấm Gửi.",
)
PRIVACY = "Không cần đăng nhập. Phiếu không hỏi họ tên, số điện thoại hay số định danh."
ENGLISH = (
    "Scan the QR code with your phone camera to rate our service "
    "(the first question is enough; all of them take about 4 minutes; no login, "
    "anonymous)."
)
THANKS = "Ý kiến của Ông/Bà giúp chúng tôi phục vụ tốt hơn. Xin trân trọng cảm ơn!"


@dataclass(frozen=True)
class PosterTarget:
    """What one poster shows: whose survey it opens and where it points."""

    code: str
    title: str  # the agency's name, printed large
    subtitle: str  # the service point's name, or "" for an agency poster
    agency_id: int | None = None  # whose scope the poster belongs to

    @property
    def url(self) -> str:
        return survey_url(self.code)


def survey_url(code: str) -> str:
    """The absolute survey URL of a service point or agency code."""
    return f"{settings.SITE_URL.rstrip('/')}/s/{quote(code, safe='')}/"


def target_for_point(point: ServicePoint) -> PosterTarget:
    return PosterTarget(point.code, point.agency.name, point.name, point.agency_id)


def target_for_agency(agency: Agency) -> PosterTarget:
    return PosterTarget(agency.code, agency.name, "", agency.pk)


def find_target(code: str) -> PosterTarget | None:
    """The active service point with this code, else the active agency, else None."""
    point = (
        ServicePoint.objects.active().select_related("agency").filter(code=code).first()
    )
    if point is not None:
        return target_for_point(point)
    agency = Agency.objects.active().filter(code=code).first()
    return target_for_agency(agency) if agency is not None else None


def province_targets(
    province_code: str, agencies: Iterable[Agency] | None = None
) -> list[PosterTarget]:
    """Every active agency of a province, each followed by its active service
    points, ordered by code (how a print run is sorted and handed out); a point
    with its agency's own code is not printed twice.

    `agencies` narrows the set (a staff member's scope); by default all of them.
    """
    queryset = Agency.objects.active().filter(province_code=province_code)
    if agencies is not None:
        queryset = queryset.filter(pk__in=agencies)
    agency_list = list(queryset.order_by("code"))
    points: dict[int, list[ServicePoint]] = {}
    for point in (
        ServicePoint.objects.active()
        .filter(agency__in=[a.pk for a in agency_list])
        .order_by("code")
    ):
        points.setdefault(point.agency_id, []).append(point)
    targets: list[PosterTarget] = []
    for agency in agency_list:
        targets.append(target_for_agency(agency))
        for point in points.get(agency.pk, []):
            # A centre's main point often shares its agency's code: same URL,
            # same poster, printed once.
            if point.code != agency.code:
                targets.append(
                    PosterTarget(point.code, agency.name, point.name, agency.pk)
                )
    return targets


def targets_for(queryset: Iterable[Agency | ServicePoint]) -> Iterator[PosterTarget]:
    """Poster targets of a selection of agencies or service points (admin actions)."""
    for obj in queryset:
        if isinstance(obj, ServicePoint):
            yield target_for_point(obj)
        else:
            yield target_for_agency(obj)


# --- QR images ---------------------------------------------------------------


def make_qr(url: str) -> segno.QRCode:
    return segno.make(url, error=QR_ERROR, micro=False)


def qr_svg(url: str) -> bytes:
    """A standalone SVG of the QR code; its <title> is the encoded URL."""
    out = io.BytesIO()
    make_qr(url).save(out, kind="svg", scale=10, border=4, title=url, svgclass=None)
    return out.getvalue()


def qr_png(url: str, scale: int = 10) -> bytes:
    """A PNG of the QR code, `scale` pixels per module (segno needs no Pillow)."""
    out = io.BytesIO()
    make_qr(url).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


# --- PDF posters -------------------------------------------------------------


_fonts_registered = False


def _register_fonts() -> None:
    global _fonts_registered
    if not _fonts_registered:
        pdfmetrics.registerFont(TTFont(REGULAR, FONT_DIR / "DejaVuSans.ttf"))
        pdfmetrics.registerFont(TTFont(BOLD, FONT_DIR / "DejaVuSans-Bold.ttf"))
        _fonts_registered = True


def write_posters(targets: Iterable[PosterTarget], out: BinaryIO, *, title: str) -> int:
    """Draw one A4 page per target into `out` (a binary file); return the page count.

    Pages are drawn and released one at a time, so a province of a few thousand
    posters does not hold them all in memory; with no target the PDF has a single
    page saying so.
    """
    _register_fonts()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor("SIPAS")
    canvas.setCreator("SIPAS portal")
    pages = 0
    for target in targets:
        _draw_poster(canvas, target)
        canvas.showPage()
        pages += 1
    if pages == 0:
        canvas.setFont(REGULAR, 14)
        canvas.drawString(20 * mm, 270 * mm, "Không có cơ quan hay điểm phục vụ nào.")
        canvas.showPage()
        pages = 1
    canvas.save()
    return pages


def poster_pdf(targets: Iterable[PosterTarget], *, title: str) -> bytes:
    out = io.BytesIO()
    write_posters(targets, out, title=title)
    return out.getvalue()


def _centered(
    canvas: Canvas,
    lines: list[str],
    font: str,
    size: float,
    y: float,
    leading: float,
    color,
) -> float:
    """Draw lines centred on the page from baseline y downwards; return the next y."""
    canvas.setFillColor(color)
    canvas.setFont(font, size)
    for line in lines:
        canvas.drawCentredString(A4[0] / 2, y, line)
        y -= leading
    return y


def _fit(
    text: str, font: str, sizes: tuple[float, ...], width: float, max_lines: int
) -> tuple[float, list[str]]:
    """The largest size at which text fits in max_lines; at the smallest size a
    longer text is cut with an ellipsis rather than run into the QR code."""
    for size in sizes:
        lines = simpleSplit(text, font, size, width)
        if len(lines) <= max_lines:
            return size, lines
    lines = lines[:max_lines]
    lines[-1] = lines[-1].rstrip(" ,.;–-") + "…"
    return size, lines


def _draw_poster(canvas: Canvas, target: PosterTarget) -> None:
    width, height = A4
    margin = 18 * mm
    text_width = width - 2 * margin

    # Header band.
    band = 34 * mm
    canvas.setFillColor(BLUE)
    canvas.rect(0, height - band, width, band, stroke=0, fill=1)
    y = height - 17 * mm
    y = _centered(canvas, [TITLE], BOLD, 26, y, 10 * mm, white)
    _centered(
        canvas,
        simpleSplit(SUBTITLE, REGULAR, 12, text_width),
        REGULAR,
        12,
        y,
        5.5 * mm,
        white,
    )

    # Whose survey this is.
    y = height - band - 14 * mm
    size, lines = _fit(target.title, BOLD, (22, 20, 18, 16, 14), text_width, 3)
    y = _centered(canvas, lines, BOLD, size, y, size * 1.25, INK)
    if target.subtitle and target.subtitle != target.title:
        size, lines = _fit(target.subtitle, REGULAR, (15, 13, 12, 11), text_width, 2)
        y = _centered(canvas, lines, REGULAR, size, y - 1 * mm, size * 1.3, GREY)

    # The QR code, as large as the remaining space allows (about 12 cm).
    qr_size = min(122 * mm, y - 100 * mm)
    qr_top = y - 4 * mm
    x0 = (width - qr_size) / 2
    _draw_qr(canvas, target.url, x0, qr_top - qr_size, qr_size)
    canvas.linkURL(target.url, (x0, qr_top - qr_size, x0 + qr_size, qr_top), relative=0)
    y = qr_top - qr_size - 6 * mm
    y = _centered(canvas, [target.url], REGULAR, 11, y, 5 * mm, BLUE)

    # Instructions.
    y -= 5 * mm
    canvas.setFillColor(INK)
    canvas.setFont(BOLD, 15)
    canvas.drawString(margin + 6 * mm, y, "Cách tham gia:")
    y -= 8 * mm
    canvas.setFont(REGULAR, 14)
    for step in STEPS:
        for line in simpleSplit(step, REGULAR, 14, text_width - 12 * mm):
            canvas.drawString(margin + 6 * mm, y, line)
            y -= 7 * mm
    y -= 2 * mm
    y = _centered(
        canvas,
        simpleSplit(PRIVACY, REGULAR, 11.5, text_width),
        REGULAR,
        11.5,
        y,
        5.5 * mm,
        GREY,
    )
    _centered(
        canvas,
        simpleSplit(ENGLISH, REGULAR, 10, text_width),
        REGULAR,
        10,
        y - 1 * mm,
        4.8 * mm,
        GREY,
    )

    # Footer.
    canvas.setStrokeColor(BLUE)
    canvas.setLineWidth(1.2)
    canvas.line(margin, 24 * mm, width - margin, 24 * mm)
    _centered(canvas, [THANKS], BOLD, 12, 17 * mm, 5 * mm, BLUE)
    canvas.setFont(REGULAR, 8)
    canvas.setFillColor(GREY)
    canvas.drawRightString(width - margin, 9 * mm, f"SIPAS · {target.code}")


def _draw_qr(canvas: Canvas, url: str, x0: float, y0: float, size: float) -> None:
    """Draw the QR code with its 4-module quiet zone into the square at (x0, y0)."""
    qr = make_qr(url)
    matrix = qr.matrix
    border = 4
    modules = len(matrix) + 2 * border
    unit = size / modules
    canvas.setFillColor(white)
    canvas.rect(x0, y0, size, size, stroke=0, fill=1)
    canvas.setFillColor(HexColor("#000000"))
    for row_index, row in enumerate(matrix):
        y = y0 + size - (row_index + border + 1) * unit
        col = 0
        while col < len(row):
            if not row[col]:
                col += 1
                continue
            start = col
            while col < len(row) and row[col]:
                col += 1
            # A hair of overlap avoids white seams between modules in some viewers.
            canvas.rect(
                x0 + (start + border) * unit,
                y,
                (col - start) * unit + 0.05,
                unit + 0.05,
                stroke=0,
                fill=1,
            )
