"""SQL text the engine runs: the answer rows it counts, the agency tree as
(agency, ancestor) pairs, the time buckets of the aggregates and the group sums
that turn aggregates into index groups. Builders only: nothing here executes."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.db import connection

from reports.engine.setup import OFFICIAL, Setup
from sipas.periods import Period, local_tz

# Breakdown aggregates keep only satisfied (5) / not satisfied (1) per item: all
# the headline indicators need, at a fraction of the rows. The overall item (G)
# keeps its five levels: the filtered overview shows its distribution.
COLLAPSED_VALUE = (
    "CASE WHEN b.item_code IN ({overall}) THEN b.value "
    "WHEN b.value IN (4, 5) THEN 5 ELSE 1 END"
)
ANSWER_KEY = (
    "agency_id, pooled, month, version_id, dimension, dimension_value, item_code, value"
)
MASK_KEY = "agency_id, pooled, month, version_id, dimension, dimension_value, mask"
BATCH_TABLE = "reports_engine_batch"
# The end of the re-pooling's INSERT … SELECT … GROUP BY of pooled rows
# (reports.engine.repool), whose first column is the agency: rows stored
# agency by agency, so that the rows of a recompute chunk's agencies (or a
# sweep's) lie on few pages. Inserted in the hash aggregate's order, a chunk's
# rollup read a page per four rows (national benchmark, 200,000 responses).
AGENCY_ORDER = "ORDER BY 1"


# How the group sums name their cells: "E1.1:5" (item and option), "#13" (mask).
ANSWER_CELL = ("t.item_code, t.value", "t.item_code || ':' || CAST(t.value AS TEXT)")
MASK_CELL = ("t.mask", "'#' || CAST(t.mask AS TEXT)")


def bucket_sql(column: str, unit: str, vendor: str | None = None) -> str:
    """SQL for the first day of the local (settings.TIME_ZONE) month, quarter or
    year of a timestamp. Literal percent signs are doubled: the SQL runs with
    parameters."""
    if (vendor or connection.vendor) == "postgresql":
        zone = settings.TIME_ZONE.replace("'", "''")
        local = f"({column} AT TIME ZONE '{zone}')"
        return f"date_trunc('{unit}', {local})::date"
    # SQLite stores UTC text and has no zone database: shift by the zone's offset
    # (exact for a zone without daylight saving time: Vietnam has kept UTC+7
    # since 1975).
    offset = local_tz().utcoffset(datetime.datetime(2000, 1, 1))
    shift = f"'{offset // datetime.timedelta(minutes=1):+d} minutes'"
    # SQLite's date functions round fractional seconds to milliseconds, so
    # 23:59:59.9995 on a month's last day would land in the next month: the
    # fraction is cut off first ("YYYY-MM-DD HH:MM:SS" is 19 characters).
    column = f"substr({column}, 1, 19)"
    if unit == "year":
        return f"date({column}, {shift}, 'start of year')"
    if unit == "month":
        return f"date({column}, {shift}, 'start of month')"
    back = f"((CAST(strftime('%%m', {column}, {shift}) AS INTEGER) - 1) %% 3)"
    return f"date({column}, {shift}, 'start of month', '-' || {back} || ' months')"


def collapsed_value(setup: Setup) -> str:
    """COLLAPSED_VALUE with the overall items' codes as SQL literals (registered
    methodology codes, never user input)."""
    codes = sorted({m.overall_item for m in setup.methodology.values()}) or ["G"]
    quoted = ", ".join("'" + code.replace("'", "''") + "'" for code in codes)
    return COLLAPSED_VALUE.format(overall=quoted)


def mask_case(setup: Setup) -> tuple[str, list]:
    if not setup.element_of_item:
        return "0", []
    whens = " ".join("WHEN %s THEN %s" for _ in setup.element_of_item)
    params: list = []
    for code, bit in setup.element_of_item.items():
        params += [code, bit]
    return f"CASE b.item_code {whens} ELSE 0 END", params


def source_sql(where: str, years: Iterable[int] = ()) -> str:
    """One row per answer (one with NULL item for a response without answers) of
    the unflagged responses matching `where` (on r), with what the aggregates
    are keyed by: the columns the statements of _insert_aggregates read as b.
    `years`, when given, are all the local years of those responses: the answers
    are read from those years' partitions only (surveys.partitions)."""
    false = "false" if connection.vendor == "postgresql" else "0"
    in_years = ""
    if years:
        in_years = f" AND a.year IN ({', '.join(str(int(y)) for y in sorted(years))})"
    return f"""
        SELECT r.id AS response_id, r.agency_id, r.version_id, r.submitted_at,
               r.channel, r.gender, r.age_group, p.code AS procedure,
               p.field AS field, a.item_code, a.value
        FROM surveys_response r
        LEFT JOIN agencies_procedure p ON p.id = r.procedure_id
        LEFT JOIN surveys_answer a ON a.response_id = r.id{in_years}
        WHERE r.flagged = {false} AND {where}
    """


def adapted(params: list) -> list:
    # Raw SQL: datetimes must be adapted like the ORM does (UTC text on SQLite).
    return [
        connection.ops.adapt_datetimefield_value(p)
        if isinstance(p, datetime.datetime)
        else p
        for p in params
    ]


def closure_sql() -> str:
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


def group_sql(
    table: str,
    columns: str,
    cell: str,
    period: Period,
    part: str,
    dims,
    only,
    values: Mapping[str, set[str]] | None = None,
) -> tuple[str, list]:
    """SQL summing one aggregate table (alias t) into groups: one row per (agency,
    scope, version, dimension, value) with its cells as a JSON object {cell: n}.

    OFFICIAL: own groups read an agency's own official rows, subtree groups all
    its official rows, own and pooled. BREAKDOWNS: subtree groups of the
    breakdowns `dims`, of the dimension values `values` gives ({dimension:
    values}), if it is given. `only` ({(agency_id, scope)}) restricts the groups.
    Sums are grouped by the raw `columns`; the `cell` text key is only built for
    the summed rows.
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
        if values is None:
            where += f" AND t.dimension IN ({', '.join(['%s'] * len(dims))})"
            scope_params += dims
        else:
            where_values, value_params = values_where(dims, values)
            where += where_values
            scope_params += value_params
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


def values_where(
    dims: Iterable[str], values: Mapping[str, set[str]], alias: str = "t."
) -> tuple[str, list]:
    """SQL (" AND …") restricting rows with `dimension` and `dimension_value`
    columns (aggregate rows t, or index rows with `alias` "") to some values
    of some dimensions, and its parameters."""
    terms, params = [], []
    for dim in dims:
        some = sorted(values.get(dim, ()))
        if some:
            terms.append(
                f"({alias}dimension = %s AND {alias}dimension_value IN "
                f"({', '.join(['%s'] * len(some))}))"
            )
            params += [dim, *some]
    return f" AND ({' OR '.join(terms) or '1 = 0'})", params


# Periods of a year in the rollup query: 0 the year, 1 … 12 its months, 101 … 104
# its quarters (integers: grouping and hashing them is cheaper than text codes).
def rollup_code(year: str, key: int) -> str:
    if key == 0:
        return year
    return f"{year}-Q{key - 100}" if key > 100 else f"{year}-{key:02d}"


def _key_case(field: str, numbers: list[int], offset: int) -> str:
    """The rollup key of a row's `field` (month or quarter of its bucket) when it
    is one of `numbers` (parameters), else NULL."""
    if not numbers:
        return "NULL::integer"
    part = f"extract({field} FROM month)::integer"
    marks = ", ".join(["%s"] * len(numbers))
    return f"CASE WHEN {part} IN ({marks}) THEN {offset} + {part} END"


def rollup_key(period: Period) -> int:
    if period.granularity == "year":
        return 0
    if period.granularity == "quarter":
        return 100 + (period.first.month + 2) // 3
    return period.first.month


def rollup_sql(
    periods: list[Period], agencies: list[int] | None = None
) -> tuple[str, list]:
    """PostgreSQL: the official groups of several periods of one year from one
    scan of each aggregate table, months, quarters and the year summed together
    (GROUPING SETS), one row per (period key, agency, scope, version, "", "")
    with its cells as JSON. Same groups as :func:`group_sql` gives
    period by period. An official cell is summed once for both scopes: over all
    rows for the subtree, over the unpooled ones (FILTER) for the agency's own.
    `agencies` restricts the groups to some agencies (a sweep's)."""
    first = min(p.first for p in periods)
    last = max(p.last for p in periods)
    keys = sorted({rollup_key(p) for p in periods})
    among, among_params = "", []
    if agencies is not None:
        among = f" AND agency_id IN ({', '.join(['%s'] * len(agencies))})"
        among_params = list(agencies)
    # Months and quarters not asked for fall into one NULL group each (dropped),
    # so a sweep's year, quarter and month cost little more than the year.
    months = [k for k in keys if 1 <= k <= 12]
    quarters = [k - 100 for k in keys if k > 100]
    mkey, qkey = _key_case("month", months, 0), _key_case("quarter", quarters, 100)
    key_params = months + quarters
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
