"""Citizen search finds what people type (issue #17): "một cửa" and "bộ phận một cửa"
for the service centres, a province's name narrowing to its places, the
deployment's province first, exact names first, and every hit naming its
commune and province so that three "phường An Bình" can be told apart."""

from __future__ import annotations

import re

import pytest

from agencies.models import AdministrativeUnit, Agency, ServicePoint

PROVINCES = {"33": "Tỉnh Hưng Yên", "01": "Thành phố Hà Nội", "75": "Tỉnh Đồng Nai"}


def _place(pp: str, ward_code: str | None, ward_name: str | None) -> None:
    """A province (once) with its service centre, or a commune with its UBND and
    service centre (and the centre's service point), named as the reference data
    names them."""
    province, _ = AdministrativeUnit.objects.get_or_create(
        code=pp,
        defaults={"name": PROVINCES[pp], "level": "province", "province_code": pp},
    )
    root, _ = Agency.objects.get_or_create(
        code=f"UBND-T{pp}",
        defaults={
            "name": f"Ủy ban nhân dân {PROVINCES[pp][0].lower()}{PROVINCES[pp][1:]}",
            "kind": "ubnd_tinh",
            "unit": province,
            "province_code": pp,
        },
    )
    if ward_code is None:
        inside = PROVINCES[pp][0].lower() + PROVINCES[pp][1:]
        centre = Agency.objects.create(
            code=f"TTHCC-T{pp}",
            name=f"Trung tâm Phục vụ hành chính công {inside}",
            kind="tthcc_tinh",
            unit=province,
            province_code=pp,
            parent=root,
        )
        ServicePoint.objects.create(
            code=f"TTHCC-T{pp}", name=centre.name, kind="centre", agency=centre
        )
        return
    ward = AdministrativeUnit.objects.create(
        code=ward_code,
        name=ward_name,
        level="commune",
        province_code=pp,
        parent=province,
    )
    inside = ward_name[0].lower() + ward_name[1:]
    ubnd = Agency.objects.create(
        code=f"UBND-X{ward_code}",
        name=f"Ủy ban nhân dân {inside}",
        kind="ubnd_xa",
        unit=ward,
        province_code=pp,
        parent=root,
    )
    centre = Agency.objects.create(
        code=f"TTHCC-X{ward_code}",
        name=f"Trung tâm Phục vụ hành chính công {inside}",
        kind="tthcc_xa",
        unit=ward,
        province_code=pp,
        parent=ubnd,
    )
    ServicePoint.objects.create(
        code=f"TTHCC-X{ward_code}", name=centre.name, kind="centre", agency=centre
    )


@pytest.fixture
def country(db) -> None:
    """Three provinces, each with its centre, and a "phường An Bình" in each."""
    for pp in PROVINCES:
        _place(pp, None, None)
    _place("33", "12001", "Phường An Bình")
    _place("33", "12002", "Xã Tân Phú")
    _place("01", "00101", "Phường An Bình")
    _place("01", "00102", "Phường Ba Đình")
    _place("75", "26001", "Phường An Bình")
    _place("75", "26002", "Phường An Bình Tây")


def links(html: str) -> list[str]:
    """Survey links of the results, in page order."""
    results = html.split('id="res-title"', 1)[-1]
    return re.findall(r'href="/s/([^/"]+)/', results)


def hits(html: str) -> list[str]:
    """Each result item's text, whitespace collapsed."""
    results = html.split('id="res-title"', 1)[-1]
    items = re.findall(r"<li>(.*?)</li>", results, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


def test_mot_cua_hung_yen_finds_the_service_centres_of_hung_yen(citizen, country):
    found = links(citizen.get("/?q=mot cua hung yen").content.decode())
    assert found[0] == "TTHCC-T33"  # the provincial centre first
    assert "TTHCC-X12001" in found and "TTHCC-X12002" in found
    assert not any(code.endswith(("T01", "T75", "00101", "26001")) for code in found)


def test_bo_phan_mot_cua_finds_the_one_stop_centres(citizen, country):
    found = links(citizen.get("/?q=bo phan mot cua").content.decode())
    assert {"TTHCC-T33", "TTHCC-T01", "TTHCC-T75"} <= set(found)
    assert not any(code.startswith("UBND") for code in found)


def test_the_service_centre_is_found_by_its_abbreviation_and_with_diacritics(
    citizen, country
):
    assert "TTHCC-T33" in links(citizen.get("/?q=TTHCC Hưng Yên").content.decode())
    assert "TTHCC-T01" in links(citizen.get("/?q=Một cửa Hà Nội").content.decode())


def test_ubnd_finds_the_peoples_committee(citizen, country):
    assert links(citizen.get("/?q=ubnd phuong ba dinh").content.decode()) == [
        "UBND-X00102"
    ]


def test_every_hit_names_its_commune_and_province(citizen, country):
    found = hits(citizen.get("/?q=ubnd phuong an binh").content.decode())
    name = "Ủy ban nhân dân phường An Bình"
    places = {hit.split(name, 1)[-1].strip() for hit in found}
    assert {
        "Phường An Bình · Tỉnh Hưng Yên",
        "Phường An Bình · Thành phố Hà Nội",
        "Phường An Bình · Tỉnh Đồng Nai",
    } <= places
    provincial = hits(citizen.get("/?q=trung tam phuc vu ha noi").content.decode())
    assert any(hit.endswith("Thành phố Hà Nội") for hit in provincial)


def test_the_home_province_comes_first(citizen, country, settings):
    settings.SIPAS_HOME_PROVINCE = "75"
    found = links(citizen.get("/?q=ubnd phuong an binh").content.decode())
    assert found[0] == "UBND-X26001"
    found = links(citizen.get("/?q=ubnd phuong").content.decode())
    assert found[:2] == ["UBND-X26001", "UBND-X26002"]
    settings.SIPAS_HOME_PROVINCE = "33"
    found = links(citizen.get("/?q=ubnd phuong an binh").content.decode())
    assert found[0] == "UBND-X12001"


def test_an_exact_name_comes_before_longer_names(citizen, country, settings):
    settings.SIPAS_HOME_PROVINCE = "75"
    found = links(citizen.get("/?q=ubnd an binh").content.decode())
    # "An Bình" of every province before "An Bình Tây" of the home province.
    assert found.index("UBND-X26002") == 3
    assert set(found[:3]) == {"UBND-X12001", "UBND-X00101", "UBND-X26001"}


def test_a_place_is_listed_once_when_agency_and_service_point_share_a_code(
    citizen, country
):
    found = links(citizen.get("/?q=mot cua hung yen").content.decode())
    assert found.count("TTHCC-T33") == 1


def test_many_hits_say_how_many_and_how_to_narrow_the_search(
    citizen, country, monkeypatch
):
    html = citizen.get("/?q=mot cua").content.decode()
    assert "Gõ thêm tên xã/phường hoặc tỉnh" not in html  # all shown
    from surveys import queries

    monkeypatch.setattr(queries, "MAX_RESULTS", 2)
    html = citizen.get("/?q=mot cua").content.decode()
    assert len(links(html)) == 2
    assert "2/9" in html and "Gõ thêm tên xã/phường hoặc tỉnh" in html


def test_the_doctest_examples_hold():
    import doctest

    from surveys import search

    assert doctest.testmod(search).failed == 0
