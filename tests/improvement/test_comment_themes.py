"""Comment themes: the documented keyword mapping, quotes without personal data,
and the themes in the provincial report's DOCX and PDF."""

from __future__ import annotations

import datetime
import doctest
import io
import re
from pathlib import Path

import docx
import pytest
from django.urls import reverse
from pypdf import PdfReader

from improvement import comment_themes
from improvement.comment_themes import redact, summarise, themes_of
from improvement.models import ProvincialReport
from improvement.tasks import build_provincial_report_task
from surveys.models import Answer, Response
from tests.dashboard_fixtures import VN

METHOD = Path(__file__).resolve().parents[2] / "docs" / "method.md"


def test_the_doctest_examples_hold():
    assert doctest.testmod(comment_themes).failed == 0


@pytest.mark.parametrize(
    ("comment", "themes"),
    [
        ("Cán bộ hướng dẫn nhiệt tình, chu đáo", ["cong_chuc"]),
        ("can bo huong dan nhiet tinh", ["cong_chuc"]),
        ("Trả kết quả trễ hẹn 5 ngày", ["thoi_gian", "ket_qua"]),
        ("Giải quyết CHẬM", ["thoi_gian"]),
        ("Được chăm sóc chu đáo", ["cong_chuc"]),  # chăm ≠ chậm
        ("Cổng dịch vụ công hay bị lỗi, không đăng nhập được", ["truc_tuyen"]),
        ("Thủ tục rườm rà, phải bổ sung giấy tờ nhiều lần", ["thu_tuc", "thoi_gian"]),
        ("Có biểu hiện nhũng nhiễu, gây khó dễ", ["tieu_cuc"]),
        ("Nhà vệ sinh bẩn, thiếu ghế ngồi", ["tru_so"]),
        ("Gọi đường dây nóng không ai trả lời", ["phan_anh"]),
        ("Tốt", ["khac"]),
    ],
)
def test_a_comment_belongs_to_the_themes_of_its_key_phrases(comment, themes):
    assert themes_of(comment) == themes


@pytest.mark.parametrize(
    ("comment", "hidden"),
    [
        ("Liên hệ 0912 345 678 nhé", "0912"),
        ("sđt +84 912.345.678", "912"),
        ("mail: nguyen.an@gmail.com", "gmail"),
        ("CCCD 001203004567 bị ghi sai", "001203004567"),
        ("Hồ sơ 000.00.33.H48-261128-0001 chưa có kết quả", "261128"),
        ("Cảm ơn chị Lan và anh Trần Minh Đức", "Lan"),
        ("Cảm ơn chị Lan và anh Trần Minh Đức", "Đức"),
        ("Ông Nguyễn Văn Tám làm chậm", "Tám"),
        ("đồng chí Hoàng hách dịch", "Hoàng"),
    ],
)
def test_a_quote_hides_what_could_identify_a_person(comment, hidden):
    assert hidden not in redact(comment)
    assert "[…]" in redact(comment)


def test_a_quote_keeps_the_rest_of_the_comment():
    assert redact("Quầy số 3 làm việc nhanh, cán bộ vui vẻ") == (
        "Quầy số 3 làm việc nhanh, cán bộ vui vẻ"
    )


def test_themes_are_counted_with_their_negative_comments_and_quotes():
    comments = [  # newest first
        ("Chờ lâu quá", 1),
        ("Thủ tục nhanh gọn", 5),
        ("Phải chờ đợi lâu, gọi 0987654321 không ai nghe", 2),
        ("Chờ lâu nhưng được", 4),
        ("Tuyệt vời", None),
        ("", 3),
    ]
    found = {s.theme.code: s for s in summarise(comments)}
    assert list(found) == ["thoi_gian", "thu_tuc", "khac"]
    time = found["thoi_gian"]
    assert (time.comments, time.negative) == (4, 2)
    assert time.share == pytest.approx(80.0)
    assert time.quotes == ["Chờ lâu quá", "Phải chờ đợi lâu, gọi […] không ai nghe"]
    assert found["thu_tuc"].quotes == ["Thủ tục nhanh gọn"]
    assert found["khac"].comments == 1


def test_the_method_page_lists_every_theme_and_key_phrase():
    text = METHOD.read_text()
    section = text[text.index("### Comment themes") :]
    for theme in comment_themes.THEMES:
        row = next(line for line in section.splitlines() if f"`{theme.code}`" in line)
        assert theme.element in row
        for phrase in theme.phrases.split(" | "):
            assert re.sub(r"\(\?!.*\)", "", phrase) in row, phrase


@pytest.fixture
def commented(agencies, exit_version):
    """Comments of 2026 in province 33, one with a phone number and a name."""
    texts = [
        ("TTHCC-X12133", "Trả kết quả trễ hẹn, anh Phạm Quốc Huy gọi 0912345678", 1),
        ("TTHCC-X12133", "Cán bộ hướng dẫn tận tình", 5),
        ("SNV-T33", "Thủ tục rườm rà, phải bổ sung nhiều lần", 2),
        ("SNV-T33", "Chờ lâu", 3),
        ("SNV-T01", "Thủ tục ở tỉnh Xa Lạ", 1),
    ]
    for k, (code, text, g) in enumerate(texts):
        response = Response.objects.create(
            version=exit_version,
            submitted_at=datetime.datetime(2026, 5, 1 + k, 9, tzinfo=VN),
            agency=agencies[code],
            comment=text,
            source="web",
        )
        Answer.objects.create(response=response, item_code="G", value=g)


def _report(client, language: str) -> ProvincialReport:
    client.post(
        reverse("improvement:start_provincial_report"),
        {"agency": "UBND-T33", "period": "2026", "language": language},
    )
    report = ProvincialReport.objects.get(language=language)
    assert build_provincial_report_task(str(report.pk)) == "done"
    return report


def _file(client, report, kind: str) -> bytes:
    url = reverse("improvement:provincial_report_file", args=[report.pk, kind])
    response = client.get(url)
    assert response.status_code == 200
    return response.content


def test_the_report_groups_the_comments_into_themes_without_personal_data(
    client, province_analyst, index_results, commented
):
    client.force_login(province_analyst)
    report = _report(client, "vi")
    document = docx.Document(io.BytesIO(_file(client, report, "docx")))
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]
    themes = next(t for t in tables if t[0][0] == "Chủ đề ý kiến")
    assert themes[0] == ["Chủ đề ý kiến", "Yếu tố", "Số ý kiến", "Tiêu cực", "Ví dụ"]
    rows = {row[0]: row for row in themes[1:]}
    assert rows["Thời gian giải quyết, trễ hẹn"][1:4] == ["E4", "3 (75,0 %)", "2"]
    assert rows["Thủ tục, hồ sơ, phí"][1:4] == ["E2", "1 (25,0 %)", "1"]
    assert "Cán bộ hướng dẫn tận tình" in rows["Thái độ, hướng dẫn của công chức"][4]
    assert (
        "Trả kết quả trễ hẹn, anh […] gọi […]" in rows["Kết quả: sai sót, công bằng"][4]
    )
    text = "\n".join(p.text for p in document.paragraphs) + str(tables)
    for private in ("0912345678", "Phạm Quốc Huy", "Xa Lạ"):
        assert private not in text
    assert "Chủ đề ý kiến" in text  # the method annex explains the themes

    pdf = PdfReader(io.BytesIO(_file(client, report, "pdf")))
    pdf_text = " ".join(page.extract_text() for page in pdf.pages)
    assert "Thời gian giải quyết" in pdf_text
    assert "0912345678" not in pdf_text and "Huy" not in pdf_text


def test_the_english_report_names_the_themes_in_english(
    client, province_analyst, index_results, commented
):
    client.force_login(province_analyst)
    report = _report(client, "en")
    document = docx.Document(io.BytesIO(_file(client, report, "docx")))
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]
    themes = next(t for t in tables if t[0][0] == "Comment theme")
    assert "Processing time, late results" in [row[0] for row in themes]
