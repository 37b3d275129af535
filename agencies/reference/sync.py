"""Make the database hold a Plan: bulk inserts in waves, in-memory diffing.

Idempotent: existing rows are read once, compared field by field, and only the
rows that differ are updated; nothing is ever deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat

from agencies.models import AdministrativeUnit, Agency, ServicePoint
from agencies.reference.plan import Plan, Wanted

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


@dataclass
class LoadReport:
    """Rows created and updated per model, and the questionnaire messages."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values())


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
    fields = [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key or f.attname in rows[0]
    ]
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


def _reserve_ids(model: type[models.Model], count: int) -> list[int] | None:
    """`count` primary keys taken from the table's sequence, or None.

    PostgreSQL only (nextval is safe under concurrency): knowing the ids before
    inserting lets the agencies' materialised paths be written with the rows,
    instead of a second write that touches every index of 15,000 rows.
    """
    if connection.vendor != "postgresql" or not count:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) "
            "FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


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
        reserved = _reserve_ids(model, len(batch))
        if reserved:
            for (code, row), pk in zip(batch.items(), reserved, strict=True):
                row["id"] = pk
                if "path" in extra:
                    parent = wanted[code].parent
                    row["path"] = f"{rows[parent]['path'] if parent else '/'}{pk}/"
        _insert(model, [{"code": code, **row} for code, row in batch.items()])
        if reserved:
            ids = {code: row["id"] for code, row in batch.items()}
        else:
            ids = dict(
                model.objects.filter(code__in=list(batch)).values_list("code", "pk")
                if len(batch) < 900
                else model.objects.values_list("code", "pk")
            )
        for code, row in batch.items():
            row.pop("id", None)
            rows[code] = {
                **{name: "" if name == "path" else None for name in extra},
                **row,
                "pk": ids[code],
            }

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
