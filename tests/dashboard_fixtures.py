"""Fixtures of the dashboard tests: two provinces, a merged pre-2025 province,
one person per role and precomputed IndexResult rows (built directly, as the
index engine would write them), plus a few commented responses.

Imported with `from tests.dashboard_fixtures import *` by the dashboard, security and
export tests.
"""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.contrib.auth import get_user_model

from agencies.models import AdministrativeUnit, Agency, Procedure
from reports.models import IndexResult
from staff.models import StaffProfile
from surveys.models import Answer, Item, Questionnaire, QuestionnaireVersion, Response

VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
PASSWORD = "a-Long-test-passw0rd"
PERIOD = "2026"
ITEMS = {
    "E1": ["E1.1", "E1.2", "E1.3", "E1.4"],
    "E2": ["E2.1", "E2.2", "E2.3", "E2.4"],
    "E3": ["E3.1", "E3.2", "E3.3", "E3.4", "E3.5"],
    "E4": ["E4.1", "E4.2", "E4.3"],
    "E5": ["E5.1", "E5.2", "E5.3"],
}
# A marker only the other province's data carries: no page or export seen by a
# Hưng Yên analyst or a commune manager may contain it.
FOREIGN_NAME = "Sở Nội vụ tỉnh Xa Lạ"


def _unit(
    code: str, name: str, level: str, province: str, **extra
) -> AdministrativeUnit:
    return AdministrativeUnit.objects.create(
        code=code, name=name, level=level, province_code=province, **extra
    )


def _agency(code, name, kind, unit, parent=None, **extra) -> Agency:
    return Agency.objects.create(
        code=code,
        name=name,
        kind=kind,
        unit=unit,
        parent=parent,
        province_code=unit.province_code,
        **extra,
    )


def result(
    agency,
    indicator,
    value,
    n,
    *,
    period=PERIOD,
    kind=None,
    dimension="",
    dimension_value="",
    scope="subtree",
    questionnaire="exit-dv",
) -> IndexResult:
    if kind is None:
        kind = (
            "aspect"
            if indicator.startswith("A_")
            else "overall"
            if indicator == "G"
            else "item"
            if "." in indicator
            else "element"
        )
    low, high = (
        (None, None) if value is None else (max(value - 4, 0), min(value + 4, 100))
    )
    return IndexResult(
        methodology="sipas-1001",
        period=period,
        agency=agency,
        scope=scope,
        questionnaire=questionnaire,
        dimension=dimension,
        dimension_value=dimension_value,
        kind=kind,
        indicator=indicator,
        value=value,
        n=n,
        ci_low=low,
        ci_high=high,
        se=None if value is None else round(4 / 1.96, 4),
        flag="small_sample" if n < 30 else "",
    )


def full_results(
    agency, base: float, n: int, period: str = PERIOD
) -> list[IndexResult]:
    """Every headline, element and item row of one agency and period, plus
    breakdowns by channel, gender and procedure."""
    rows = [
        result(agency, "A_DV", base, n, period=period),
        result(agency, "G", base + 1, n, period=period),
    ]
    for position, (element, items) in enumerate(ITEMS.items()):
        rows.append(result(agency, element, base - position, n, period=period))
        for k, item in enumerate(items):
            rows.append(result(agency, item, base - position + k, n, period=period))
    for level, share in enumerate((2.0, 3.75, 15.0, 47.5, 31.75), start=1):
        rows.append(result(agency, f"G:{level}", share, n, period=period, kind="share"))
    for channel, delta in (("truc_tiep", 2), ("truc_tuyen", -3)):
        rows.append(
            result(
                agency,
                "A_DV",
                base + delta,
                n // 2,
                period=period,
                dimension="channel",
                dimension_value=channel,
            )
        )
    rows.append(
        result(
            agency,
            "A_DV",
            base,
            n // 2,
            period=period,
            dimension="gender",
            dimension_value="nu",
        )
    )
    for k, code in enumerate(["1.000894", "2.000884"]):
        rows.append(
            result(
                agency,
                "A_DV",
                base - 5 * k,
                40,
                period=period,
                dimension="procedure",
                dimension_value=code,
            )
        )
    return rows


@pytest.fixture
def agencies(db) -> dict[str, Agency]:
    hy = _unit("33", "Tỉnh Hưng Yên", "province", "33")
    tb = _unit(
        "34", "Tỉnh Thái Bình", "province", "34", valid_until=datetime.date(2025, 6, 30)
    )
    other = _unit("01", "Thành phố Xa Lạ", "province", "01")
    commune = _unit("12133", "Xã Mẫu", "commune", "33", parent=hy)
    made = {}
    made["UBND-T33"] = root = _agency("UBND-T33", "UBND tỉnh Hưng Yên", "ubnd_tinh", hy)
    made["SNV-T33"] = _agency("SNV-T33", "Sở Nội vụ tỉnh Hưng Yên", "so", hy, root)
    made["STP-T33"] = _agency("STP-T33", "Sở Tư pháp tỉnh Hưng Yên", "so", hy, root)
    made["SXD-T33"] = _agency("SXD-T33", "Sở Xây dựng tỉnh Hưng Yên", "so", hy, root)
    made["UBND-X12133"] = x = _agency(
        "UBND-X12133", "UBND xã Mẫu", "ubnd_xa", commune, root
    )
    made["TTHCC-X12133"] = _agency(
        "TTHCC-X12133", "Trung tâm PVHCC xã Mẫu", "tthcc_xa", commune, x
    )
    made["UBND-T34"] = _agency(
        "UBND-T34",
        "UBND tỉnh Thái Bình",
        "ubnd_tinh",
        tb,
        valid_until=datetime.date(2025, 6, 30),
        successor=root,
    )
    made["UBND-T01"] = o = _agency(
        "UBND-T01", "UBND Thành phố Xa Lạ", "ubnd_tinh", other
    )
    made["SNV-T01"] = _agency("SNV-T01", FOREIGN_NAME, "so", other, o)
    return made


@pytest.fixture
def index_results(agencies) -> None:
    rows = []
    bases = {
        "UBND-T33": 84.0,
        "SNV-T33": 88.0,
        "STP-T33": 80.0,
        "UBND-X12133": 79.0,
        "TTHCC-X12133": 79.5,
        "UBND-T01": 90.0,
        "SNV-T01": 91.0,
    }
    for code, base in bases.items():
        rows += full_results(agencies[code], base, 400)
        rows += full_results(agencies[code], base - 6, 400, period="2025")
        for month in range(1, 13):
            rows.append(
                result(
                    agencies[code], "A_DV", base, 30 + month, period=f"2026-{month:02d}"
                )
            )
    # SXD has too few answers: listed, not ranked.
    rows.append(result(agencies["SXD-T33"], "A_DV", 99.0, 12))
    # The merged pre-2025 province has history only.
    rows.append(result(agencies["UBND-T34"], "A_DV", 81.0, 500, period="2024"))
    rows.append(result(agencies["UBND-T34"], "A_DV", 82.0, 500, period="2025"))
    IndexResult.objects.bulk_create(rows)


def _user(username: str, role: str | None = None, **profile) -> object:
    # No password (force_login): hashing one per test would dominate the run time.
    user = get_user_model().objects.create_user(username, f"{username}@example.vn")
    if role:
        StaffProfile.objects.create(user=user, role=role, **profile)
    return user


@pytest.fixture
def national_viewer(agencies):
    return _user("national", "national_viewer")


@pytest.fixture
def administrator(agencies):
    return _user("admin_sipas", "administrator")


@pytest.fixture
def province_analyst(agencies):
    return _user("analyst33", "provincial_analyst", province_code="33")


@pytest.fixture
def other_analyst(agencies):
    return _user("analyst01", "provincial_analyst", province_code="01")


@pytest.fixture
def commune_manager(agencies):
    return _user("manager_x", "agency_manager", agency=agencies["UBND-X12133"])


@pytest.fixture
def outsider(agencies):
    return _user("outsider")


@pytest.fixture
def people(
    national_viewer,
    administrator,
    province_analyst,
    commune_manager,
    outsider,
    other_analyst,
) -> dict:
    return {
        "national_viewer": national_viewer,
        "administrator": administrator,
        "province_analyst": province_analyst,
        "commune_manager": commune_manager,
        "other_analyst": other_analyst,
        "outsider": outsider,
    }


@pytest.fixture
def exit_version(db) -> QuestionnaireVersion:
    questionnaire, _created = Questionnaire.objects.get_or_create(
        code="exit-dv", defaults={"name": "Phiếu sau giao dịch"}
    )
    version, created = QuestionnaireVersion.objects.get_or_create(
        questionnaire=questionnaire, number=1, defaults={"title": "Phiếu"}
    )
    if created:
        position = 0
        for element, items in ITEMS.items():
            for code in items:
                position += 1
                Item.objects.create(
                    version=version,
                    code=code,
                    position=position,
                    kind="sat5",
                    element=element,
                    aspect="A_DV",
                    text=f"Tiêu chí {code}",
                )
        Item.objects.create(
            version=version, code="G", position=99, kind="sat5", text="Nhìn chung"
        )
        version.publish()
    return version


@pytest.fixture
def comments(agencies, exit_version) -> dict[str, Response]:
    """Commented responses: one in the commune, one at a Hưng Yên department, one
    in the other province (with a formula-like text)."""
    procedure = Procedure.objects.create(
        code="1.000894", name="Đăng ký kết hôn", field="Hộ tịch"
    )
    when = datetime.datetime(2026, 7, 3, 9, 30, tzinfo=VN)
    made = {}
    for key, code, text, g in (
        ("commune", "TTHCC-X12133", "Cán bộ xã hướng dẫn rất tận tình.", 5),
        ("department", "SNV-T33", "Phải chờ quá lâu ở quầy.", 2),
        ("foreign", "SNV-T01", '=HYPERLINK("http://x") ' + FOREIGN_NAME, 1),
    ):
        response = Response.objects.create(
            version=exit_version,
            submitted_at=when,
            agency=agencies[code],
            procedure=procedure,
            channel="truc_tiep",
            comment=text,
            source="web",
        )
        Answer.objects.create(response=response, item_code="G", value=g)
        Answer.objects.create(response=response, item_code="E3.1", value=g)
        made[key] = response
    return made
