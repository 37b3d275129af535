"""The index engine: keep the aggregates current and turn them into IndexResult rows.

Flow. A response is stored with ``counted = False``; ``surveys.services`` calls
:func:`note_new_responses`, which enqueues one debounced sweep after commit. The
sweep (:func:`sweep_dirty`) adds the counts of the uncounted responses to the
month aggregates (AnswerCount/MaskCount, an upsert ``count = count + new``), marks
them counted in the same transaction — so each response is counted exactly once —
and rewrites the year, quarter and month indices of the agency-scopes concerned.
:func:`recompute_period` rewrites a whole period from the aggregates (beat does
it nightly for the current and previous periods); :func:`rebuild_aggregates`
rebuilds a year's aggregates from raw answers, a repair that ``compute_indices
--rebuild`` runs.

Indices are computed in Python (reports.indices) from group counts that the
database sums from the aggregates (own agency, or the agency's subtree through the
materialised paths), never from raw answers: a period reads one row per group.
Writers of aggregates and indices take one lock (:func:`_lock_engine`), so a sweep
and a recompute never interleave.
"""

from __future__ import annotations

import datetime
import io
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from agencies.models import Agency
from reports import indices
from reports.models import AnswerCount, IndexResult, MaskCount, PendingBreakdown
from sipas.periods import (
    Period,
    local_day,
    parse_period,
    periods_of_day,
    periods_of_year,
)
from sipas.pgcopy import copy_line, copy_value
from surveys.models import Item, QuestionnaireVersion, Response

log = logging.getLogger(__name__)

# Breakdowns for dashboards: the dimension and the SQL giving its value.
DIMENSIONS: dict[str, str] = {
    "channel": "b.channel",
    "gender": "b.gender",
    "age_group": "b.age_group",
    "procedure": "b.procedure",
    "field": "b.field",
}
# Which period granularities get breakdown rows (IndexResult), to keep them small:
# dashboards filter every period by channel, years and quarters by procedure
# field; respondent groups are shown per year and quarter, single procedures per
# year. The aggregates of a dimension are kept per bucket of its coarsest
# granularity (a channel per month, a field per quarter, a procedure per year).
BREAKDOWN_GRANULARITIES: dict[str, set[str]] = {
    "channel": {"year", "quarter", "month"},
    "field": {"year", "quarter"},
    "gender": {"year", "quarter"},
    "age_group": {"year", "quarter"},
    "procedure": {"year"},
}
# Breakdowns the agency page shows as one number per value: only the headline
# indicator is written for them (channel and field rows also carry the elements,
# G and its distribution, for the filtered overview).
HEADLINE_ONLY = {"gender", "age_group", "procedure"}
# The engine's two parts. OFFICIAL: the indices CONTRACT.md publishes (dimension
# ""), own and subtree scopes. BREAKDOWNS: the dashboards' breakdowns (subtree
# scope). They share the aggregate tables but are counted and written by separate
# sweeps, so the official indices never wait for the breakdowns, which are four
# fifths of the aggregate rows and most of the engine's work.
OFFICIAL = "official"
BREAKDOWNS = "breakdowns"
PARTS = (OFFICIAL, BREAKDOWNS)
# Breakdown aggregates keep only satisfied (5) / not satisfied (1) per item: all
# the headline indicators need, at a fraction of the rows.
COLLAPSED_VALUE = "CASE WHEN b.value IN (4, 5) THEN 5 ELSE 1 END"
SWEEP_DEBOUNCE_SECONDS = getattr(settings, "REPORTS_SWEEP_DEBOUNCE_SECONDS", 30)
SWEEP_LOCK_KEY = "reports:sweep-scheduled"
BREAKDOWN_DEBOUNCE_SECONDS = getattr(settings, "REPORTS_BREAKDOWN_DEBOUNCE_SECONDS", 60)
BREAKDOWN_LOCK_KEY = "reports:breakdown-sweep-scheduled"
SWEEP_BATCH = 5000
ENGINE_LOCK_ID = 0x51FA5  # pg_advisory_xact_lock key shared by all engine writers


# --- what the questionnaires ask ---------------------------------------------------


@dataclass(frozen=True)
class Setup:
    """Everything the engine needs to know about questionnaires, loaded once."""

    version_questionnaire: dict[int, str]
    methodology: dict[str, indices.Methodology]
    catalogue: dict[str, indices.Catalogue]
    breakdown_catalogue: dict[str, indices.Catalogue]
    element_of_item: dict[str, int]  # item code → element bit
    headline_items: list[str]


def load_setup() -> Setup:
    """Catalogues of every questionnaire (items merged by code over its versions)."""
    version_questionnaire: dict[int, str] = {}
    methodology: dict[str, indices.Methodology] = {}
    per_q: dict[str, dict[str, Item]] = defaultdict(dict)
    versions = QuestionnaireVersion.objects.select_related("questionnaire").order_by(
        "questionnaire__code", "number"
    )
    for version in versions:
        code = version.questionnaire.code
        version_questionnaire[version.pk] = code
        methodology[code] = indices.get_methodology(version.questionnaire.methodology)
    items = Item.objects.filter(version__in=list(version_questionnaire)).order_by(
        "version__number", "position"
    )
    for item in items:
        per_q[version_questionnaire[item.version_id]][item.code] = item
    catalogue, breakdown, element_bits = {}, {}, {}
    headline: set[str] = set()
    for code, items_by_code in per_q.items():
        method = methodology[code]
        sat = {
            c: i.element
            for c, i in items_by_code.items()
            if i.kind == Item.Kind.SAT5 and i.element in method.elements
        }
        choices = {
            c: [o["value"] for o in i.options]
            for c, i in items_by_code.items()
            if i.kind == Item.Kind.SINGLE
        }
        overall = method.overall_item in items_by_code
        catalogue[code] = indices.Catalogue(sat, overall, choices)
        headline_sat = {c: e for c, e in sat.items() if method.elements[e] == "A_DV"}
        breakdown[code] = indices.Catalogue(headline_sat, overall, {})
        headline.update(headline_sat)
        if overall:
            headline.add(method.overall_item)
        for c, element in sat.items():
            element_bits[c] = method.element_bit(element)
    return Setup(
        version_questionnaire,
        methodology,
        catalogue,
        breakdown,
        element_bits,
        sorted(headline),
    )


# --- aggregates: counted from new responses, or rebuilt from raw answers ----------


def _bucket_unit(dimension: str) -> str:
    """The bucket of a dimension's aggregates: month, quarter or year."""
    if not dimension:
        return "month"
    allowed = BREAKDOWN_GRANULARITIES[dimension]
    return next(u for u in ("month", "quarter", "year") if u in allowed)


def _bucket_sql(column: str, unit: str) -> str:
    """SQL for the first day of the local (Asia/Ho_Chi_Minh) month, quarter or
    year of a timestamp. Literal percent signs are doubled: the SQL runs with
    parameters."""
    if connection.vendor == "postgresql":
        local = f"({column} AT TIME ZONE 'Asia/Ho_Chi_Minh')"
        return f"date_trunc('{unit}', {local})::date"
    # SQLite stores UTC text; Vietnam has kept UTC+7 without DST since 1975.
    if unit == "year":
        return f"date({column}, '+7 hours', 'start of year')"
    if unit == "month":
        return f"date({column}, '+7 hours', 'start of month')"
    back = f"((CAST(strftime('%%m', {column}, '+7 hours') AS INTEGER) - 1) %% 3)"
    return f"date({column}, '+7 hours', 'start of month', '-' || {back} || ' months')"


def _mask_case(setup: Setup) -> tuple[str, list]:
    if not setup.element_of_item:
        return "0", []
    whens = " ".join("WHEN %s THEN %s" for _ in setup.element_of_item)
    params: list = []
    for code, bit in setup.element_of_item.items():
        params += [code, bit]
    return f"CASE b.item_code {whens} ELSE 0 END", params


ANSWER_KEY = (
    "agency_id, pooled, month, version_id, dimension, dimension_value, item_code, value"
)
MASK_KEY = "agency_id, pooled, month, version_id, dimension, dimension_value, mask"
BATCH_TABLE = "reports_engine_batch"


def _source_sql(where: str) -> str:
    """One row per answer (one with NULL item for a response without answers) of
    the unflagged responses matching `where` (on r), with what the aggregates
    are keyed by: the columns the statements of _insert_aggregates read as b."""
    false = "false" if connection.vendor == "postgresql" else "0"
    return f"""
        SELECT r.id AS response_id, r.agency_id, r.version_id, r.submitted_at,
               r.channel, r.gender, r.age_group, p.code AS procedure,
               p.field AS field, a.item_code, a.value
        FROM surveys_response r
        LEFT JOIN agencies_procedure p ON p.id = r.procedure_id
        LEFT JOIN surveys_answer a ON a.response_id = r.id
        WHERE r.flagged = {false} AND {where}
    """


def _adapted(params: list) -> list:
    # Raw SQL: datetimes must be adapted like the ORM does (UTC text on SQLite).
    return [
        connection.ops.adapt_datetimefield_value(p)
        if isinstance(p, datetime.datetime)
        else p
        for p in params
    ]


def _dims_of(parts: Iterable[str]) -> list[str]:
    """The aggregate dimensions of some engine parts ("" is the official rows)."""
    dims = [""] if OFFICIAL in parts else []
    return dims + (list(DIMENSIONS) if BREAKDOWNS in parts else [])


def _insert_aggregates(
    setup: Setup,
    source: str,
    params: list,
    *,
    add: bool,
    pool: bool,
    dims: Iterable[str] = ("", *DIMENSIONS),
) -> None:
    """INSERT … SELECT the aggregates of the answer rows of `source` (see
    _source_sql): official rows per month, breakdown rows per their bucket.

    Each response counts for its agency (``pooled`` false) and, with `pool`, for
    every agency above it (``pooled`` true), so that a subtree's counts are its
    agency's rows, own and pooled, without walking the tree when reading. With
    ``add`` the counts are added to existing rows (the delta of newly counted
    responses); without, the caller has deleted the rows being replaced. `dims`
    says which rows: "" the official ones, a DIMENSIONS key a breakdown.
    """
    params = _adapted(params)
    mask_case, mask_params = _mask_case(setup)
    headline_in = ", ".join(["%s"] * len(setup.headline_items))
    targets = [
        (dim, DIMENSIONS.get(dim)) for dim in dims if not dim or setup.headline_items
    ]
    if pool:
        tree = f"JOIN ({_closure_sql()}) c ON c.agency_id = {{alias}}.agency_id"
        agency, pooled = "c.ancestor_id", "c.ancestor_id <> {alias}.agency_id"
    else:
        tree, agency, pooled = "", "{alias}.agency_id", "%s"

    def upsert(key: str, table: str) -> str:
        if not add:
            return ""
        return (
            f" ON CONFLICT ({key}) DO UPDATE SET count = {table}.count + excluded.count"
        )

    # The elements a response answered: the OR of its answers' element bits
    # (bits are powers of two, so the sum of the distinct ones elsewhere).
    if connection.vendor == "postgresql":
        elements = f"bit_or({mask_case})"
    else:
        elements = f"SUM(DISTINCT {mask_case})"
    with connection.cursor() as cursor:
        for dim, column in targets:
            bucket = _bucket_sql("b.submitted_at", _bucket_unit(dim))
            value = COLLAPSED_VALUE if column else "b.value"
            dim_value = column or "''"
            extra, extra_params = "", []
            if column:
                extra = f" AND {column} <> '' AND b.item_code IN ({headline_in})"
                extra_params = list(setup.headline_items)
            pooled_params = [] if pool else [False]
            cursor.execute(
                f"""
                INSERT INTO reports_answercount ({ANSWER_KEY}, count)
                SELECT {agency.format(alias="a")}, {pooled.format(alias="a")},
                       a.bucket, a.version_id, '{dim}', a.dim_value, a.item_code,
                       a.value, SUM(a.n)
                FROM (
                    -- counted per own agency first, then spread up the tree
                    SELECT b.agency_id, {bucket} AS bucket, b.version_id,
                           {dim_value} AS dim_value, b.item_code,
                           {value} AS value, COUNT(*) AS n
                    FROM ({source}) b
                    WHERE b.item_code IS NOT NULL{extra}
                    GROUP BY 1, 2, 3, 4, 5, 6
                ) a {tree.format(alias="a")}
                GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
                {upsert(ANSWER_KEY, "reports_answercount")}
                """,
                pooled_params + params + extra_params,
            )
            having_dim = f" AND {column} <> ''" if column else ""
            cursor.execute(
                f"""
                INSERT INTO reports_maskcount ({MASK_KEY}, count)
                SELECT {agency.format(alias="y")}, {pooled.format(alias="y")},
                       y.bucket, y.version_id, '{dim}', y.dim_value, y.mask,
                       SUM(y.n)
                FROM (
                    SELECT x.agency_id, x.bucket, x.version_id, x.dim_value,
                           x.mask, COUNT(*) AS n
                    FROM (
                        -- one row per response: the elements it answered
                        SELECT b.response_id, b.agency_id, {bucket} AS bucket,
                               b.version_id, {dim_value} AS dim_value,
                               COALESCE({elements}, 0) AS mask
                        FROM ({source}) b
                        WHERE true{having_dim}
                        GROUP BY b.response_id, b.agency_id, b.submitted_at,
                                 b.version_id{", " + column if column else ""}
                    ) x
                    GROUP BY 1, 2, 3, 4, 5
                ) y {tree.format(alias="y")}
                GROUP BY 1, 2, 3, 4, 5, 6, 7
                {upsert(MASK_KEY, "reports_maskcount")}
                """,
                pooled_params + mask_params + params,
            )


def _pool_aggregates(period: Period) -> None:
    """Add the pooled rows of a period from its own rows: each agency's counts to
    every agency above it (the repair's second step)."""
    for table, columns in (
        ("reports_answercount", "t.item_code, t.value"),
        ("reports_maskcount", "t.mask"),
    ):
        key = ANSWER_KEY if table == "reports_answercount" else MASK_KEY
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {table} ({key}, count)
                SELECT c.ancestor_id, %s, t.month, t.version_id, t.dimension,
                       t.dimension_value, {columns}, SUM(t.count)
                FROM {table} t JOIN ({_closure_sql()}) c
                    ON c.agency_id = t.agency_id AND c.ancestor_id <> t.agency_id
                WHERE t.pooled = %s AND t.month >= %s AND t.month <= %s
                GROUP BY c.ancestor_id, t.month, t.version_id, t.dimension,
                         t.dimension_value, {columns}
                """,
                [True, False, period.first, period.last],
            )


def _lock_engine() -> None:
    """Serialise the writers of aggregates and indices (sweeps, recomputes,
    rebuilds) until the end of the current transaction. SQLite has one writer
    at a time anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ENGINE_LOCK_ID])
            # Group sums hash a few hundred thousand rows: keep them in memory.
            # JIT compiling costs more than it saves on these short statements.
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL jit = off")
            # Do not wait for the WAL flush at commit (a recompute writes ~100 MB
            # of it). A crash just after commit can lose the transaction, only
            # whole: its counted marks go with its counts, and the responses
            # themselves were committed durably when stored, so the next sweep
            # or recompute redoes it. Never inconsistent, only later.
            cursor.execute("SET LOCAL synchronous_commit = off")


def _stage_batch(where: str, params: list) -> None:
    """Copy the answer rows of the responses matching `where` (see _source_sql)
    into the temporary BATCH_TABLE: the aggregate statements then scan that
    table, a dozen times, instead of joining answers to responses each time."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {BATCH_TABLE}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {BATCH_TABLE} AS " + _source_sql(where),
            _adapted(params),
        )
        if connection.vendor == "postgresql" and cursor.rowcount > 100_000:
            # statistics for the dozen statements over a bulk batch (a sweep's
            # few thousand rows plan well without: the ANALYZE would cost more)
            cursor.execute(f"ANALYZE {BATCH_TABLE}")


def _drop_temporary(*tables: str) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


def count_responses(
    setup: Setup, pending: list[tuple], parts: tuple[str, ...] = PARTS
) -> None:
    """Add the counts of some responses (id, …) to the aggregates of some engine
    parts. Call inside a transaction holding the engine lock.

    OFFICIAL in `parts`: the responses are uncounted; they are marked counted,
    and queued for the breakdown sweep (PendingBreakdown) unless BREAKDOWNS is
    counted too. BREAKDOWNS alone: the responses are queued; they leave the queue.
    Either way in this transaction, so each is counted once into each part.

    The ids go into a temporary table and the responses' answer rows into
    another, so the aggregate statements read only those rows, however many
    responses there are (a sweep's few hundred or a bulk import's hundred
    thousand: one pass either way)."""
    if not pending:
        return
    pk_field = Response._meta.pk
    ids = [pk_field.get_db_prep_value(row[0], connection) for row in pending]
    ids_table = BATCH_TABLE + "_ids"
    _drop_temporary(BATCH_TABLE, ids_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE TEMPORARY TABLE {ids_table} (id uuid PRIMARY KEY)")
            cursor.cursor.copy_from(
                io.StringIO("".join(f"{pk}\n" for pk in ids)), ids_table
            )
        else:
            cursor.execute(f"CREATE TEMPORARY TABLE {ids_table} (id PRIMARY KEY)")
            cursor.executemany(
                f"INSERT INTO {ids_table} (id) VALUES (%s)", [(pk,) for pk in ids]
            )
    _stage_batch(f"r.id IN (SELECT id FROM {ids_table})", [])
    _insert_aggregates(
        setup,
        f"SELECT * FROM {BATCH_TABLE}",
        [],
        add=True,
        pool=True,
        dims=_dims_of(parts),
    )
    queue = PendingBreakdown._meta.db_table
    with connection.cursor() as cursor:
        if OFFICIAL in parts:
            cursor.execute(
                f"UPDATE surveys_response SET counted = %s "
                f"WHERE id IN (SELECT id FROM {ids_table})",
                [True],
            )
        if BREAKDOWNS not in parts:
            cursor.execute(
                f"INSERT INTO {queue} (response_id) SELECT id FROM {ids_table}"
            )
        elif OFFICIAL not in parts:
            cursor.execute(
                f"DELETE FROM {queue} WHERE response_id IN (SELECT id FROM {ids_table})"
            )
    # Not in a `finally`: after an error the transaction is aborted and rolls
    # the tables back with everything else (the next call drops leftovers).
    _drop_temporary(BATCH_TABLE, ids_table)


def pending_responses(limit: int | None = None) -> list[tuple]:
    """(id, agency_id, submitted_at) of the responses waiting to be counted,
    oldest first (all of them, or the first `limit`)."""
    pending = (
        Response.objects.filter(counted=False, flagged=False)
        .order_by("submitted_at")
        .values_list("id", "agency_id", "submitted_at")
    )
    return list(pending if limit is None else pending[:limit])


def pending_breakdowns(limit: int | None = None) -> list[tuple]:
    """(id, agency_id, submitted_at) of the responses queued for the breakdown
    sweep (all of them, or `limit` of them)."""
    queued = PendingBreakdown.objects.values_list(
        "response_id", "response__agency_id", "response__submitted_at"
    )
    return list(queued if limit is None else queued[:limit])


def count_pending(setup: Setup, parts: tuple[str, ...] = PARTS) -> set[str]:
    """Count every uncounted response into the aggregates of `parts` (and, with
    BREAKDOWNS, every response queued for the breakdowns); returns the periods
    whose indices changed. Call inside a transaction holding the engine lock."""
    pending = pending_responses() if OFFICIAL in parts else []
    count_responses(setup, pending, parts)
    if BREAKDOWNS in parts:
        queued = pending_breakdowns()
        count_responses(setup, queued, (BREAKDOWNS,))
        pending += queued
    touched: set[str] = set()
    for day in {local_day(at) for _pk, _agency, at in pending}:
        touched.update(periods_of_day(day))
    return touched


def rebuild_aggregates(year: int, setup: Setup) -> None:
    """Rebuild every aggregate row of a year from raw answers (all agencies): the
    repair for aggregates that a bug or a manual database edit put out of step.
    The year's unflagged responses are all counted afterwards. Call inside a
    transaction holding the engine lock."""
    period = parse_period(str(year))
    for model in (AnswerCount, MaskCount):
        model.objects.filter(month__gte=period.first, month__lte=period.last).delete()
    start, end = period.bounds()
    _stage_batch("r.submitted_at >= %s AND r.submitted_at < %s", [start, end])
    _insert_aggregates(setup, f"SELECT * FROM {BATCH_TABLE}", [], add=False, pool=False)
    _drop_temporary(BATCH_TABLE)
    _pool_aggregates(period)
    Response.objects.filter(
        counted=False, flagged=False, submitted_at__gte=start, submitted_at__lt=end
    ).update(counted=True)
    PendingBreakdown.objects.filter(
        response__submitted_at__gte=start, response__submitted_at__lt=end
    ).delete()
    if connection.vendor == "postgresql":
        # The tables changed wholesale: fresh statistics keep the group sums on
        # hash plans (stale ones made them sort millions of rows on disk).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE reports_answercount, reports_maskcount")


# --- computing indices from aggregates -------------------------------------------


GroupKey = tuple[int, str, str, str, str]  # agency, scope, questionnaire, dim, value


def _closure_sql() -> str:
    """(agency_id, ancestor_id) for every agency and each agency on its
    materialised path, itself included (an agency saved without a path yet
    counts as its own only ancestor, so none of its responses is dropped)."""
    unpathed = "SELECT g.id, g.id FROM agencies_agency g WHERE g.path = ''"
    if connection.vendor == "postgresql":
        return (
            "SELECT g.id AS agency_id, x.part::integer AS ancestor_id "
            "FROM agencies_agency g, "
            "unnest(string_to_array(btrim(g.path, '/'), '/')) AS x(part) "
            f"WHERE g.path <> '' UNION ALL {unpathed}"
        )
    return (
        "SELECT g.id AS agency_id, CAST(j.value AS INTEGER) AS ancestor_id "
        "FROM agencies_agency g, "
        "json_each('[' || replace(trim(g.path, '/'), '/', ',') || ']') j "
        f"WHERE g.path <> '' UNION ALL {unpathed}"
    )


def _group_sql(
    table: str, columns: str, cell: str, period: Period, part: str, dims, only
) -> tuple[str, list]:
    """SQL summing one aggregate table (alias t) into groups: one row per (agency,
    scope, version, dimension, value) with its cells as a JSON object {cell: n}.

    OFFICIAL: own groups read an agency's own official rows, subtree groups all
    its official rows, own and pooled. BREAKDOWNS: subtree groups of the
    breakdowns `dims`. `only` ({(agency_id, scope)}) restricts the groups. Sums
    are grouped by the raw `columns`; the `cell` text key is only built for the
    summed rows.
    """
    pack = (
        "json_object_agg" if connection.vendor == "postgresql" else "json_group_object"
    )
    dims = [""] if part == OFFICIAL else list(dims)
    selects, params = [], []
    for scope in ("own", "subtree") if part == OFFICIAL else ("subtree",):
        where = "t.month >= %s AND t.month <= %s"
        scope_params: list = [period.first, period.last]
        if scope == "own":
            where += " AND t.pooled = %s"
            scope_params.append(False)
        where += f" AND t.dimension IN ({', '.join(['%s'] * len(dims))})"
        scope_params += dims
        if only is not None:
            ids = sorted(a for a, s in only if s == scope) or [0]
            where += f" AND t.agency_id IN ({', '.join(['%s'] * len(ids))})"
            scope_params += ids
        selects.append(
            f"""
            SELECT t.agency_id AS target, '{scope}' AS scope, t.version_id,
                   t.dimension, t.dimension_value, {columns}, SUM(t.count) AS n
            FROM {table} t
            WHERE {where}
            GROUP BY t.agency_id, t.version_id, t.dimension, t.dimension_value,
                     {columns}
            """
        )
        params += scope_params
    sql = f"""
        SELECT target, scope, version_id, dimension, dimension_value, {pack}({cell}, n)
        FROM ({" UNION ALL ".join(selects)}) t
        GROUP BY target, scope, version_id, dimension, dimension_value
    """
    return sql, params


def _breakdown_dims(period: Period) -> list[str]:
    """The breakdowns written for a period (BREAKDOWN_GRANULARITIES)."""
    return [
        d
        for d, allowed in BREAKDOWN_GRANULARITIES.items()
        if period.granularity in allowed
    ]


def _collect(
    period: Period,
    setup: Setup,
    only: set[tuple[int, str]] | None = None,
    part: str = OFFICIAL,
) -> dict[GroupKey, indices.Counts]:
    """Sum the aggregates of a period into groups: for OFFICIAL the own and
    subtree groups of the official rows; for BREAKDOWNS the subtree groups (what
    dashboards read) of the dimensions BREAKDOWN_GRANULARITIES allows at this
    period's granularity.
    """
    dims = _breakdown_dims(period)
    if part == BREAKDOWNS and not (dims and setup.headline_items):
        return {}
    groups: dict[GroupKey, indices.Counts] = defaultdict(indices.Counts)
    with connection.cursor() as cursor:
        for table, cell in (
            ("reports_answercount", ANSWER_CELL),
            ("reports_maskcount", MASK_CELL),
        ):
            sql, params = _group_sql(table, *cell, period, part, dims, only)
            cursor.execute(sql, params)
            for target, scope, version_id, dim, dv, cells in cursor.fetchall():
                _add_cells(setup, groups, (target, scope, version_id, dim, dv), cells)
    return groups


# How the group sums name their cells: "E1.1:5" (item and option), "#13" (mask).
ANSWER_CELL = ("t.item_code, t.value", "t.item_code || ':' || CAST(t.value AS TEXT)")
MASK_CELL = ("t.mask", "'#' || CAST(t.mask AS TEXT)")


def _add_cells(
    setup: Setup,
    groups: dict[GroupKey, indices.Counts],
    key: tuple[int, str, int, str, str],
    cells: dict | str,
) -> None:
    """Add one summed row {cell: n} of (agency, scope, version, dimension,
    value) to its questionnaire's group."""
    target, scope, version_id, dim, dv = key
    q = setup.version_questionnaire.get(version_id)
    if q is None:
        return
    counts = groups[(target, scope, q, dim, dv)]
    values = counts.values
    for cell, n in (json.loads(cells) if isinstance(cells, str) else cells).items():
        if cell[0] == "#":
            counts.add_mask(int(cell[1:]), int(n))
            continue
        item, _sep, option = cell.rpartition(":")
        options = values.setdefault(item, {})
        option = int(option)
        options[option] = options.get(option, 0) + int(n)


# Periods of a year in the rollup query: 0 the year, 1 … 12 its months, 101 … 104
# its quarters (integers: grouping and hashing them is cheaper than text codes).
def _rollup_code(year: str, key: int) -> str:
    if key == 0:
        return year
    return f"{year}-Q{key - 100}" if key > 100 else f"{year}-{key:02d}"


def _rollup_sql(
    periods: list[Period], agencies: list[int] | None = None
) -> tuple[str, list]:
    """PostgreSQL: the official groups of several periods of one year from one
    scan of each aggregate table, months, quarters and the year summed together
    (GROUPING SETS), one row per (period key, agency, scope, version, "", "")
    with its cells as JSON. Same groups as :func:`_group_sql` gives
    period by period. An official cell is summed once for both scopes: over all
    rows for the subtree, over the unpooled ones (FILTER) for the agency's own.
    `agencies` restricts the groups to some agencies (a sweep's)."""
    first = min(p.first for p in periods)
    last = max(p.last for p in periods)
    keys = sorted({_rollup_key(p) for p in periods})
    among, among_params = "", []
    if agencies is not None:
        among = f" AND agency_id IN ({', '.join(['%s'] * len(agencies))})"
        among_params = list(agencies)
    # Months and quarters not asked for fall into one NULL group each (dropped),
    # so a sweep's year, quarter and month cost little more than the year.
    months = [k for k in keys if 1 <= k <= 12]
    quarters = [k - 100 for k in keys if k > 100]
    mkey, qkey, key_params = "NULL::integer", "NULL::integer", []
    if months:
        mkey = (
            "CASE WHEN extract(month FROM month)::integer IN ({}) "
            "THEN extract(month FROM month)::integer END"
        ).format(", ".join(["%s"] * len(months)))
        key_params += months
    if quarters:
        qkey = (
            "CASE WHEN extract(quarter FROM month)::integer IN ({}) "
            "THEN 100 + extract(quarter FROM month)::integer END"
        ).format(", ".join(["%s"] * len(quarters)))
        key_params += quarters
    selects, params = [], []
    for table, (columns, cell) in (
        ("reports_answercount", ANSWER_CELL),
        ("reports_maskcount", MASK_CELL),
    ):
        selects.append(
            f"""
            SELECT g.period, g.target, x.scope, g.version_id,
                   {cell.replace("t.", "g.")} AS cell, x.n
            FROM (
                SELECT CASE WHEN GROUPING(t.mkey) = 0 THEN t.mkey
                            WHEN GROUPING(t.qkey) = 0 THEN t.qkey
                            ELSE 0 END AS period,
                       t.agency_id AS target, t.version_id, {columns},
                       SUM(t.count) AS subtree_n,
                       SUM(t.count) FILTER (WHERE NOT t.pooled) AS own_n
                FROM (
                    SELECT *, {mkey} AS mkey, {qkey} AS qkey
                    FROM {table}
                    WHERE month >= %s AND month <= %s
                      AND dimension = ''{among}
                ) t
                GROUP BY t.agency_id, t.version_id, {columns},
                         GROUPING SETS ((t.mkey), (t.qkey), ())
            ) g CROSS JOIN LATERAL (
                VALUES ('own', g.own_n), ('subtree', g.subtree_n)
            ) x(scope, n)
            WHERE x.n IS NOT NULL
              AND g.period IN ({", ".join(["%s"] * len(keys))})
            """
        )
        params += [*key_params, first, last, *among_params, *keys]
    sql = f"""
        SELECT period, target, scope, version_id, '', '', json_object_agg(cell, n)
        FROM ({" UNION ALL ".join(selects)}) u
        GROUP BY period, target, scope, version_id
    """
    return sql, params


def _rollup_key(period: Period) -> int:
    if period.granularity == "year":
        return 0
    if period.granularity == "quarter":
        return 100 + (period.first.month + 2) // 3
    return period.first.month


def _collect_periods(
    periods: list[Period],
    setup: Setup,
    part: str,
    only: dict[str, set[tuple[int, str]]] | None = None,
) -> Iterator[tuple[Period, dict[GroupKey, indices.Counts]]]:
    """(period, groups) of some periods, all agencies or the agency-scopes
    `only` gives per period code: for the official indices on PostgreSQL one
    query per year (:func:`_rollup_sql`); otherwise one :func:`_collect` per
    period."""
    if connection.vendor != "postgresql" or part == BREAKDOWNS:
        # Breakdown aggregates are kept per their dimension's coarsest period
        # (a field per quarter, a procedure per year). Measured at 1 M
        # responses, one rollup over their 1.8 million rows (2.3 million
        # groups, hashed to disk) took longer and twice the memory of reading
        # them period by period.
        for period in periods:
            yield period, _collect(period, setup, only and only[period.code], part)
        return
    by_year: dict[str, list[Period]] = defaultdict(list)
    for period in periods:
        by_year[period.code[:4]].append(period)
    for year, of_year in sorted(by_year.items()):
        by_code = {p.code: p for p in of_year}
        agencies = None
        if only is not None:
            agencies = sorted({a for p in of_year for a, _scope in only[p.code]})
        sql, params = _rollup_sql(of_year, agencies)
        collected: dict[str, dict] = defaultdict(lambda: defaultdict(indices.Counts))
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for key, target, scope, version_id, dim, dv, cells in cursor:
                _add_cells(
                    setup,
                    collected[_rollup_code(year, key)],
                    (target, scope, version_id, dim, dv),
                    cells,
                )
        for code in sorted(collected):
            groups = collected.pop(code)  # freed once written
            if only is not None:
                wanted = only[code]
                groups = {k: v for k, v in groups.items() if k[:2] in wanted}
            yield by_code.pop(code), groups
        for period in by_code.values():  # no aggregate rows at all
            yield period, {}


RESULT_COLUMNS = (
    "methodology",
    "period",
    "agency_id",
    "scope",
    "questionnaire",
    "dimension",
    "dimension_value",
    "kind",
    "indicator",
    "value",
    "n",
    "ci_low",
    "ci_high",
    "flag",
    "computed_at",
)


def _result_rows(
    period: Period, setup: Setup, groups: dict[GroupKey, indices.Counts]
) -> Iterator[tuple]:
    """IndexResult rows as tuples in RESULT_COLUMNS order."""
    now = timezone.now()
    for (agency_id, scope, q, dim, dv), counts in groups.items():
        # A group without any response is not published (CONTRACT: no n = 0 group).
        if counts.responses == 0:
            continue
        method = setup.methodology[q]
        catalogue = setup.breakdown_catalogue[q] if dim else setup.catalogue[q]
        headline = method.headline.get(q) if dim in HEADLINE_ONLY else None
        for row in indices.compute_rows(method, catalogue, counts):
            if dim and row.kind == "item":
                continue
            if headline is not None and row.indicator != headline:
                continue
            ci = row.ci95 or (None, None)
            yield (
                method.code,
                period.code,
                agency_id,
                scope,
                q,
                dim,
                dv,
                row.kind,
                row.indicator,
                indices.rounded(row.value),
                row.n,
                indices.rounded(ci[0]),
                indices.rounded(ci[1]),
                row.flag or "",
                now,
            )


def _result_lines(results: Iterable[tuple]) -> Iterator[str]:
    """COPY lines of result rows: :func:`sipas.pgcopy.copy_line`, with what
    repeats formatted once (a group's first seven columns, labels, the time
    stamp): half a million rows is a few million values."""
    formatted: dict = {}

    def text(value: object) -> str:
        # labels, flags and the time stamp repeat: escape each once
        done = formatted.get(value)
        if done is None:
            done = formatted[value] = copy_value(value)
        return done

    for row in results:
        head = row[:7]
        prefix = formatted.get(head)
        if prefix is None:
            prefix = formatted[head] = copy_line(head)[:-1]
        kind, indicator, value, n, low, high, flag, at = row[7:]
        yield (
            f"{prefix}\t{text(kind)}\t{text(indicator)}\t"
            f"{NULL if value is None else repr(value)}\t{n:d}\t"
            f"{NULL if low is None else repr(low)}\t"
            f"{NULL if high is None else repr(high)}\t"
            f"{text(flag)}\t{text(at)}\n"
        )


NULL = copy_value(None)


def _insert_results(results: Iterable[tuple]) -> int:
    """COPY on PostgreSQL (Django's bulk_create costs more than the maths)."""
    table = IndexResult._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.StringIO()
            written = 0
            for line in _result_lines(results):
                buffer.write(line)
                written += 1
            buffer.seek(0)
            cursor.cursor.copy_from(buffer, table, columns=RESULT_COLUMNS)
            return written
        rows = list(results)
        columns = ", ".join(RESULT_COLUMNS)
        marks = ", ".join(["%s"] * len(RESULT_COLUMNS))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
        return len(rows)


def _existing_rows(
    period: Period,
    methods: set[str],
    only: set[tuple[int, str]] | None,
    part: str = OFFICIAL,
) -> dict[tuple, tuple[int, tuple]]:
    """The period's current IndexResult rows of an engine part (of some
    agency-scopes): key → (id, published values), laid out like KEY_AT and
    VALUES_AT pick them from a result row."""
    current = IndexResult.objects.filter(period=period.code, methodology__in=methods)
    if part == OFFICIAL:
        current = current.filter(dimension="")
    else:
        current = current.exclude(dimension="")
    fields = ("id", *(RESULT_COLUMNS[i] for i in KEY_AT + VALUES_AT))
    if only is None:
        parts = [current]
    else:
        by_scope: dict[str, list[int]] = defaultdict(list)
        for agency_id, scope in only:
            by_scope[scope].append(agency_id)
        parts = [
            current.filter(scope=scope, agency_id__in=ids[start : start + 500])
            for scope, ids in by_scope.items()
            for start in range(0, len(ids), 500)
        ]
    split = 1 + len(KEY_AT)
    return {
        row[1:split]: (row[0], row[split:])
        for part in parts
        for row in part.values_list(*fields)
    }


# Positions in RESULT_COLUMNS of a row's identity and of what it publishes.
KEY_AT = (0, 2, 3, 4, 5, 6, 8)
VALUES_AT = (7, 9, 10, 11, 12, 13)


def write_period(
    period: Period,
    setup: Setup,
    only: set[tuple[int, str]] | None = None,
    part: str = OFFICIAL,
    groups: dict[GroupKey, indices.Counts] | None = None,
) -> int:
    """Bring the IndexResult rows of one engine part of a period (or of some
    agency-scopes of it) in line with the aggregates, writing only the rows whose
    published values changed (``computed_at`` is when a row last changed).
    Returns the number of rows the period has there. `groups` are the period's
    sums if the caller has them already (see :func:`_collect_periods`). Call inside
    a transaction holding the engine lock."""
    if groups is None:
        groups = _collect(period, setup, only, part)
    methods = {m.code for m in setup.methodology.values()} or {
        indices.DEFAULT_METHODOLOGY
    }
    existing = _existing_rows(period, methods, only, part)
    fresh: list[tuple] = []
    replaced: list[int] = []
    computed = 0
    for row in _result_rows(period, setup, groups):
        computed += 1
        old = existing.pop(tuple(row[i] for i in KEY_AT), None)
        if old is not None:
            if old[1] == tuple(row[i] for i in VALUES_AT):
                continue
            replaced.append(old[0])
        fresh.append(row)
    # rows of groups that no longer have responses go too
    replaced.extend(pk for pk, _values in existing.values())
    for start in range(0, len(replaced), 1000):
        IndexResult.objects.filter(pk__in=replaced[start : start + 1000]).delete()
    if fresh:
        _insert_results(fresh)
    return computed


def recompute_periods(
    codes: Iterable[str], *, rebuild: bool = False, parts: tuple[str, ...] = PARTS
) -> dict[str, int]:
    """Rewrite every index of some periods, all agencies, both scopes: the
    official indices and the breakdowns, or the `parts` asked for.

    Uncounted responses are counted first, and the other periods they fall in are
    rewritten too, so no index is left behind its aggregates. With ``rebuild``
    the aggregates of the periods' years are first rebuilt from raw answers (a
    repair). Idempotent: running it twice gives the same rows. Returns the number
    of IndexResult rows written per period.
    """
    periods = {parse_period(code).code for code in codes}
    with transaction.atomic():
        _lock_engine()
        setup = load_setup()
        if rebuild:
            for year in sorted({int(code[:4]) for code in periods}):
                rebuild_aggregates(year, setup)
        periods |= count_pending(setup, parts)
        ordered = sorted(
            (parse_period(code) for code in periods),
            key=lambda p: (p.first, -(p.last - p.first).days),
        )
        official_only = OFFICIAL in parts and BREAKDOWNS not in parts
        if official_only and PendingBreakdown.objects.exists():
            transaction.on_commit(enqueue_breakdown_sweep)
        written = dict.fromkeys((p.code for p in ordered), 0)
        for part in parts:
            for period, groups in _collect_periods(ordered, setup, part):
                written[period.code] += write_period(
                    period, setup, part=part, groups=groups
                )
        return written


def recompute_period(code: str, *, rebuild: bool = False) -> int:
    """Rewrite every index of one period (see :func:`recompute_periods`)."""
    return recompute_periods([code], rebuild=rebuild)[parse_period(code).code]


def periods_with_responses() -> list[str]:
    """Every year, quarter and month of the years that have responses."""
    years = sorted(
        {local_day(at).year for at in _first_and_last_submission() if at is not None}
    )
    if len(years) == 2:
        years = list(range(years[0], years[1] + 1))
    return [code for year in years for code in periods_of_year(year)]


def _first_and_last_submission() -> list[datetime.datetime | None]:
    from django.db.models import Max, Min

    bounds = Response.objects.aggregate(
        first=Min("submitted_at"), last=Max("submitted_at")
    )
    return [bounds["first"], bounds["last"]]


# --- new responses, the debounced sweep, flagged responses -------------------------


def note_new_responses(touched: set[tuple[int, int, datetime.datetime]]) -> None:
    """Schedule the counting of newly stored responses.

    Called inside the storing transaction with (agency_id, version_id,
    submitted_at) tuples of the unflagged responses; they are stored uncounted,
    so they are the sweep's queue whether or not this sweep is ever sent. One
    debounced sweep is enqueued after commit. Never raises because the broker is
    down: the periodic sweep catches up.
    """
    if touched:
        transaction.on_commit(enqueue_sweep)


@contextmanager
def deferred_sweep() -> Iterator[None]:
    """Hold back the debounced sweep while a bulk load stores many responses.

    The responses are still stored uncounted; they are counted by
    `compute_indices` (which writes every period once instead of sweeping batch
    after batch) or by the periodic sweep in beat. Without this, a bulk load with
    tasks running in-process would sweep inside the loading command.
    """
    cache.set(SWEEP_LOCK_KEY, "deferred", timeout=None)
    try:
        yield
    finally:
        cache.delete(SWEEP_LOCK_KEY)


def enqueue_sweep() -> bool:
    """Schedule one sweep in SWEEP_DEBOUNCE_SECONDS unless one is already pending.

    Returns whether a task was sent. Broker or cache failures are logged, not
    raised: the responses are stored and the periodic sweep will process them.
    """
    from reports.tasks import sweep_dirty_task

    return _enqueue_debounced(sweep_dirty_task, SWEEP_LOCK_KEY, SWEEP_DEBOUNCE_SECONDS)


def enqueue_breakdown_sweep() -> bool:
    """Schedule one breakdown sweep in BREAKDOWN_DEBOUNCE_SECONDS unless one is
    already pending; like :func:`enqueue_sweep`, never raises (beat catches up)."""
    from reports.tasks import sweep_breakdowns_task

    return _enqueue_debounced(
        sweep_breakdowns_task, BREAKDOWN_LOCK_KEY, BREAKDOWN_DEBOUNCE_SECONDS
    )


def _enqueue_debounced(task, key: str, seconds: int) -> bool:
    """Send `task` to run in `seconds` unless the cache `key` says one is pending."""
    try:
        if not cache.add(key, "1", timeout=seconds * 4):
            return False
    except Exception:
        log.warning("cache unavailable; enqueueing %s anyway", task.name, exc_info=True)
    try:
        task.apply_async(countdown=seconds, retry=False)
        return True
    except Exception:
        log.warning(
            "could not enqueue %s; the periodic sweep will catch up",
            task.name,
            exc_info=True,
        )
        try:
            cache.delete(key)
        except Exception:
            pass
        return False


def _ancestors(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def _affected(pending: list[tuple], *, own: bool) -> dict[str, set[tuple[int, str]]]:
    """Per period code, the agency-scopes whose indices the responses (id,
    agency_id, submitted_at) change: the subtree scopes of their agencies and of
    the agencies above, and with `own` the own scopes of their agencies."""
    paths = dict(
        Agency.objects.filter(
            id__in={agency for _pk, agency, _at in pending}
        ).values_list("id", "path")
    )
    affected: dict[str, set[tuple[int, str]]] = defaultdict(set)
    for agency_id, day in {(agency, local_day(at)) for _pk, agency, at in pending}:
        chain = _ancestors(paths.get(agency_id, "")) or [agency_id]
        scopes = {(a, "subtree") for a in chain}
        if own:
            scopes.add((agency_id, "own"))
        for code in periods_of_day(day):
            affected[code] |= scopes
    return affected


def sweep_dirty(limit: int = SWEEP_BATCH) -> int:
    """Count up to `limit` uncounted responses into the official aggregates and
    rewrite the official indices of the periods they fall in, for the
    agency-scopes concerned only: the own rows of their agencies and the subtree
    rows of those agencies and their ancestors. One transaction: counts, counted
    marks and indices commit together. The responses are queued for the
    breakdown sweep, which is enqueued after commit. Returns the number of
    responses counted.
    """
    return _sweep(OFFICIAL, limit)


def sweep_breakdowns(limit: int = SWEEP_BATCH) -> int:
    """Count up to `limit` queued responses into the breakdown aggregates and
    rewrite the breakdowns they change (subtree scopes of their agencies and the
    agencies above). One transaction. Returns the number of responses counted."""
    return _sweep(BREAKDOWNS, limit)


def _sweep(part: str, limit: int) -> int:
    official = part == OFFICIAL
    try:  # notes from now on schedule a new sweep
        cache.delete(SWEEP_LOCK_KEY if official else BREAKDOWN_LOCK_KEY)
    except Exception:
        log.warning("cache unavailable while sweeping", exc_info=True)
    with transaction.atomic():
        _lock_engine()
        pending = (pending_responses if official else pending_breakdowns)(limit)
        if not pending:
            return 0
        setup = load_setup()
        count_responses(setup, pending, (part,))
        affected = _affected(pending, own=official)
        periods = [parse_period(code) for code in sorted(affected)]
        for period, groups in _collect_periods(periods, setup, part, affected):
            write_period(period, setup, affected[period.code], part, groups)
        if official:
            transaction.on_commit(enqueue_breakdown_sweep)
    return len(pending)


@transaction.atomic
def accept_flagged(response_ids: Iterable) -> int:
    """Unflag responses a reviewer accepted so that the next sweep counts them.

    Returns the number of responses that were flagged and are now accepted.
    """
    flagged = Response.objects.filter(pk__in=list(response_ids), flagged=True)
    rows = list(flagged.values_list("agency_id", "submitted_at"))
    # Accepted responses are still uncounted: the next sweep counts them.
    count = flagged.update(flagged=False, flag_reason="")
    if rows:
        transaction.on_commit(enqueue_sweep)
    return count
