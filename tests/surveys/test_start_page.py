"""The start page: finding a service point, agency or procedure without diacritics."""

from __future__ import annotations

from agencies.models import Agency


def test_the_start_page_offers_a_search_that_works_without_javascript(citizen, db):
    html = citizen.get("/").content.decode()
    assert '<form method="get"' in html and 'name="q"' in html
    assert "<script" not in html.split("</main>")[0].split("<main")[1]


def test_a_search_without_diacritics_finds_the_service_point_and_agency(
    citizen, counter
):
    html = citizen.get("/?q=trung tam phuc vu hung yen").content.decode()
    assert 'href="/s/TTHCC-T33/"' in html


def test_a_search_by_code_finds_the_counter(citizen, counter):
    html = citizen.get("/?q=TTHCC-T33-Q1").content.decode()
    assert 'href="/s/TTHCC-T33-Q1/"' in html


def test_a_procedure_found_leads_to_the_places_that_handle_it(
    citizen, counter, procedures
):
    html = citizen.get("/?q=dang ky ket hon").content.decode()
    assert 'href="/?thu_tuc=1.000894"' in html
    places = citizen.get("/?thu_tuc=1.000894&q=hung yen").content.decode()
    assert 'href="/s/TTHCC-T33/?thu_tuc=1.000894"' in places


def test_a_search_that_finds_nothing_says_what_to_try(citizen, db):
    html = citizen.get("/?q=khong co noi nay").content.decode()
    assert "Không tìm thấy" in html


def test_an_ended_agency_sends_its_old_qr_code_to_its_successor(
    citizen, centre, province, exit_version
):
    Agency.objects.create(
        code="UBND-T34",
        name="UBND tỉnh Thái Bình",
        kind="ubnd_tinh",
        unit=province,
        province_code="34",
        valid_until="2025-06-30",
        successor=centre,
    )
    page = citizen.get("/s/UBND-T34/?kiosk=1")
    assert page.status_code == 302
    assert page["Location"] == "/s/TTHCC-T33/?kiosk=1"
