"""The citizens' privacy notice: linked from every survey page, in Vietnamese and
English, with the retention periods the portal really applies."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.surveys.conftest import filled_form

PRIVACY = "/quyen-rieng-tu/"


def _links_to_the_notice(response) -> bool:
    return f'href="{PRIVACY}"' in response.content.decode()


def test_every_citizen_page_links_to_the_privacy_notice(citizen, counter, kiosk_point):
    url = f"/s/{counter.code}/"
    pages = [
        citizen.get("/"),
        citizen.get("/?q=Trung+tâm"),
        citizen.get(url),
        citizen.get(f"/s/{kiosk_point.code}/"),
        citizen.get("/s/KHONG-CO/"),
        citizen.get(f"{url}cam-on/"),
        citizen.post(url, {"token": "forged"}),
    ]
    sent = citizen.post(url, filled_form(citizen, url + "?moi=1"), follow=True)
    pages.append(sent)
    for page in pages:
        assert page.status_code in (200, 400, 404)
        assert _links_to_the_notice(page), page.request["PATH_INFO"]


def test_the_notice_says_what_is_kept_how_long_who_sees_it_and_how_to_delete(
    client, settings, db
):
    settings.REPLY_CONTACT_RETENTION_DAYS = 45
    settings.BACKUP_KEEP_DAYS = 10
    settings.RESPONSE_RETENTION_YEARS = 7
    settings.PRIVACY_CONTACT_EMAIL = "dulieu@hungyen.gov.vn"
    page = client.get(PRIVACY).content.decode()
    assert "Nghị định số 13/2023/NĐ-CP" in page
    assert "Luật Bảo vệ dữ liệu cá nhân năm 2025" in page
    assert "chậm nhất sau 45 ngày" in page
    assert "được giữ 10 ngày" in page
    assert "Phiếu trả lời của 7 năm gần nhất" in page
    assert "Ai được xem" in page
    assert 'href="mailto:dulieu@hungyen.gov.vn"' in page
    assert "72 giờ" in page


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_notice_is_complete_in_both_languages(db, language):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.cookies["sipas_language"] = language
    page = client.get(PRIVACY).content.decode()
    if language == "en":
        assert "Personal data protection" in page
        assert "after 90 days at the latest" in page
        assert "responses of the last 5 years" in page
        assert "Who may see it" in page
        assert "Ai được xem" not in page
    else:
        assert "Bảo vệ dữ liệu cá nhân" in page
