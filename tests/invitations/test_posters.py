"""QR images and printable posters, and who may download them."""

from __future__ import annotations

import io
import re
import subprocess
import xml.etree.ElementTree as ET

import pytest
import segno
from django.core.management import CommandError, call_command
from django.test import override_settings
from PIL import Image

from agencies.models import ServicePoint
from invitations import posters

SVG = "{http://www.w3.org/2000/svg}"
URL = "http://127.0.0.1:8000/s/TTHCC-T33-Q01/"


def pdf_pages(body: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", body))


def test_the_survey_url_follows_site_url():
    with override_settings(SITE_URL="https://khaosat.hungyen.gov.vn/"):
        assert posters.survey_url("UBND-X12133") == (
            "https://khaosat.hungyen.gov.vn/s/UBND-X12133/"
        )


def test_the_svg_is_a_qr_code_of_the_survey_url():
    root = ET.fromstring(posters.qr_svg(URL))
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title").text == URL
    path = root.find(f"{SVG}path")
    assert path is not None and len(path.get("d")) > 200


def test_the_png_holds_exactly_the_modules_of_the_survey_url():
    """Read the image back module by module and compare with the QR code of URL."""
    image = Image.open(io.BytesIO(posters.qr_png(URL, scale=1))).convert("L")
    expected = segno.make(URL, error="q", micro=False).matrix
    border = 4
    assert image.size == (len(expected) + 2 * border,) * 2
    read = [
        [image.getpixel((x + border, y + border)) < 128 for x in range(len(expected))]
        for y in range(len(expected))
    ]
    assert read == [[bool(module) for module in row] for row in expected]
    other = segno.make("http://127.0.0.1:8000/s/OTHER/", error="q").matrix
    assert read != [[bool(module) for module in row] for row in other]


def test_a_poster_pdf_has_one_page_linking_to_the_survey(counter):
    body = posters.poster_pdf([posters.find_target("TTHCC-T33-Q01")], title="t")
    assert body.startswith(b"%PDF")
    assert pdf_pages(body) == 1
    assert f"/URI ({URL})".encode() in body


def test_a_province_gets_one_page_per_active_agency_and_service_point(
    tmp_path,
    hung_yen_committee,
    justice_department,
    counter,
    ended_agency,
    hanoi_committee,
):
    # The centre's main point has the centre's own code: one poster, not two.
    ServicePoint.objects.create(
        code="TTHCC-T33", name="Trung tâm", kind="centre", agency=counter.agency
    )
    out = tmp_path / "hung-yen.pdf"
    stdout = io.StringIO()
    call_command("make_posters", "--province", "33", str(out), stdout=stdout)
    body = out.read_bytes()
    assert body.startswith(b"%PDF")
    # UBND-T33, STP-T33, TTHCC-T33 and its counter; not the ended district, not Hà Nội.
    assert pdf_pages(body) == 4
    assert "4 posters" in stdout.getvalue()
    codes = re.findall(rb"/URI \(http://127.0.0.1:8000/s/([^/]+)/\)", body)
    assert codes == [b"STP-T33", b"TTHCC-T33", b"TTHCC-T33-Q01", b"UBND-T33"]
    assert not (tmp_path / "hung-yen.pdf.part").exists()


def test_the_poster_text_is_vietnamese(tmp_path, counter):
    """With poppler's pdftotext (when installed): the glyphs are real text."""
    pdf = tmp_path / "p.pdf"
    pdf.write_bytes(posters.poster_pdf([posters.find_target(counter.code)], title="t"))
    try:
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True
        ).stdout
        text = " ".join(text.split())  # long names wrap onto two lines
    except FileNotFoundError:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    assert "KHẢO SÁT SỰ HÀI LÒNG" in text
    assert "Trung tâm Phục vụ hành chính công tỉnh Hưng Yên" in text
    assert "Quầy số 1 – Tư pháp, hộ tịch" in text
    assert URL in text
    assert "Scan the QR code" in text


def test_make_posters_names_an_unknown_province(db, tmp_path):
    with pytest.raises(CommandError, match="--province 77"):
        call_command("make_posters", "--province", "77", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()


# --- Downloads ---------------------------------------------------------------


@pytest.mark.parametrize(
    "fmt, content_type, magic",
    [
        ("pdf", "application/pdf", b"%PDF"),
        ("svg", "image/svg+xml", b"<?xml"),
        ("png", "image/png", b"\x89PNG"),
    ],
)
def test_staff_download_each_format(
    client, province_admin, counter, fmt, content_type, magic
):
    client.force_login(province_admin)
    response = client.get(f"/posters/TTHCC-T33-Q01.{fmt}")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response.content.startswith(magic)


def test_an_agency_has_a_poster_too(client, province_admin, justice_department):
    client.force_login(province_admin)
    response = client.get("/posters/STP-T33.svg")
    assert b"http://127.0.0.1:8000/s/STP-T33/" in response.content


def test_anonymous_visitors_are_sent_to_the_login(client, counter):
    for url in ["/posters/TTHCC-T33-Q01.pdf", "/posters/province/33.pdf", "/posters/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_people_who_are_not_staff_get_no_poster(client, outsider, counter):
    client.force_login(outsider)
    for url in ["/posters/TTHCC-T33-Q01.png", "/posters/province/33.pdf", "/posters/"]:
        assert client.get(url).status_code == 403


def test_staff_without_the_admin_flag_print_the_posters_of_their_scope(
    client, hanoi_analyst, hanoi_committee
):
    # The README promises posters to staff; is_staff is the admin's flag.
    hanoi_analyst.is_staff = False
    hanoi_analyst.save(update_fields=["is_staff"])
    client.force_login(hanoi_analyst)
    assert client.get("/posters/").status_code == 200
    assert client.get("/posters/UBND-T01.png").status_code == 200
    assert client.get("/posters/province/01.pdf").status_code == 200


def test_staff_get_no_poster_outside_their_scope(client, hanoi_analyst, counter):
    client.force_login(hanoi_analyst)
    assert client.get("/posters/TTHCC-T33-Q01.pdf").status_code == 404
    assert client.get("/posters/province/33.pdf").status_code == 404
    assert client.get("/posters/UBND-T01.png").status_code == 200


def test_an_unknown_code_is_not_found(client, province_admin):
    client.force_login(province_admin)
    assert client.get("/posters/NOPE.pdf").status_code == 404
    assert client.get("/posters/province/77.pdf").status_code == 404


def test_the_province_download_is_one_pdf(
    client, province_admin, counter, justice_department
):
    client.force_login(province_admin)
    response = client.get("/posters/province/33.pdf")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="sipas-posters-33.pdf"'
    )
    body = b"".join(response.streaming_content)
    assert pdf_pages(body) == 4


def test_the_poster_page_lists_the_provinces_in_scope(client, hanoi_analyst, counter):
    client.force_login(hanoi_analyst)
    response = client.get("/posters/")
    assert b"/posters/province/01.pdf" in response.content
    assert b"/posters/province/33.pdf" not in response.content


def test_the_admin_action_downloads_the_selected_posters(
    client, province_admin, counter, justice_department
):
    client.force_login(province_admin)
    response = client.post(
        "/admin/agencies/servicepoint/",
        {"action": "download_posters", "_selected_action": [counter.pk]},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert pdf_pages(response.content) == 1
    response = client.post(
        "/admin/agencies/agency/",
        {
            "action": "download_posters",
            "_selected_action": [counter.agency_id, justice_department.pk],
        },
    )
    assert pdf_pages(response.content) == 2
