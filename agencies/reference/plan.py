"""The plan: every unit, agency and service point the package data asks for.

Pure reading of `vietnam-provinces` and agencies/data/departments.csv into
`Plan` (rows by code, links by code); no database access. The code scheme is
documented in agencies/reference/__init__.py.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agencies.models import AdministrativeUnit, Agency, ServicePoint
from agencies.reference.names import (
    bare as bare_name,
)
from agencies.reference.names import (
    english as english_name,
)
from agencies.reference.names import (
    folded,
    lower_first,
)
from agencies.text import fold

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
LEGACY_UNTIL = datetime.date(2025, 6, 30)
MANDATORY_DEPARTMENTS = (
    "SNV",
    "STP",
    "STC",
    "SCT",
    "SNNMT",
    "SXD",
    "SKHCN",
    "SVHTTDL",
    "SGDDT",
    "SYT",
    "TTT",
    "VPUBND",
)


class UnknownProvince(ValueError):
    """A requested province code is not one of the 34 current provinces."""


class PackageUnavailable(RuntimeError):
    """vietnam-provinces is missing or older than the official 2025 list."""


# 2025.10.1 still carries a draft list with 114 wrong commune codes.
PACKAGE_VERSION = (2026, 9)
INSTALL_HINT = (
    "pip install --no-deps --ignore-requires-python vietnam-provinces==2026.9.0 "
    "(make venv does it)"
)


def check_package() -> None:
    """Raise PackageUnavailable unless vietnam-provinces >= 2026.9 is importable."""
    try:
        import vietnam_provinces
    except ImportError:
        raise PackageUnavailable(f"vietnam-provinces is not installed: {INSTALL_HINT}")
    version = vietnam_provinces.__version__
    parts = tuple(int(part) for part in version.split(".")[:2] if part.isdigit())
    if parts < PACKAGE_VERSION:
        raise PackageUnavailable(
            f"vietnam-provinces {version} predates the official 2025 list: "
            + INSTALL_HINT
        )


@dataclass
class Wanted:
    """What one row should hold: plain fields plus links by code."""

    code: str
    values: dict[str, Any]
    parent: str | None = None
    successor: str | None = None
    unit: str | None = None
    agency: str | None = None


@dataclass
class Plan:
    units: dict[str, Wanted] = field(default_factory=dict)
    agencies: dict[str, Wanted] = field(default_factory=dict)
    points: dict[str, Wanted] = field(default_factory=dict)


def _departments() -> list[dict[str, str]]:
    with (DATA_DIR / "departments.csv").open(encoding="utf-8", newline="") as file:
        rows = {row["abbr"]: row for row in csv.DictReader(file)}
    return [rows[abbr] for abbr in MANDATORY_DEPARTMENTS]


# -- the plan: every row the data asks for ------------------------------------


def _unit(plan: Plan, code: str, **values: Any) -> None:
    parent = values.pop("parent", None)
    successor = values.pop("successor", None)
    values["name_folded"] = folded(values["name"])
    values.setdefault("valid_until", None)
    plan.units[code] = Wanted(code, values, parent=parent, successor=successor)


def _agency(plan: Plan, code: str, **values: Any) -> None:
    links = {key: values.pop(key, None) for key in ("parent", "successor", "unit")}
    values["name_folded"] = folded(values["name"])
    values.setdefault("valid_until", None)
    plan.agencies[code] = Wanted(code, values, **links)


def _point(plan: Plan, code: str, agency: str, **values: Any) -> None:
    values["name_folded"] = folded(values["name"])
    plan.points[code] = Wanted(code, values, agency=agency)


def _plan_current(plan: Plan, province_codes: set[int]) -> None:
    from vietnam_provinces import Province, Ward

    K = Agency.Kind
    departments = _departments()
    for province in Province.iter_all():
        number = int(province.code)
        if number not in province_codes:
            continue
        pp = f"{number:02d}"
        inside = lower_first(province.name)  # "tỉnh Hưng Yên"
        english = english_name(province.name, province.division_type.value)
        _unit(
            plan,
            pp,
            name=province.name,
            level=AdministrativeUnit.Level.PROVINCE,
            division_type=province.division_type.value,
            province_code=pp,
        )
        root = f"UBND-T{pp}"
        common = {"unit": pp, "province_code": pp}
        _agency(
            plan,
            root,
            name=f"Ủy ban nhân dân {inside}",
            name_en=f"People's Committee of {english}",
            kind=K.PEOPLES_COMMITTEE_PROVINCE,
            **common,
        )
        _agency(
            plan,
            f"TTHCC-T{pp}",
            name=f"Trung tâm Phục vụ hành chính công {inside}",
            name_en=f"Public Administrative Service Centre of {english}",
            kind=K.SERVICE_CENTRE_PROVINCE,
            parent=root,
            **common,
        )
        for department in departments:
            # "Thanh tra tỉnh" → "Thanh tra thành phố Hà Nội" in a city.
            stem = department["name_vi"].removesuffix(" tỉnh")
            _agency(
                plan,
                f"{department['abbr']}-T{pp}",
                name=f"{stem} {inside}",
                name_en=f"{department['name_en']} – {english}",
                kind=K.DEPARTMENT,
                parent=root,
                **common,
            )
        _point(
            plan,
            f"TTHCC-T{pp}",
            agency=f"TTHCC-T{pp}",
            name=f"Trung tâm Phục vụ hành chính công {inside}",
            kind=ServicePoint.Kind.ONE_STOP_CENTRE,
        )
        _point(
            plan,
            f"DVC-T{pp}",
            agency=root,
            name=f"Cổng Dịch vụ công {inside}",
            kind=ServicePoint.Kind.ONLINE,
        )

    for ward in Ward.iter_all():
        number = int(ward.province_code)
        if number not in province_codes:
            continue
        pp, code = f"{number:02d}", f"{int(ward.code):05d}"
        inside = lower_first(ward.name)
        english = english_name(ward.name, ward.division_type.value)
        _unit(
            plan,
            code,
            name=ward.name,
            level=AdministrativeUnit.Level.COMMUNE,
            division_type=ward.division_type.value,
            province_code=pp,
            parent=pp,
        )
        common = {"unit": code, "province_code": pp}
        _agency(
            plan,
            f"UBND-X{code}",
            name=f"Ủy ban nhân dân {inside}",
            name_en=f"People's Committee of {english}",
            kind=K.PEOPLES_COMMITTEE_COMMUNE,
            parent=f"UBND-T{pp}",
            **common,
        )
        _agency(
            plan,
            f"TTHCC-X{code}",
            name=f"Trung tâm Phục vụ hành chính công {inside}",
            name_en=f"Public Administrative Service Centre of {english}",
            kind=K.SERVICE_CENTRE_COMMUNE,
            parent=f"UBND-X{code}",
            **common,
        )
        _point(
            plan,
            f"TTHCC-X{code}",
            agency=f"TTHCC-X{code}",
            name=f"Trung tâm Phục vụ hành chính công {inside}",
            kind=ServicePoint.Kind.ONE_STOP_CENTRE,
        )


def _successor_ward(old_name: str, new_codes: list[int], names: dict[int, str]) -> int:
    """The part of a split commune that kept its name, else the first part listed."""
    bare = fold(bare_name(old_name))
    for code in new_codes:
        if fold(bare_name(names.get(code, ""))) == bare:
            return code
    return new_codes[0]


def _plan_legacy(plan: Plan, province_codes: set[int]) -> None:
    from vietnam_provinces import Province, Ward
    from vietnam_provinces import legacy as old
    from vietnam_provinces._province_conversion_2025 import OLD_TO_NEW as PROVINCES
    from vietnam_provinces._ward_conversion_2025 import OLD_TO_NEW as WARDS

    K = Agency.Kind
    current_provinces = {int(p.code) for p in Province.iter_all()}
    current_wards = {int(w.code): w.name for w in Ward.iter_all()}
    # Old province → the one current province it merged into (whole provinces merged).
    merged_into = {
        number: entry.new_provinces[0].code
        for number, entry in PROVINCES.items()
        if entry.new_provinces[0].code in province_codes
    }
    district_province: dict[int, int] = {}

    for province in old.Province.iter_all():
        number = int(province.code)
        if number not in merged_into or number in current_provinces:
            continue  # not requested, or its code continues as a current province
        pp, new_pp = f"{number:02d}", f"{merged_into[number]:02d}"
        _unit(
            plan,
            pp,
            name=province.name,
            level=AdministrativeUnit.Level.PROVINCE,
            division_type=province.division_type.value,
            province_code=pp,
            valid_until=LEGACY_UNTIL,
            successor=new_pp,
        )
        _agency(
            plan,
            f"UBND-T{pp}",
            name=f"Ủy ban nhân dân {lower_first(province.name)}",
            name_en="People's Committee of "
            + english_name(province.name, province.division_type.value),
            kind=K.PEOPLES_COMMITTEE_PROVINCE,
            unit=pp,
            province_code=pp,
            valid_until=LEGACY_UNTIL,
            successor=f"UBND-T{new_pp}",
        )

    for district in old.District.iter_all():
        number = int(district.province_code)
        if number not in merged_into:
            continue
        district_province[int(district.code)] = number
        pp, new_pp = f"{number:02d}", f"{merged_into[number]:02d}"
        ddd = f"{int(district.code):03d}"
        _legacy_unit(
            plan,
            district,
            ddd,
            AdministrativeUnit.Level.DISTRICT,
            province_code=pp,
            parent=(pp, f"UBND-T{pp}"),
            successor=(new_pp, f"UBND-T{new_pp}"),
        )

    for ward in old.Ward.iter_all():
        number = int(ward.code)
        province = district_province.get(int(ward.district_code))
        if province is None or number in current_wards:
            continue  # not requested, or its code continues as a current commune
        pp, code = f"{province:02d}", f"{number:05d}"
        ddd = f"{int(ward.district_code):03d}"
        entry = WARDS.get(number)
        successor = None
        if entry:
            parts = [n.code for n in entry.new_wards]
            successor = f"{_successor_ward(ward.name, parts, current_wards):05d}"
        _legacy_unit(
            plan,
            ward,
            code,
            AdministrativeUnit.Level.COMMUNE,
            province_code=pp,
            parent=(ddd, f"UBND-H{ddd}"),
            successor=(successor, f"UBND-X{successor}") if successor else None,
        )


def province_numbers(codes: Iterable[str] | None) -> set[int]:
    """Current province numbers for --province values ('33', '01'); all when None.

    Raises UnknownProvince naming the first code that is not a current province,
    PackageUnavailable when the unit data cannot be read.
    """
    check_package()
    from vietnam_provinces import Province

    current = {int(p.code) for p in Province.iter_all()}
    if not codes:
        return current
    numbers = set()
    for code in codes:
        text = str(code).strip()
        if not text.isdigit() or int(text) not in current:
            raise UnknownProvince(text)
        numbers.add(int(text))
    return numbers


def build_plan(province_codes: set[int]) -> Plan:
    plan = Plan()
    _plan_current(plan, province_codes)
    _plan_legacy(plan, province_codes)
    return plan


def _legacy_unit(
    plan,
    place,
    code: str,
    level: str,
    *,
    province_code: str,
    parent: tuple[str, str],
    successor: tuple[str, str] | None,
) -> None:
    """A pre-2025 district or commune and its people's committee, ended and pointing
    to their successors (`parent`, `successor`: unit and agency codes)."""
    district = level == AdministrativeUnit.Level.DISTRICT
    _unit(
        plan,
        code,
        name=place.name,
        level=level,
        division_type=place.division_type.value,
        province_code=province_code,
        valid_until=LEGACY_UNTIL,
        parent=parent[0],
        successor=successor[0] if successor else None,
    )
    _agency(
        plan,
        f"UBND-{'H' if district else 'X'}{code}",
        name=f"Ủy ban nhân dân {lower_first(place.name)}",
        name_en="People's Committee of "
        + english_name(place.name, place.division_type.value),
        kind=Agency.Kind.PEOPLES_COMMITTEE_DISTRICT
        if district
        else Agency.Kind.PEOPLES_COMMITTEE_COMMUNE,
        parent=parent[1],
        unit=code,
        province_code=province_code,
        valid_until=LEGACY_UNTIL,
        successor=successor[1] if successor else None,
    )
