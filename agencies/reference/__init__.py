"""Reference data: administrative units, agencies, service points, procedures.

`load_administrative_data(provinces)` makes the database hold what the shipped
data says, in a few set-based statements: it reads every existing row of the models
once, diffs in memory, inserts the missing rows with multi-row INSERTs (in
waves, so links point to rows that exist) and bulk-updates the few rows whose
loaded fields differ. A second run changes nothing. It never deletes:
rows that the data no longer mentions (or that an administrator added) stay.
Fields the loader does not set (a service point's address, kiosk settings,
questionnaire, explicit procedure links) are never touched.

Sources: the `vietnam-provinces` package 2026.9.0 (34 provinces, 3,321 communes
since 1 July 2025; its `legacy` module and 2025 conversion tables for the units
before), and agencies/data/{departments,procedures}.csv (see SOURCES.md there).

Codes (docs/formats.md, "Codes"):

- Units: province = official 2-digit code ("33"), commune = official 5-digit
  code ("12133"), pre-2025 district = official 3-digit code ("336"). The lengths
  differ, so the three levels cannot collide.
- Pre-2025 units: a pre-2025 code that the 2025 list reuses is the same unit,
  continuing — the package shows that every current province and commune keeps
  the code of one of the units it was formed from (province 33 Hưng Yên absorbed
  34 Thái Bình; commune 00004 Ba Đình kept the code of one of its wards). So a
  pre-2025 province or commune gets its own row, with its own official code,
  only when its code was given up; it cannot collide with a current code by
  construction. (The price: a continuing code keeps only its current name.)
  This is done for every pre-2025 province that merged into a requested one.
  Every pre-2025 district gets a row (the level is gone). Such
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
levels split on "|"), through the same import as `import_procedures`, but only
for codes not stored yet, so a province's imported catalogue keeps its wording. Which
procedures a place handles is derived from their levels at query time
(agencies/queries.py), not stored as hundreds of thousands of links.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from agencies.procedure_import import import_procedure_file
from agencies.reference.plan import (
    DATA_DIR,
    LEGACY_UNTIL,
    MANDATORY_DEPARTMENTS,
    PackageUnavailable,
    Plan,
    UnknownProvince,
    build_plan,
    province_numbers,
)
from agencies.reference.sync import LoadReport, apply_plan

__all__ = [
    "DATA_DIR",
    "LEGACY_UNTIL",
    "MANDATORY_DEPARTMENTS",
    "LoadReport",
    "PackageUnavailable",
    "Plan",
    "UnknownProvince",
    "apply_plan",
    "build_plan",
    "load_administrative_data",
    "province_numbers",
]


def load_administrative_data(provinces: Iterable[str] | None = None) -> LoadReport:
    """Load units, agencies, service points and procedures (the questionnaires
    come with them in surveys.reference.load_reference_data).

    `provinces`: current province codes to load ("33"); all 34 when empty. The
    pre-2025 units that merged into them come along. Procedures are national and
    always loaded. The bundled procedures only fill in missing codes: a
    province's own catalogue (import_procedures) keeps its wording. Idempotent;
    all or nothing.
    """
    plan = build_plan(province_numbers(provinces))
    with transaction.atomic():
        report = apply_plan(plan)
        result = import_procedure_file(
            DATA_DIR / "procedures.csv", update_existing=False
        )
        report.created["procedures"] = result.created
        report.updated["procedures"] = result.updated
    return report
