"""IndexResult rows: computed from the groups (reports.indices) and written
where their published values changed (:func:`write_period`), by COPY on
PostgreSQL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping

from django.db import connection
from django.utils import timezone

from reports import indices
from reports.engine import pairs
from reports.engine.groups import GroupKey, collect
from reports.engine.pair_sums import YearPairs
from reports.engine.setup import HEADLINE_ONLY, OFFICIAL, Setup
from reports.engine.sql import values_where
from reports.models import IndexResult
from reports.partitions import ensure_year_partitions
from sipas.periods import Period
from sipas.pgcopy import LineStream, copy_line, copy_value

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
    "method_version",
    "se",
    "incomplete",
)


# Positions in RESULT_COLUMNS of a row's identity and of what it publishes.
KEY_AT = (0, 2, 3, 4, 5, 6, 8)
VALUES_AT = (7, 9, 10, 11, 12, 13, 16, 17)


def _result_rows(
    period: Period, setup: Setup, groups: dict[GroupKey, indices.Counts]
) -> Iterator[tuple]:
    """IndexResult rows as tuples in RESULT_COLUMNS order."""
    now = timezone.now()
    # An agency with nothing under it (most of them: service points, commune
    # offices) has the same own and subtree sums: its rows are computed once.
    twins: dict[tuple, tuple[indices.Counts, list]] = {}
    for (agency_id, scope, q, dim, dv), counts in groups.items():
        # A group without any response is not published (docs/method.md, "Scopes":
        # no n = 0 group).
        if counts.responses == 0:
            continue
        method = setup.methodology[q]
        catalogue = setup.breakdown_catalogue[q] if dim else setup.catalogue[q]
        headline = method.headline.get(q) if dim in HEADLINE_ONLY else None
        twin_key = (agency_id, q, dim, dv)
        twin = twins.pop(twin_key, None)
        if twin is not None and twin[0].same_as(counts):
            rows = twin[1]
        else:
            rows = indices.compute_rows(method, catalogue, counts)
            other = "own" if scope == "subtree" else "subtree"
            if twin is None and (agency_id, other, q, dim, dv) in groups:
                twins[twin_key] = (counts, rows)
        for row in rows:
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
                method.version,
                indices.rounded(row.se, 4),
                ",".join(row.incomplete),
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
        kind, indicator, value, n, low, high, flag, at, version, se, missing = row[7:]
        yield (
            f"{prefix}\t{text(kind)}\t{text(indicator)}\t"
            f"{NULL if value is None else repr(value)}\t{n:d}\t"
            f"{NULL if low is None else repr(low)}\t"
            f"{NULL if high is None else repr(high)}\t"
            f"{text(flag)}\t{text(at)}\t{version:d}\t"
            f"{NULL if se is None else repr(se)}\t{text(missing)}\n"
        )


NULL = copy_value(None)
COPY_READ = 1 << 16  # bytes of lines COPY takes at a time


def _insert_results(results: Iterable[tuple]) -> int:
    """COPY on PostgreSQL (Django's bulk_create costs more than the maths),
    the lines made as the server reads them (:class:`sipas.pgcopy.LineStream`:
    given the rows as they are computed, the server inserts while Python
    computes the next). Returns the number of rows written."""
    table = IndexResult._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            stream = LineStream(_result_lines(results))
            cursor.cursor.copy_from(
                stream, table, columns=RESULT_COLUMNS, size=COPY_READ
            )
            return stream.lines
        rows = list(results)
        columns = ", ".join(RESULT_COLUMNS)
        marks = ", ".join(["%s"] * len(RESULT_COLUMNS))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
        return len(rows)


def _current_methods(setup: Setup) -> set[tuple[str, int]]:
    """(code, version) of the methodologies the engine writes rows of."""
    default = indices.get_methodology(indices.DEFAULT_METHODOLOGY)
    return {(m.code, m.version) for m in setup.methodology.values()} or {
        (default.code, default.version)
    }


def _part_where(
    period: Period, methods: set[tuple[str, int]], part: str
) -> tuple[str, list]:
    """SQL and parameters of a period's rows of an engine part, of the current
    version of each methodology only: older versions' rows stay as they were
    computed (readable, never rewritten)."""
    versions = " OR ".join(
        ["(methodology = %s AND method_version = %s)"] * len(methods)
    )
    compare = "=" if part == OFFICIAL else "<>"
    where = f"period = %s AND ({versions}) AND dimension {compare} ''"
    return where, [period.code, *(v for method in sorted(methods) for v in method)]


def periods_without_rows(periods: Iterable[Period], setup: Setup, part: str) -> set:
    """The codes of the periods with no IndexResult row of an engine part yet
    (a first computation, or rows deleted to be written anew): their rows are
    all new, so a recompute writes them without reading what is there."""
    methods = _current_methods(setup)
    empty = set()
    with connection.cursor() as cursor:
        for period in periods:
            where, params = _part_where(period, methods, part)
            cursor.execute(
                f"SELECT 1 FROM {IndexResult._meta.db_table} WHERE {where} LIMIT 1",
                params,
            )
            if cursor.fetchone() is None:
                empty.add(period.code)
    return empty


def _existing_rows(
    period: Period,
    methods: set[tuple[str, int]],
    only: set[tuple[int, str]] | None,
    part: str = OFFICIAL,
    questionnaires: set[str | None] | None = None,
    values: Mapping[str, set[str]] | None = None,
) -> dict[tuple, tuple[int, tuple]]:
    """The period's current IndexResult rows of an engine part (of some
    agency-scopes, of some questionnaires, of some dimension values): key →
    (id, published values), laid out like KEY_AT and VALUES_AT pick them from a
    result row."""
    # Raw SQL: at national scale a recompute reads millions of rows, a
    # queryset's filters and rows cost more than the query.
    where, params = _part_where(period, methods, part)
    if questionnaires is not None:
        codes = sorted(q for q in questionnaires if q is not None) or [""]
        where += f" AND questionnaire IN ({', '.join(['%s'] * len(codes))})"
        params += codes
    if values is not None:
        where_values, value_params = values_where(sorted(values), values, alias="")
        where += where_values
        params += value_params
    fields = ", ".join(("id", *(RESULT_COLUMNS[i] for i in KEY_AT + VALUES_AT)))
    sql = f"SELECT {fields} FROM {IndexResult._meta.db_table} WHERE {where}"
    if only is None:
        parts = [(sql, params)]
    else:
        by_scope: dict[str, list[int]] = defaultdict(list)
        for agency_id, scope in only:
            by_scope[scope].append(agency_id)
        parts = []
        for scope, ids in sorted(by_scope.items()):
            ids.sort()
            for start in range(0, len(ids), 500):
                some = ids[start : start + 500]
                marks = ", ".join(["%s"] * len(some))
                parts.append(
                    (
                        f"{sql} AND scope = %s AND agency_id IN ({marks})",
                        [*params, scope, *some],
                    )
                )
    split = 1 + len(KEY_AT)
    existing: dict[tuple, tuple[int, tuple]] = {}
    with connection.cursor() as cursor:
        for query, values in parts:
            cursor.execute(query, values)
            for row in cursor.fetchall():
                existing[row[1:split]] = (row[0], row[split:])
    return existing


def write_period(
    period: Period,
    setup: Setup,
    only: set[tuple[int, str]] | None = None,
    part: str = OFFICIAL,
    groups: dict[GroupKey, indices.Counts] | None = None,
    pair_source: YearPairs | None = None,
    questionnaires: set[str | None] | None = None,
    new: bool = False,
    values: Mapping[str, set[str]] | None = None,
) -> int:
    """Bring the IndexResult rows of one engine part of a period (or of some
    agency-scopes of it) in line with the aggregates, writing only the rows whose
    published values changed (``computed_at`` is when a row last changed).
    Returns the number of rows the period has there. `groups` are the period's
    sums if the caller has them already (see :func:`collect_periods`), and
    `pair_source` the pair sums of their agencies' year (reports.engine.pairs).
    `questionnaires`: only these questionnaires' rows are looked at (a sweep's
    answered ones; `groups` then holds only theirs). `new`: the period has no
    row of the part (:func:`periods_without_rows`), none is read. Call inside a
    transaction holding the engine lock. `values` ({dimension: values}, the
    breakdowns): only these dimension values' rows are looked at (a breakdown
    sweep's; `groups` then holds only theirs)."""
    ensure_year_partitions([period.first.year])  # rows go to the year's partition
    if groups is None:
        groups = collect(period, setup, only, part)
    if part == OFFICIAL:
        pairs.attach(period, setup, groups, only, pair_source)
    if new:  # nothing to compare with: rows written as they are computed
        return _insert_results(_result_rows(period, setup, groups))
    methods = _current_methods(setup)
    existing = _existing_rows(period, methods, only, part, questionnaires, values)
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
    rows = IndexResult.objects.filter(period=period.code)  # one partition's
    for start in range(0, len(replaced), 1000):
        rows.filter(pk__in=replaced[start : start + 1000]).delete()
    if fresh:
        _insert_results(fresh)
    return computed
