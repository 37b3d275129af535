"""Drawing the paper questionnaire (A4, Vietnamese) with reportlab.

Each serial starts on a new page; the serial number and the agency's QR code
(the same survey link as its posters) head the first page, and the serial is
repeated in every page's footer so that loose pages can be matched. Options are
printed with their numbers, which is what the clerk types when keying the form.
The text is the questionnaire's own Vietnamese and fixed, like the posters', so
it is not run through gettext.
"""

from __future__ import annotations

from typing import BinaryIO

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from agencies.models import Agency
from invitations import posters
from surveys.models import RESPONDENT_FIELDS, Channel, Item, QuestionnaireVersion

INK = HexColor("#1a1a1a")
GREY = HexColor("#555555")
WIDTH, HEIGHT = A4
LEFT, RIGHT, TOP, BOTTOM = 18 * mm, WIDTH - 18 * mm, HEIGHT - 16 * mm, 18 * mm
RESPONDENT_TITLES = {
    "gender": "Giới tính",
    "age_group": "Độ tuổi",
    "ethnicity": "Dân tộc",
    "education": "Trình độ học vấn",
    "occupation": "Nghề nghiệp",
    "area": "Nơi sống",
    "terrain": "Địa hình nơi sống",
}


class _Page:
    """A cursor down the page that starts a new page (with footer) when full."""

    def __init__(self, canvas: Canvas, serial: str, title: str) -> None:
        self.canvas, self.serial, self.title = canvas, serial, title
        self.number = 1
        self.y = TOP

    def need(self, height: float) -> None:
        if self.y - height < BOTTOM + 8 * mm:
            self.footer()
            self.canvas.showPage()
            self.number += 1
            self.y = TOP

    def footer(self) -> None:
        c = self.canvas
        c.setFont(posters.REGULAR, 8)
        c.setFillColor(GREY)
        c.drawString(LEFT, BOTTOM, f"{self.title} · Số phiếu {self.serial}")
        c.drawRightString(RIGHT, BOTTOM, f"Trang {self.number}")
        c.setFillColor(INK)

    def text(self, text: str, size: float = 10, font: str = "", indent: float = 0):
        font = font or posters.REGULAR
        lines = simpleSplit(text, font, size, RIGHT - LEFT - indent)
        self.need(len(lines) * size * 1.3)
        self.canvas.setFont(font, size)
        for line in lines:
            self.canvas.drawString(LEFT + indent, self.y - size, line)
            self.y -= size * 1.3

    def options(self, options: list[tuple[str, str]], size: float = 9):
        """Options side by side when they fit, each `☐ n label`."""
        c = self.canvas
        x = LEFT + 6 * mm
        self.need(size * 1.6)
        for number, label in options:
            text = f"{number} {label}"
            width = 4 * mm + c.stringWidth(text, posters.REGULAR, size) + 5 * mm
            if x + width > RIGHT:
                self.y -= size * 1.6
                self.need(size * 1.6)
                x = LEFT + 6 * mm
            c.rect(x, self.y - size - 0.5, 3 * mm, 3 * mm)
            c.setFont(posters.REGULAR, size)
            c.drawString(x + 4 * mm, self.y - size, text)
            x += width
        self.y -= size * 1.9


def write(
    out: BinaryIO,
    version: QuestionnaireVersion,
    agency: Agency,
    serial_numbers: list[str],
) -> None:
    posters._register_fonts()
    canvas = Canvas(out, pagesize=A4)
    canvas.setTitle(f"{version.title} – {agency.code}")
    canvas.setAuthor("SIPAS")
    items = list(version.items.order_by("position"))
    for serial in serial_numbers:
        _draw_form(canvas, version, agency, serial, items)
    canvas.save()


def _draw_form(canvas, version, agency, serial, items) -> None:
    page = _Page(canvas, serial, version.title)
    url = posters.survey_url(agency.code)
    size = 28 * mm
    posters._draw_qr(canvas, url, RIGHT - size, TOP - size, size)
    canvas.setFont(posters.BOLD, 11)
    canvas.drawRightString(RIGHT - size - 3 * mm, TOP - 5 * mm, f"Số phiếu: {serial}")
    canvas.setFont(posters.REGULAR, 7.5)
    canvas.drawRightString(RIGHT - size - 3 * mm, TOP - 10 * mm, "Hoặc quét mã QR")
    canvas.drawRightString(
        RIGHT - size - 3 * mm, TOP - 13.5 * mm, "để trả lời trực tuyến"
    )
    canvas.setFont(posters.BOLD, 14)
    canvas.drawString(LEFT, TOP - 6 * mm, "PHIẾU KHẢO SÁT")
    page.y = TOP - 9 * mm
    for line in simpleSplit(
        version.title, posters.BOLD, 11, RIGHT - LEFT - size - 45 * mm
    ):
        canvas.setFont(posters.BOLD, 11)
        canvas.drawString(LEFT, page.y - 11, line)
        page.y -= 14
    canvas.setFont(posters.REGULAR, 10)
    for line in simpleSplit(
        agency.name, posters.REGULAR, 10, RIGHT - LEFT - size - 45 * mm
    ):
        canvas.drawString(LEFT, page.y - 10, line)
        page.y -= 13
    page.y = min(page.y, TOP - size) - 4 * mm
    if version.intro:
        page.text(version.intro, size=9)
    page.text(
        "Cách trả lời: đánh dấu (X) vào ô trước số của phương án phù hợp; "
        "với câu hỏi nhiều lựa chọn, đánh dấu mọi phương án phù hợp.",
        size=9,
        font=posters.BOLD,
    )
    page.y -= 2 * mm
    page.text("Mã thủ tục hành chính (nếu biết): ______________________", size=10)
    page.text("Ông/Bà đã nộp hồ sơ theo cách nào?", size=10, font=posters.BOLD)
    page.options(
        [(str(k), str(label)) for k, (_v, label) in enumerate(Channel.choices, 1)]
    )
    section, number = None, 0
    for item in items:
        if item.kind == Item.Kind.TEXT:
            continue
        if item.section != section:
            section = item.section
            page.y -= 2 * mm
            page.text(section or "", size=11, font=posters.BOLD)
        number += 1
        hint = " (chọn nhiều)" if item.kind == Item.Kind.MULTI else ""
        page.text(f"{number}. [{item.code}] {item.text}{hint}", size=9.5)
        page.options([(str(o["value"]), o["label"]) for o in item.options], size=8.5)
    page.y -= 2 * mm
    page.text("Thông tin về người trả lời (không bắt buộc)", size=11, font=posters.BOLD)
    for name, choices in RESPONDENT_FIELDS.items():
        page.text(RESPONDENT_TITLES[name], size=9.5)
        page.options(
            [(str(k), str(label)) for k, (_v, label) in enumerate(choices.choices, 1)],
            size=8.5,
        )
    page.text("Ý kiến khác của Ông/Bà:", size=10, font=posters.BOLD)
    for _line in range(4):
        page.need(8 * mm)
        canvas.setStrokeColor(GREY)
        canvas.line(LEFT, page.y - 7 * mm, RIGHT, page.y - 7 * mm)
        page.y -= 8 * mm
    page.text("Xin trân trọng cảm ơn Ông/Bà!", size=10, font=posters.BOLD)
    page.footer()
    canvas.showPage()
