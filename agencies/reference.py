"""Reference data: administrative units, agencies, service points, procedures.

`load_reference_data(provinces)` makes the database hold what the shipped data
says, in a few bulk statements: it reads every existing row of the four models
once, diffs in memory, then bulk-creates the missing rows and bulk-updates the
ones whose loaded fields differ. A second run changes nothing. It never deletes:
rows that the data no longer mentions (or that an administrator added) stay.
Fields the loader does not set (a service point's address, kiosk settings,
questionnaire, explicit procedure links) are never touched.

Sources: the `vietnam-provinces` package 2026.9.0 (34 provinces, 3,321 communes
since 1 July 2025; its `legacy` module and 2025 conversion tables for the units
before), and agencies/data/{departments,procedures}.csv (see SOURCES.md there).

Codes (CONTRACT.md "Codes"):

- Units: province = official 2-digit code ("33"), commune = official 5-digit
  code ("12133"), pre-2025 district = official 3-digit code ("336"). The lengths
  differ, so the three levels cannot collide.
- Pre-2025 units: a pre-2025 code that the 2025 list reuses is the same unit,
  continuing — the package shows that every current province and commune keeps
  the code of one of the units it was formed from (province 33 Hưng Yên absorbed
  34 Thái Bình; commune 00004 Ba Đình kept the code of one of its wards). So a
  pre-2025 province or commune gets its own row, with its own official code,
  only when its code was given up; it cannot collide with a current code by
  construction. Every pre-2025 district gets a row (the level is gone). Such
  rows have `valid_until` 2025-06-30 and a `successor`: a province → the
  province it merged into; a commune → the commune it merged into (for one that
  was split, the part whose name it kept, else the first part the conversion
  table lists); a district → the province that took over (district functions
  went to the province and the communes). The 28 pre-2025 communes that the
  conversion table does not list get no successor.
- Agencies: `UBND-T<pp>` (root of its province) with, under it, `TTHCC-T<pp>`,
  the 12 mandatory departments `<SO>-T<pp>` (SNV, STP, STC, SCT, SNNMT, SXD,
  SKHCN, SVHTTDL, SGDDT, SYT, TTT, VPUBND) and every `UBND-X<wwwww>`;
  `TTHCC-X<wwwww>` under `UBND-X<wwwww>`. Pre-2025: `UBND-T<pp>` of a given-up
  province code (UBND-T34 Thái Bình), `UBND-H<ddd>` under its province's
  `UBND-T<pp>` (as it was before 2025: Hưng Yên's districts under UBND-T33), and
  `UBND-X<wwwww>` of a given-up commune code under its `UBND-H<ddd>` — ended on
  2025-06-30 and pointing to the successor unit's agency.
- Service points: a one-stop centre point per `TTHCC-*` agency whose code IS the
  agency code (`TTHCC-T33`, `TTHCC-X12133`), so `/s/TTHCC-T33/` resolves to the
  point directly; an online-portal point `DVC-T<pp>` per province, belonging to
  `UBND-T<pp>`. Pre-2025 agencies get no service point.

Procedures: every row of agencies/data/procedures.csv (national base codes only,
levels split on "|"), through the same import as `import_procedures`. Which
procedures a place handles is derived from their levels at query time
(agencies/queries.py), not stored as hundreds of thousands of links.
"""

from __future__ import annotations

import csv
import datetime
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, models, transaction
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat

from agencies.models import AdministrativeUnit, Agency, ServicePoint
from agencies.text import fold

DATA_DIR = Path(__file__).resolve().parent / "data"
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
DIVISION_EN = {
    "tỉnh": "Province",
    "thành phố trung ương": "City",
    "xã": "Commune",
    "phường": "Ward",
    "đặc khu": "Special Zone",
    "thị trấn": "Township",
    "huyện": "District",
    "quận": "Urban District",
    "thành phố": "City",
    "thị xã": "Town",
}
DIVISION_PREFIXES = sorted(
    [
        "Thành phố",
        "Tỉnh",
        "Xã",
        "Phường",
        "Đặc khu",
        "Thị trấn",
        "Huyện",
        "Quận",
        "Thị xã",
    ],
    key=len,
    reverse=True,
)

UNIT_FIELDS = (
    "name",
    "name_folded",
    "level",
    "division_type",
    "province_code",
    "valid_until",
)
AGENCY_FIELDS = (
    "name",
    "name_en",
    "name_folded",
    "kind",
    "unit_id",
    "province_code",
    "valid_until",
)
POINT_FIELDS = ("name", "name_folded", "kind", "agency_id")


class UnknownProvince(ValueError):
    """A requested province code is not one of the 34 current provinces."""


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


@dataclass
class LoadReport:
    """Rows created and updated per model, and the questionnaire messages."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values())


# -- names -------------------------------------------------------------------


def _bare(name: str) -> str:
    """'Tỉnh Hưng Yên' → 'Hưng Yên'."""
    for prefix in DIVISION_PREFIXES:
        if name.startswith(prefix + " "):
            return name[len(prefix) + 1 :]
    return name


def _lower_first(name: str) -> str:
    """'Tỉnh Hưng Yên' → 'tỉnh Hưng Yên', as it reads inside a longer name."""
    return name[:1].lower() + name[1:]


def _english(name: str, division_type: str) -> str:
    """'Phường Ba Đình' → 'Ba Đình Ward'."""
    kind = DIVISION_EN.get(division_type)
    return f"{_bare(name)} {kind}" if kind else _bare(name)


def _departments() -> list[dict[str, str]]:
    with (DATA_DIR / "departments.csv").open(encoding="utf-8", newline="") as file:
        rows = {row["abbr"]: row for row in csv.DictReader(file)}
    return [rows[abbr] for abbr in MANDATORY_DEPARTMENTS]


# Agency and point names are a fixed prefix + the unit's name; folding the parts
# once (fold distributes over the space) saves most unidecode calls.
NAME_PREFIXES = (
    "Ủy ban nhân dân ",
    "Trung tâm Phục vụ hành chính công ",
    "Cổng Dịch vụ công ",
)
_fold_part = functools.lru_cache(maxsize=None)(fold)


def _folded(name: str) -> str:
    for prefix in NAME_PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix) :]
            return f"{_fold_part(prefix)} {_fold_part(name[:1].lower() + name[1:])}"
    # Lower-case first letter: "Phường Ba Đình" shares the cache entry of the
    # "phường Ba Đình" inside agency names (fold lower-cases anyway).
    return _fold_part(name[:1].lower() + name[1:])


# -- the plan: every row the data asks for ------------------------------------


def _unit(plan: Plan, code: str, **values: Any) -> None:
    parent = values.pop("parent", None)
    successor = values.pop("successor", None)
    values["name_folded"] = _folded(values["name"])
    values.setdefault("valid_until", None)
    plan.units[code] = Wanted(code, values, parent=parent, successor=successor)


def _agency(plan: Plan, code: str, **values: Any) -> None:
    links = {key: values.pop(key, None) for key in ("parent", "successor", "unit")}
    values["name_folded"] = _folded(values["name"])
    values.setdefault("valid_until", None)
    plan.agencies[code] = Wanted(code, values, **links)


def _point(plan: Plan, code: str, agency: str, **values: Any) -> None:
    values["name_folded"] = _folded(values["name"])
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
        inside = _lower_first(province.name)  # "tỉnh Hưng Yên"
        english = _english(province.name, province.division_type.value)
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
        inside = _lower_first(ward.name)
        english = _english(ward.name, ward.division_type.value)
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
    bare = fold(_bare(old_name))
    for code in new_codes:
        if fold(_bare(names.get(code, ""))) == bare:
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
            name=f"Ủy ban nhân dân {_lower_first(province.name)}",
            name_en="People's Committee of "
            + _english(province.name, province.division_type.value),
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
        _unit(
            plan,
            ddd,
            name=district.name,
            level=AdministrativeUnit.Level.DISTRICT,
            division_type=district.division_type.value,
            province_code=pp,
            valid_until=LEGACY_UNTIL,
            parent=pp,
            successor=new_pp,
        )
        _agency(
            plan,
            f"UBND-H{ddd}",
            name=f"Ủy ban nhân dân {_lower_first(district.name)}",
            name_en="People's Committee of "
            + _english(district.name, district.division_type.value),
            kind=K.PEOPLES_COMMITTEE_DISTRICT,
            parent=f"UBND-T{pp}",
            unit=ddd,
            province_code=pp,
            valid_until=LEGACY_UNTIL,
            successor=f"UBND-T{new_pp}",
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
        _unit(
            plan,
            code,
            name=ward.name,
            level=AdministrativeUnit.Level.COMMUNE,
            division_type=ward.division_type.value,
            province_code=pp,
            valid_until=LEGACY_UNTIL,
            parent=ddd,
            successor=successor,
        )
        _agency(
            plan,
            f"UBND-X{code}",
            name=f"Ủy ban nhân dân {_lower_first(ward.name)}",
            name_en="People's Committee of "
            + _english(ward.name, ward.division_type.value),
            kind=K.PEOPLES_COMMITTEE_COMMUNE,
            parent=f"UBND-H{ddd}",
            unit=code,
            province_code=pp,
            valid_until=LEGACY_UNTIL,
            successor=f"UBND-X{successor}" if successor else None,
        )


def province_numbers(codes: Iterable[str] | None) -> set[int]:
    """Current province numbers for --province values ('33', '01'); all when None.

    Raises UnknownProvince naming the first code that is not a current province.
    """
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


# -- applying the plan ---------------------------------------------------------
#
# Rows are handled as dicts, not model instances, and new rows are inserted with
# multi-row INSERTs per wave: for ~30,000 rows Django's bulk_create spends most of
# the load preparing values field by field, and bulk_update builds one CASE
# branch per row and field. Both are kept for the few rows that change.


def _insert(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """INSERT rows (column values by field attname), a few hundred per statement.

    Multi-row VALUES rather than executemany, which psycopg2 runs as one round
    trip per row.

    Every concrete column gets a value: the row's, else the field's default, as
    Django would write it (there are no database-side defaults).
    """
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    head = "INSERT INTO {} ({}) VALUES ".format(
        quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    )
    one = "({})".format(", ".join(["%s"] * len(fields)))
    # Stay well under SQLite's 32,766 and PostgreSQL's 65,535 parameters.
    size = max(1, 6000 // len(fields))
    defaults = {f.attname: f.get_default() for f in fields}
    plain = (str, int, bool, type(None))

    def prepared(row: dict[str, Any]) -> tuple:
        out = []
        for f in fields:
            value = row.get(f.attname, defaults[f.attname])
            if isinstance(value, str):
                value = str(value)  # TextChoices members are str subclasses
            elif not isinstance(value, plain):
                value = f.get_db_prep_save(value, connection)
            out.append(value)
        return tuple(out)

    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            params = [value for row in batch for value in prepared(row)]
            cursor.execute(head + ", ".join([one] * len(batch)), params)


def _apply(
    model: type[models.Model],
    wanted: dict[str, Wanted],
    fields: tuple[str, ...],
    fixed: Callable[[Wanted], dict[str, Any]] = lambda want: {},
    links: tuple[str, ...] = ("parent", "successor"),
    extra: tuple[str, ...] = (),
) -> tuple[dict[str, dict[str, Any]], int, int]:
    """Create missing rows and update differing ones; return all rows by code.

    Rows come back as dicts of `fields`, link ids, `extra` and "pk". `parent` and
    `successor` links are resolved to ids; new rows are inserted in waves so that
    every row they link to already has an id.
    """
    link_ids = tuple(f"{link}_id" for link in links)
    names = (*fields, *link_ids)
    read = ("pk", "code", *names, *extra)
    rows = {row["code"]: row for row in model.objects.values(*read)}
    depth: dict[str, int] = {}

    def wave(code: str) -> int:
        if code not in depth:
            want = wanted[code]
            depth[code] = 1 + max(
                (
                    wave(target)
                    for target in (getattr(want, link) for link in links)
                    if target and target in wanted and target not in rows
                ),
                default=-1,
            )
        return depth[code]

    def values(want: Wanted) -> dict[str, Any]:
        return {
            **want.values,
            **fixed(want),
            **{
                f"{link}_id": rows[target]["pk"]
                if (target := getattr(want, link))
                else None
                for link in links
            },
        }

    new = [code for code in wanted if code not in rows]
    for level in sorted({wave(code) for code in new}):
        batch = {code: values(wanted[code]) for code in new if depth[code] == level}
        _insert(model, [{"code": code, **row} for code, row in batch.items()])
        ids = dict(
            model.objects.filter(code__in=list(batch)).values_list("code", "pk")
            if len(batch) < 900
            else model.objects.values_list("code", "pk")
        )
        for code, row in batch.items():
            rows[code] = {**{name: None for name in extra}, **row, "pk": ids[code]}
            rows[code].setdefault("path", "")

    changed = []
    for code in wanted.keys() - set(new):
        row, want = rows[code], values(wanted[code])
        if any(row[name] != want[name] for name in names):
            row.update(want)
            instance = model(pk=row["pk"], code=code)
            for name in names:
                setattr(instance, name, want[name])
            changed.append(instance)
    if changed:
        model.objects.bulk_update(changed, names, batch_size=500)
    return rows, len(new), len(changed)


def _set_paths(plan: Plan, agencies: dict[str, dict[str, Any]]) -> int:
    """Give agencies the materialised path Agency.save() would ("/root/…/self/").

    New rows (path "") get it from a few set-based UPDATEs, one per tree level;
    existing rows whose parent changed are compared in memory and bulk-updated.
    Returns the number of existing rows that changed.
    """
    as_text = Cast("id", output_field=models.CharField())
    Agency.objects.filter(path="", parent__isnull=True).update(
        path=Concat(Value("/"), as_text, Value("/"))
    )
    parent_path = Subquery(
        Agency.objects.filter(pk=OuterRef("parent_id")).values("path")[:1]
    )
    while (
        Agency.objects.filter(path="")
        .exclude(parent__path="")
        .update(path=Concat(parent_path, as_text, Value("/")))
    ):
        pass

    paths: dict[str, str] = {}

    def path(code: str) -> str:
        if code not in paths:
            parent = plan.agencies[code].parent
            prefix = path(parent) if parent else "/"
            paths[code] = f"{prefix}{agencies[code]['pk']}/"
        return paths[code]

    changed = []
    for code in plan.agencies:
        row = agencies[code]
        if row["path"] and row["path"] != path(code):
            changed.append(Agency(pk=row["pk"], path=path(code)))
    if changed:
        Agency.objects.bulk_update(changed, ["path"], batch_size=500)
        # Agencies outside the plan that hang under a moved one follow it.
        moved = [row.pk for row in changed]
        for child in Agency.objects.filter(parent__in=moved).exclude(
            code__in=list(plan.agencies)
        ):
            child.save()
    return len(changed)


@transaction.atomic
def apply_plan(plan: Plan) -> LoadReport:
    report = LoadReport()
    units, created, updated = _apply(AdministrativeUnit, plan.units, UNIT_FIELDS)
    report.created["units"], report.updated["units"] = created, updated

    agencies, created, updated = _apply(
        Agency,
        plan.agencies,
        AGENCY_FIELDS,
        lambda want: {"unit_id": units[want.unit]["pk"]},
        extra=("path",),
    )
    moved = _set_paths(plan, agencies)
    report.created["agencies"], report.updated["agencies"] = created, updated + moved

    _points, created, updated = _apply(
        ServicePoint,
        plan.points,
        POINT_FIELDS,
        lambda want: {"agency_id": agencies[want.agency]["pk"]},
        links=(),
    )
    report.created["service points"], report.updated["service points"] = (
        created,
        updated,
    )
    return report


def load_reference_data(provinces: Iterable[str] | None = None) -> LoadReport:
    """Load units, agencies, service points, procedures and questionnaires.

    `provinces`: current province codes to load ("33"); all 34 when empty. The
    pre-2025 units that merged into them come along. Procedures and
    questionnaires are national and always loaded. Idempotent; all or nothing.
    """
    from agencies.procedure_import import import_procedure_file
    from surveys.reference import load_questionnaires

    plan = build_plan(province_numbers(provinces))
    with transaction.atomic():
        report = apply_plan(plan)
        result = import_procedure_file(DATA_DIR / "procedures.csv")
        report.created["procedures"] = result.created
        report.updated["procedures"] = result.updated
        report.messages.extend(load_questionnaires())
    return report
