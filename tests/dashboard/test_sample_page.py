"""The sample adequacy page (issue 17, item 7): volumes typed the Vietnamese way,
imported from CSV/XLSX all or nothing, agencies sorted by shortfall, explained in
words."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from dashboard.models import TransactionVolume
from tests.dashboard_fixtures import *  # noqa: F403


@pytest.mark.parametrize("typed", ["5.000", "5 000", "5\u00a0000", "5000"])
def test_a_volume_typed_the_vietnamese_way_is_five_thousand(
    client, province_analyst, agencies, typed
):
    client.force_login(province_analyst)
    client.post(
        "/dashboard/sample/volume/",
        {"agency": "SNV-T33", "period": "2026", "count": typed},
    )
    assert TransactionVolume.objects.get().count == 5000


def test_the_volume_input_accepts_grouped_digits_and_shows_them_grouped(
    client, province_analyst, index_results
):
    client.force_login(province_analyst)
    client.post(
        "/dashboard/sample/volume/",
        {"agency": "SNV-T33", "period": "2026", "count": "10000"},
    )
    page = client.get("/dashboard/sample/?period=2026&kind=so").content.decode()
    assert 'pattern="[0-9]*"' not in page  # the browser would refuse "5.000"
    assert 'value="10.000"' in page


def _volume(code, count, period="2026"):
    from agencies.models import Agency

    TransactionVolume.objects.create(
        agency=Agency.objects.get(code=code), period=period, count=count
    )


def test_agencies_are_sorted_by_shortfall_and_explained_in_words(
    client, province_analyst, index_results
):
    # n = 400 each (SNV, STP), 12 for SXD. Slovin: 10,000 → 385, 1,000,000 → 400,
    # 100 → 80.
    _volume("STP-T33", 10_000)  # reached: 400 ≥ 385
    _volume("SNV-T33", 100)  # reached by far
    _volume("SXD-T33", 1_000_000)  # 12 of 400: 388 short
    client.force_login(province_analyst)
    page = client.get("/dashboard/sample/?period=2026&kind=so")
    order = [r["agency"].code for r in page.context["rows"]]
    assert order[:3] == ["SXD-T33", "STP-T33", "SNV-T33"]
    html = page.content.decode()
    assert "Cần thêm 388 phiếu để đạt 400" in html
    assert "Đã đủ: 400 phiếu, cần 385 cho 10.000 giao dịch." in html
    assert "2 đã đủ mẫu, 1 chưa đủ — còn thiếu tổng cộng 388 phiếu" in html


def test_agencies_without_a_volume_come_last(client, province_analyst, index_results):
    _volume("SXD-T33", 1_000_000)
    client.force_login(province_analyst)
    rows = client.get("/dashboard/sample/?period=2026&kind=so").context["rows"]
    assert rows[0]["agency"].code == "SXD-T33"
    assert all(r["target"] is None for r in rows[1:])


def _upload(client, name, content, period="2026"):
    return client.post(
        "/dashboard/sample/volumes/import/",
        {"file": _file(name, content), "period": period},
        follow=True,
    )


def _file(name, content):
    upload = io.BytesIO(content)
    upload.name = name
    return upload


def test_volumes_import_from_a_vietnamese_excel_csv(client, province_analyst, agencies):
    client.force_login(province_analyst)
    content = "\ufeffMã;Cơ quan;Số giao dịch (N)\r\nSNV-T33;Sở Nội vụ;5.000\r\n"
    content += "STP-T33;Sở Tư pháp;12 500\r\nSXD-T33;Sở Xây dựng;\r\n"
    page = _upload(client, "so-giao-dich.csv", content.encode("utf-8"))
    assert "Đã nhập 2 số giao dịch." in page.content.decode()
    stored = dict(TransactionVolume.objects.values_list("agency__code", "count"))
    assert stored == {"SNV-T33": 5000, "STP-T33": 12500}


def test_volumes_import_from_xlsx_with_english_headers_and_a_period(
    client, province_analyst, agencies
):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["agency", "period", "count"])
    sheet.append(["SNV-T33", "2026-Q3", 700])
    sheet.append(["STP-T33", "2026-Q3", "1.200"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.force_login(province_analyst)
    _upload(client, "volumes.xlsx", buffer.getvalue())
    stored = set(
        TransactionVolume.objects.values_list("agency__code", "period", "count")
    )
    assert stored == {("SNV-T33", "2026-Q3", 700), ("STP-T33", "2026-Q3", 1200)}


def test_the_pages_own_xlsx_download_imports_back(client, province_analyst, agencies):
    client.force_login(province_analyst)
    download = client.get(
        "/dashboard/sample/?period=2026&kind=so&export=xlsx&table=sample"
    )
    workbook = load_workbook(io.BytesIO(download.content))
    sheet = workbook.active
    header = [c.value for c in sheet[2]]
    column = header.index("Số giao dịch (N)") + 1
    for row in range(3, sheet.max_row + 1):
        sheet.cell(row=row, column=column, value=2000)
    buffer = io.BytesIO()
    workbook.save(buffer)
    _upload(client, "sipas-UBND-T33-2026-sample.xlsx", buffer.getvalue())
    assert set(TransactionVolume.objects.values_list("count", flat=True)) == {2000}
    assert TransactionVolume.objects.count() == sheet.max_row - 2


def test_a_file_with_bad_rows_writes_nothing_and_names_row_and_column(
    client, province_analyst, agencies
):
    client.force_login(province_analyst)
    content = "Mã,Số giao dịch\nSNV-T33,5000\nSTP-T33,5,5\nSXD-T33,abc\nSNV-T01,10\n"
    # "5,5" in a comma file is two cells: the count is "5", the row is fine;
    # "abc" is not a number; SNV-T01 is outside the analyst's province.
    page = _upload(client, "v.csv", content.encode()).content.decode()
    assert not TransactionVolume.objects.exists()
    assert "Chưa nhập gì" in page
    assert "Dòng 4, cột “Số giao dịch”: “abc” không phải số nguyên không âm." in page
    content = "Mã,Số giao dịch\nSNV-T33,5000\nSNV-T01,10\n"
    page = _upload(client, "v.csv", content.encode()).content.decode()
    assert not TransactionVolume.objects.exists()
    assert "Dòng 3, cột “Mã”: không có cơ quan SNV-T01 trong phạm vi của bạn." in page


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"agency_name,total\nx,1\n", "Không tìm thấy dòng tiêu đề"),
        ("Mã;Số giao dịch\nSNV-T33;1\nSNV-T33;2\n".encode(), "đã có ở dòng 2"),
        ("Mã;Số giao dịch;Kỳ\nSNV-T33;1;2026-13\n".encode(), "không phải kỳ"),
        ("Mã;Số giao dịch\nSNV-T33;1\n".encode("utf-16"), "UTF-8"),
    ],
)
def test_a_malformed_volume_file_is_refused_with_a_clear_message(
    client, province_analyst, agencies, content, message
):
    client.force_login(province_analyst)
    page = _upload(client, "v.csv", content).content.decode()
    assert message in page
    assert not TransactionVolume.objects.exists()


def test_a_viewer_cannot_import_volumes(client, national_viewer, agencies):
    client.force_login(national_viewer)
    response = client.post(
        "/dashboard/sample/volumes/import/",
        {"file": _file("v.csv", "Mã,Số giao dịch\nSNV-T33,5\n".encode())},
    )
    assert response.status_code == 403
    assert not TransactionVolume.objects.exists()
