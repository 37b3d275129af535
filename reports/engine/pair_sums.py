"""The pair counts (reports.models.PairCount) of official groups summed by the
database: per agency and questionnaire version, the own rows for the own scope
and own and pooled rows for the subtree, each as a
:class:`reports.statistics.PairTable` over the questionnaire's satisfaction
items (what :func:`reports.engine.pairs.attach` gives the groups).

A period's sums come from one query (:func:`period_sums`, a sweep's few
agencies), or from the months of a year read once for a recompute's chunk of
agencies (:class:`YearPairs`: its year, quarters and months are then summed
from them, instead of reading the year's pair rows three times over in
seventeen queries).
"""

from __future__ import annotations

import datetime
from itertools import groupby

import numpy as np
from django.db import connection

from reports import statistics
from reports.models import PairCount
from reports.statistics.pairtable import pair_position
from sipas.periods import parse_period

TABLE = PairCount._meta.db_table
COUNTS = ("answered", "a_satisfied", "b_satisfied", "both_satisfied")


def empty_tables(setup) -> dict:
    """Per questionnaire: an empty pair table over its satisfaction items (the
    catalogue's, in pair_key order), and the map from a position in the sorted
    items of all questionnaires (the SQL's) to a position in them (-1: not its)."""
    every = sorted(setup.element_of_item)
    tables = {}
    for q, catalogue in setup.catalogue.items():
        items = sorted(catalogue.sat_items)
        local = np.full(len(every) + 1, -1, dtype=np.int64)
        for at, item in enumerate(every):
            if item in catalogue.sat_items:
                local[at] = items.index(item)
        tables[q] = (statistics.PairTable(items), local)
    return tables


def period_sums(period, setup, agencies: list[int] | None, tables: dict, versions=None):
    """(agency, questionnaire, own table, subtree table) of every agency (of
    `agencies`, or all) and questionnaire version (of `versions`, or all) with
    pair rows in the period."""
    for agency_id, q, _month, own, subtree in _sums(
        setup,
        period.first,
        period.last,
        agencies,
        tables,
        by_month=False,
        versions=versions,
    ):
        yield (
            agency_id,
            q,
            *(statistics.PairTable(tables[q][0].items, c) for c in (own, subtree)),
        )


class YearPairs:
    """The pair sums of some agencies (a recompute's chunk) per month of a
    year, read in one query when a period of the year is first asked for
    (those of the year asked for before are dropped), summed into any period
    of that year by :meth:`sums`. Months are kept as int32 (a month's counts
    of one agency are far below 2³¹), periods summed as int64."""

    def __init__(self, setup, agencies: list[int]):
        self.setup, self.agencies = setup, sorted(agencies)
        self.tables = empty_tables(setup)
        self.year: int | None = None
        self.months: list[tuple] = []

    def sums(self, period):
        """(agency, questionnaire, own table, subtree table) of the period."""
        year = period.first.year
        if year != self.year:
            self.months = []  # freed before the next year is read
            whole = parse_period(str(year))
            self.year = year
            self.months = [
                (agency_id, q, month, own.astype(np.int32), subtree.astype(np.int32))
                for agency_id, q, month, own, subtree in _sums(
                    self.setup,
                    whole.first,
                    whole.last,
                    self.agencies,
                    self.tables,
                    by_month=True,
                )
            ]
        summed: dict[tuple[int, str], list[np.ndarray]] = {}
        for agency_id, q, month, own, subtree in self.months:
            if not period.first <= month <= period.last:
                continue
            cell = summed.get((agency_id, q))
            if cell is None:
                summed[(agency_id, q)] = [
                    own.astype(np.int64),
                    subtree.astype(np.int64),
                ]
            else:
                cell[0] += own
                cell[1] += subtree
        for (agency_id, q), (own, subtree) in summed.items():
            items = self.tables[q][0].items
            yield (
                agency_id,
                q,
                statistics.PairTable(items, own),
                statistics.PairTable(items, subtree),
            )


def _sums(setup, first, last, agencies, tables: dict, *, by_month: bool, versions=None):
    """(agency, questionnaire, month or None, own counts, subtree counts) of
    the pair rows of the months first … last (of `agencies` and `versions`, or
    all), per agency and version (and month): (4, pairs) int64 arrays in the
    order of the questionnaire's table."""
    every = sorted(setup.element_of_item)
    if not every:
        return
    where, params = "month >= %s AND month <= %s", [first, last]
    for column, wanted in (("agency_id", agencies), ("version_id", versions)):
        if wanted is not None:
            if not wanted:
                return
            where += f" AND {column} IN ({', '.join(['%s'] * len(wanted))})"
            params += list(wanted)
    keys = "agency_id, version_id" + (", month" if by_month else "")
    if connection.vendor != "postgresql":
        rows = _pair_rows(every, keys, where, params)
    elif by_month:
        rows = _month_arrays(every, keys, where, params)
    else:
        rows = _pair_arrays(every, keys, where, params)
    for row in rows:
        q = setup.version_questionnaire.get(row[1])
        if q not in tables:
            continue
        month = row[2] if by_month else None
        if isinstance(month, str):  # SQLite
            month = datetime.date.fromisoformat(month)
        first_items, second_items, columns = row[-10], row[-9], row[-8:]
        yield row[0], q, month, *_counts(tables[q], first_items, second_items, columns)


def _eight_sums() -> list[str]:
    """SQL of the own (unpooled rows) and subtree (all rows) sums of the four
    counts, as s0 … s7."""
    own = [f"SUM(CASE WHEN pooled THEN 0 ELSE {c} END)" for c in COUNTS]
    both = [f"SUM({c})" for c in COUNTS]
    return [f"{sql} AS s{k}" for k, sql in enumerate(own + both)]


def _pair_arrays(every: list[str], keys: str, where: str, params: list):
    """PostgreSQL: one row per agency and version, its pairs over the
    period's months as arrays of the items' positions in `every` and of the
    eight sums."""
    arrays = ", ".join(f"array_agg(s{k})" for k in range(8))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT {keys}, array_agg(a), array_agg(b), {arrays}
            FROM (
                SELECT {keys},
                       array_position(%s::text[], item_a::text) - 1 AS a,
                       array_position(%s::text[], item_b::text) - 1 AS b,
                       {", ".join(_eight_sums())}
                FROM {TABLE} WHERE {where}
                GROUP BY {keys}, item_a, item_b
            ) pairs
            WHERE a IS NOT NULL AND b IS NOT NULL
            GROUP BY {keys}
            """,
            [every, every, *params],
        )
        yield from cursor


def _month_arrays(every: list[str], keys: str, where: str, params: list):
    """PostgreSQL: the same rows per month (a recompute's year read once): a
    month's rows are one per pair and pooled flag, so the database sends each
    group's rows as they are, as arrays, one row per pooled flag, each pair's
    item positions joined from the list of every ordered pair of `every` (a
    hash join). Summing the own and pooled rows per pair there and looking the
    positions up per row with array_position took 1.6 times as long for a
    recompute chunk's year at national scale (and less for a period's sums,
    which keep that query). The own and subtree sums are put together here: a
    pair seen twice (own and pooled rows) is added up by :func:`_counts`."""
    if len(every) < 2:
        return
    width = len(keys.split(", "))
    pairs = ", ".join(["(%s, %s, %s, %s)"] * (len(every) * (len(every) - 1)))
    positions = [
        value
        for i, a in enumerate(every)
        for j, b in enumerate(every)
        if i != j
        for value in (a, b, i, j)
    ]
    arrays = ", ".join(f"array_agg(t.{c})" for c in COUNTS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT {keys}, pooled, array_agg(p.i), array_agg(p.j), {arrays}
            FROM {TABLE} t
            JOIN (VALUES {pairs}) p (a, b, i, j)
                ON p.a = t.item_a AND p.b = t.item_b
            WHERE {where}
            GROUP BY {keys}, pooled
            ORDER BY {keys}
            """,
            [*positions, *params],
        )
        for key, rows in groupby(cursor, key=lambda r: r[:width]):
            first, second, own, both = [], [], [], []
            for row in rows:
                counts = np.array(row[width + 3 :], dtype=np.int64)
                first.extend(row[width + 1])
                second.extend(row[width + 2])
                both.append(counts)
                own.append(np.zeros_like(counts) if row[width] else counts)
            yield (*key, first, second, *np.hstack(own), *np.hstack(both))


def _pair_rows(every: list[str], keys: str, where: str, params: list):
    """Other databases: the same rows, put together from one row per pair."""
    sums = _eight_sums()
    position = {item: at for at, item in enumerate(every)}
    width = len(keys.split(", "))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT {keys}, item_a, item_b, {", ".join(sums)}
            FROM {TABLE} WHERE {where}
            GROUP BY {keys}, item_a, item_b
            ORDER BY {keys}
            """,
            params,
        )
        rows = [
            r
            for r in cursor.fetchall()
            if r[width] in position and r[width + 1] in position
        ]
    for key, of_group in groupby(rows, key=lambda r: r[:width]):
        of_group = list(of_group)
        yield (
            *key,
            [position[r[width]] for r in of_group],
            [position[r[width + 1]] for r in of_group],
            *([int(r[width + 2 + k]) for r in of_group] for k in range(8)),
        )


def _counts(table, first: list, second: list, columns: list) -> tuple:
    """The own and subtree counts of one agency and version's pair sums, in
    the order of the questionnaire's table (`table`: empty_tables' pair)."""
    empty, local = table
    size = len(empty.items)
    first, second = local[np.array(first)], local[np.array(second)]
    keep = (first >= 0) & (second >= 0)
    sums = np.array(columns, dtype=np.int64)[:, keep]
    first, second = first[keep], second[keep]
    swapped = first > second
    # (b, a) stored (the database's order): the first item's counts are the second's
    sums[[1, 2, 5, 6]] = np.where(swapped, sums[[2, 1, 6, 5]], sums[[1, 2, 5, 6]])
    at = pair_position(np.minimum(first, second), np.maximum(first, second), size)
    own, subtree = (np.zeros_like(empty.counts) for _ in range(2))
    np.add.at(own, (slice(None), at), sums[:4])
    np.add.at(subtree, (slice(None), at), sums[4:])
    return own, subtree
