"""load_reference_data: official units, the codes and hierarchy of docs/formats.md,
idempotence."""

import io

import pytest
from django.core.management import CommandError, call_command

from agencies.models import AdministrativeUnit, Agency, Procedure, ServicePoint
from agencies.reference import LEGACY_UNTIL, MANDATORY_DEPARTMENTS
from surveys.models import Item, Questionnaire, QuestionnaireVersion
from surveys.reference import load_reference_data

pytestmark = pytest.mark.django_db

MODELS = [
    AdministrativeUnit,
    Agency,
    ServicePoint,
    Procedure,
    Questionnaire,
    QuestionnaireVersion,
    Item,
]


def snapshot() -> dict[str, list[tuple]]:
    return {
        model.__name__: list(model.objects.order_by("pk").values_list())
        for model in MODELS
    }


def current(level: str):
    return AdministrativeUnit.objects.filter(level=level, valid_until__isnull=True)


def test_all_34_provinces_and_3321_communes_load_and_a_second_load_changes_nothing(
    whole_country,
):
    # One test for both: a whole-country load takes seconds, so it runs once.
    provinces = current(AdministrativeUnit.Level.PROVINCE)
    communes = current(AdministrativeUnit.Level.COMMUNE)

    assert provinces.count() == 34
    assert communes.count() == 3321
    assert provinces.get(code="01").name == "Thành phố Hà Nội"
    assert provinces.get(code="33").name == "Tỉnh Hưng Yên"
    assert communes.get(code="00004").name == "Phường Ba Đình"
    assert communes.filter(province_code="33").count() == 104
    assert all(len(code) == 2 for code in provinces.values_list("code", flat=True))
    assert all(len(code) == 5 for code in communes.values_list("code", flat=True))
    assert not communes.filter(parent__isnull=True).exists()
    # … and every one of them its agencies and one-stop centre.
    assert (
        Agency.objects.filter(kind=Agency.Kind.PEOPLES_COMMITTEE_COMMUNE)
        .filter(valid_until__isnull=True)
        .count()
        == 3321
    )
    assert (
        Agency.objects.filter(kind=Agency.Kind.SERVICE_CENTRE_COMMUNE).count() == 3321
    )
    assert Agency.objects.filter(kind=Agency.Kind.DEPARTMENT).count() == 34 * 12
    assert ServicePoint.objects.filter(
        kind=ServicePoint.Kind.ONE_STOP_CENTRE
    ).count() == (3321 + 34)
    assert ServicePoint.objects.filter(kind=ServicePoint.Kind.ONLINE).count() == 34
    before = snapshot()

    report = load_reference_data()

    assert not report.changed
    assert report.messages == []
    assert snapshot() == before


def test_a_second_load_of_one_province_changes_nothing(hung_yen):
    before = snapshot()

    report = load_reference_data(["33"])

    assert not report.changed
    assert snapshot() == before


def test_the_province_tree_follows_the_contract(hung_yen):
    root = Agency.objects.get(code="UBND-T33")
    commune = AdministrativeUnit.objects.filter(
        province_code="33", level="commune", valid_until__isnull=True
    ).first()

    assert root.parent is None
    assert root.unit.code == "33"
    for code in ["TTHCC-T33", *[f"{so}-T33" for so in MANDATORY_DEPARTMENTS]]:
        assert Agency.objects.get(code=code).parent == root, code
    ubnd_x = Agency.objects.get(code=f"UBND-X{commune.code}")
    tthcc_x = Agency.objects.get(code=f"TTHCC-X{commune.code}")
    assert ubnd_x.parent == root
    assert ubnd_x.unit == commune
    assert tthcc_x.parent == ubnd_x
    assert Agency.objects.get(code="SNV-T33").name == "Sở Nội vụ tỉnh Hưng Yên"
    assert Agency.objects.get(code="TTT-T33").name == "Thanh tra tỉnh Hưng Yên"


def test_materialised_paths_are_those_save_would_compute(hung_yen):
    agencies = {agency.pk: agency for agency in Agency.objects.all()}

    for agency in agencies.values():
        parent_path = agencies[agency.parent_id].path if agency.parent_id else "/"
        assert agency.path == f"{parent_path}{agency.pk}/", agency.code
    subtree = Agency.objects.get(code="UBND-T33").subtree()
    assert subtree.filter(code="TTHCC-X13225").exists()
    assert not subtree.filter(code="UBND-T34").exists()


def test_agency_names_are_searchable_without_diacritics(hung_yen):
    agency = Agency.objects.get(code="UBND-T33")

    assert agency.name == "Ủy ban nhân dân tỉnh Hưng Yên"
    assert agency.name_folded == "uy ban nhan dan tinh hung yen"
    assert AdministrativeUnit.objects.get(code="33").name_folded == "tinh hung yen"
    assert ServicePoint.objects.get(code="TTHCC-T33").name_folded.endswith("hung yen")


def test_the_one_stop_centre_point_has_the_code_of_its_agency(hung_yen):
    point = ServicePoint.objects.get(code="TTHCC-T33")

    assert point.agency.code == "TTHCC-T33"
    assert point.kind == ServicePoint.Kind.ONE_STOP_CENTRE
    assert point.questionnaire_code == "exit-dv"
    assert ServicePoint.objects.get(code="DVC-T33").agency.code == "UBND-T33"


def test_former_thai_binh_ended_and_points_to_hung_yen(hung_yen):
    province = AdministrativeUnit.objects.get(code="34")
    agency = Agency.objects.get(code="UBND-T34")

    assert province.name == "Tỉnh Thái Bình"
    assert province.valid_until == LEGACY_UNTIL
    assert province.successor.code == "33"
    assert agency.valid_until == LEGACY_UNTIL
    assert agency.successor.code == "UBND-T33"
    assert agency.is_legacy
    assert (
        not Agency.objects.active(LEGACY_UNTIL.replace(day=30, month=7))
        .filter(code="UBND-T34")
        .exists()
    )


def test_thai_binh_districts_and_communes_point_to_their_successors(hung_yen):
    districts = AdministrativeUnit.objects.filter(province_code="34", level="district")
    # Phường Lê Hồng Phong (thành phố Thái Bình) merged into phường Thái Bình.
    commune = AdministrativeUnit.objects.get(code="12433")
    agency = Agency.objects.get(code="UBND-X12433")

    assert districts.count() == 8
    assert {d.successor.code for d in districts} == {"33"}
    assert commune.name == "Phường Lê Hồng Phong"
    assert commune.parent.code == "336"
    assert commune.valid_until == LEGACY_UNTIL
    assert commune.successor.code == "13225"
    assert commune.successor.name == "Phường Thái Bình"
    assert commune.successor.valid_until is None
    assert agency.parent.code == "UBND-H336"
    assert agency.successor.code == "UBND-X13225"
    assert Agency.objects.get(code="UBND-H336").parent.code == "UBND-T34"


def test_a_pre_2025_code_kept_by_a_current_commune_is_that_commune(hung_yen):
    # Every current unit keeps the code of one unit it was formed from; such a
    # code is one row, the current one, so old and new codes never collide.
    codes = list(AdministrativeUnit.objects.values_list("code", flat=True))

    assert len(codes) == len(set(codes))
    assert AdministrativeUnit.objects.get(code="13225").valid_until is None


def test_province_option_loads_only_that_province_and_its_predecessors(hung_yen):
    assert set(AdministrativeUnit.objects.values_list("province_code", flat=True)) == {
        "33",
        "34",
    }
    assert not Agency.objects.filter(code="UBND-T01").exists()
    assert Procedure.objects.count() == 265
    assert Questionnaire.objects.count() == 2


def test_loading_a_second_province_keeps_the_first(hung_yen):
    before = AdministrativeUnit.objects.filter(province_code__in=["33", "34"]).count()

    load_reference_data(["01"])

    assert AdministrativeUnit.objects.filter(
        province_code__in=["33", "34"]
    ).count() == (before)
    assert Agency.objects.get(code="UBND-T01").parent is None


def test_the_loader_repairs_a_field_it_owns_and_leaves_others_alone(hung_yen):
    Agency.objects.filter(code="SNV-T33").update(name="Sai tên")
    ServicePoint.objects.filter(code="TTHCC-T33").update(kiosk=True, address="Số 1")

    report = load_reference_data(["33"])

    assert report.updated["agencies"] == 1
    assert Agency.objects.get(code="SNV-T33").name == "Sở Nội vụ tỉnh Hưng Yên"
    point = ServicePoint.objects.get(code="TTHCC-T33")
    assert (point.kiosk, point.address) == (True, "Số 1")


def test_the_command_reports_what_it_did():
    out = io.StringIO()

    call_command("load_reference_data", "--province", "33", stdout=out)

    assert "units: 401 created, 0 updated" in out.getvalue()
    assert Agency.objects.filter(code="UBND-T33").exists()


def test_the_command_rejects_an_unknown_province():
    with pytest.raises(CommandError, match="--province 34"):
        call_command("load_reference_data", "--province", "34")
    assert not AdministrativeUnit.objects.exists()


def test_the_shared_reference_data_fixture_loads_the_demo_province(reference_data):
    root = Agency.objects.get(code="UBND-T33")
    assert root.children.filter(valid_until__isnull=True).count() == 1 + 12 + 104
    # … and the 10 pre-2025 districts of Hưng Yên, ended.
    assert (
        root.children.filter(kind=Agency.Kind.PEOPLES_COMMITTEE_DISTRICT).count() == 10
    )
    assert ServicePoint.objects.filter(code="TTHCC-T33").exists()
    assert reference_data.created["agencies"] == Agency.objects.count()


def test_a_provinces_own_procedure_wording_survives_a_reload(hung_yen, tmp_path):
    own = tmp_path / "tinh.csv"
    own.write_text("code,name\n1.000894,Đăng ký kết hôn (Hưng Yên)\n", encoding="utf-8")
    call_command("import_procedures", str(own), stdout=io.StringIO())

    load_reference_data(["33"])

    assert Procedure.objects.get(code="1.000894").name == "Đăng ký kết hôn (Hưng Yên)"


def test_the_agencies_models_match_their_migrations():
    call_command(
        "makemigrations", "agencies", "--check", "--dry-run", stdout=io.StringIO()
    )
