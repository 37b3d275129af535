"""A repair's aggregate rows counted in one read of a year's answers:
AnswerCount, MaskCount and PairCount of every agency, own and pooled, official
and breakdown, from one row per response (its answers in one string).

The counts are those of the SQL statements the sweep adds with
(reports.engine.aggregates._insert_aggregates, reports.engine.pairs), row for
row; tests/reports compare the two. What differs is the work: the database
reads each answer once, not once per statement (a dozen: every dimension's
answers and masks, and the pairs, whose self-join made 171 rows of each
response of 19 items), and numpy counts per agency, month and version. The
responses come in the order of their agencies' paths (ORDER_TABLE), and are
counted some whole agencies at a time (CHUNK_RESPONSES), so memory follows
the chunk; each chunk's own rows go out in that order, and each agency's
pooled rows once its subtree is complete (reports.engine.pooled).
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Iterator, Mapping

import numpy as np
from django.db import connection

from reports.engine import pairs
from reports.engine.chunk import (
    ANSWER_SEP,
    DIMENSION_COLUMNS,
    VALUE_SEP,
    Chunk,
    Codes,
    bucket_month,
    distinct_counts,
)
from reports.engine.pooled import Pooled, Tree
from reports.engine.setup import DIMENSIONS, Setup, bucket_unit
from reports.engine.sql import adapted, bucket_sql
from reports.models import AnswerCount, MaskCount, PairCount
from sipas.periods import parse_period
from sipas.pgcopy import LineStream, copy_value

# Responses counted at a time (whole agencies: a chunk ends between agencies).
CHUNK_RESPONSES = 5_000
FETCH = 2_000
ORDER_TABLE = "reports_rebuild_order"
COPY_READ = 1 << 16  # characters given to COPY at a time
BLOCK = 1 << 14  # rows made into lines at a time
PAIR_ROWS = 4_096  # responses whose pair products are held at a time
# The values a breakdown row keeps as satisfied, for items other than the
# overall one (reports.engine.sql.COLLAPSED_VALUE).
KEPT_SATISFIED = (4, 5)

ANSWER_COLUMNS = (
    "agency_id",
    "pooled",
    "month",
    "version_id",
    "dimension",
    "dimension_value",
    "item_code",
    "value",
    "count",
)
MASK_COLUMNS = (*ANSWER_COLUMNS[:6], "mask", "count")
PAIR_COLUMNS = (*pairs.KEY.split(", "), *pairs.COUNTS)


def _responses_sql() -> str:
    """One row per unflagged response of a span of submitted_at, in the order
    of the agencies' paths (ORDER_TABLE: pooled.Tree.order): agency, version,
    local month, the dimensions' values and its answers as one string (NULL:
    none)."""
    false = "false" if connection.vendor == "postgresql" else "0"
    joined = "a.item_code || %s || CAST(a.value AS TEXT)"
    concat = "string_agg" if connection.vendor == "postgresql" else "group_concat"
    return f"""
        SELECT r.agency_id, r.version_id, {bucket_sql("r.submitted_at", "month")},
               r.channel, r.gender, r.age_group, p.code, p.field,
               {concat}({joined}, %s)
        FROM surveys_response r
        JOIN {ORDER_TABLE} o ON o.agency_id = r.agency_id
        LEFT JOIN agencies_procedure p ON p.id = r.procedure_id
        LEFT JOIN surveys_answer a ON a.response_id = r.id AND a.year = %s
        WHERE r.flagged = {false} AND r.submitted_at >= %s AND r.submitted_at < %s
        GROUP BY o.seq, r.agency_id, r.id, r.version_id, r.submitted_at, r.channel,
                 r.gender, r.age_group, p.code, p.field
        ORDER BY o.seq, r.id
    """


def _order_agencies(tree: Tree) -> None:
    """ORDER_TABLE: each agency's place in the tree order."""
    places = [(pk, seq) for seq, pk in enumerate(tree.order())]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {ORDER_TABLE}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {ORDER_TABLE} "
            "(agency_id integer PRIMARY KEY, seq integer NOT NULL)"
        )
        if connection.vendor == "postgresql":
            lines = "".join(f"{pk}\t{seq}\n" for pk, seq in places)
            cursor.cursor.copy_from(io.StringIO(lines), ORDER_TABLE)
        else:
            cursor.executemany(f"INSERT INTO {ORDER_TABLE} VALUES (%s, %s)", places)


def _chunks(year: int) -> Iterator[list[tuple]]:
    """The year's responses (rows of _responses_sql), whole agencies' at a
    time, about CHUNK_RESPONSES (an agency with more is one chunk)."""
    start, end = parse_period(str(year)).bounds()
    params = adapted([VALUE_SEP, ANSWER_SEP, year, start, end])
    chunk: list[tuple] = []
    # a server-side cursor on PostgreSQL: the year is never all in memory
    with connection.chunked_cursor() as cursor:
        cursor.execute(_responses_sql(), params)
        while rows := cursor.fetchmany(FETCH):
            for row in rows:
                if len(chunk) >= CHUNK_RESPONSES and row[0] != chunk[-1][0]:
                    yield chunk
                    chunk = []
                chunk.append(row)
    if chunk:
        yield chunk


def _rows(*columns: np.ndarray) -> Iterator[tuple]:
    """The rows of some columns as Python values, converted a block at a time
    (a chunk's million rows as lists were hundreds of MB)."""
    for at in range(0, len(columns[0]), BLOCK):
        yield from zip(*(c[at : at + BLOCK].tolist() for c in columns), strict=True)


class YearRows:
    """The COPY lines of a year's aggregate rows, chunk after chunk: each
    chunk's own rows, then the pooled rows of the trees it completed."""

    def __init__(self, year: int, setup: Setup, tree: Tree):
        self.setup = setup
        self.items, self.versions = Codes(), Codes()
        self.dim_values = {name: Codes() for name in DIMENSION_COLUMNS}
        self.months = [""] + [
            copy_value(datetime.date(year, m, 1)) for m in range(1, 13)
        ]
        # breakdowns only where some questionnaire has headline items (sql)
        self.dimensions = [d for d in DIMENSIONS if setup.headline_items]
        self.dim_names = ["", *self.dimensions]
        self.overall = {m.overall_item for m in setup.methodology.values()} or {"G"}
        self.satisfied = sorted(pairs.satisfied_values(setup))
        self.pair_items = sorted(setup.element_of_item)
        self.pair_text = [copy_value(c) for c in self.pair_items]
        self.agency_text = {pk: str(pk) for pk in tree.root}
        self.pooled = {kind: Pooled(tree) for kind in TABLES}

    def tables(self, rows: list[tuple]) -> Iterator[tuple[str, Iterator[str]]]:
        """("answers" | "masks" | "pairs", COPY lines) of some whole agencies'
        responses: their own rows, made as they are read."""
        chunk = Chunk(rows, self.items, self.versions, self.dim_values)
        self._texts()
        bits = np.array(
            [self.setup.element_of_item.get(c, 0) for c in self.items.values] + [0],
            np.int64,
        )
        # the elements each response answered (0: none)
        mask = np.zeros(chunk.size, np.int64)
        np.bitwise_or.at(mask, chunk.answer_of, bits[chunk.item])
        yield "answers", self._answers(chunk)
        yield "masks", self._masks(chunk, mask)
        yield "pairs", self._pairs(chunk)

    def pooled_tables(self, last: int | None) -> Iterator[tuple[str, Iterator[str]]]:
        """The pooled rows of the agencies whose subtree is done, the
        responses being at agency `last` (None: all; pooled.Pooled.take)."""
        self._texts()
        builders = {
            "answers": self._answer_lines,
            "masks": self._mask_lines,
            "pairs": self._pair_lines,
        }
        for kind, pooled in self.pooled.items():
            keys, sums = pooled.take(last)
            if len(sums):
                yield kind, builders[kind]("t", keys, sums)

    def _texts(self) -> None:
        self.version_text = [str(v) for v in self.versions.values]
        self.item_text = [copy_value(c) for c in self.items.values]
        self.dim_texts = [[""]] + [
            [copy_value(v) for v in self.dim_values[_name(dim)].values]
            for dim in self.dimensions
        ]

    def _own(self, kind: str, chunk: Chunk, keys, sums) -> Iterator[str]:
        """Own rows (the agency as its chunk code first in `keys`): added to
        the agencies above (pooled), and their lines."""
        if not len(sums):
            return iter(())
        keys = [chunk.agency_id[keys[0]], *keys[1:]]
        if sums.ndim == 1:
            sums = sums[:, None]
        self.pooled[kind].add(keys[0], keys[1:], sums)
        if kind == "answers":
            return self._answer_lines("f", keys, sums)
        if kind == "masks":
            return self._mask_lines("f", keys, sums)
        return self._pair_lines("f", keys, sums)

    def _answers(self, chunk: Chunk) -> Iterator[str]:
        # official rows: every option of every item, per month
        at = chunk.of_answers
        zeros = np.zeros(len(chunk.item), np.int64)
        keys, n = distinct_counts(
            at(chunk.agency),
            at(chunk.month),
            at(chunk.version),
            zeros,  # the dimension ("")
            zeros,  # its value
            chunk.item,
            chunk.value,
        )
        yield from self._own("answers", chunk, keys, n)
        if not self.dimensions:
            return
        # breakdown rows: the headline items, satisfied (5) or not (1) but
        # for the overall item
        kept = self.items.flags(set(self.setup.headline_items))[chunk.item]
        collapsed = np.where(
            self.items.flags(self.overall)[chunk.item],
            chunk.value,
            np.where(np.isin(chunk.value, KEPT_SATISFIED), 5, 1),
        )
        for number, dim in enumerate(self.dimensions, 1):
            column = chunk.dim[_name(dim)]
            bucket = bucket_month(chunk.month, bucket_unit(dim))
            chosen = kept & (at(column) >= 0)
            keys, n = distinct_counts(
                at(chunk.agency)[chosen],
                at(bucket)[chosen],
                at(chunk.version)[chosen],
                np.full(int(chosen.sum()), number),
                at(column)[chosen],
                chunk.item[chosen],
                collapsed[chosen],
            )
            yield from self._own("answers", chunk, keys, n)

    def _masks(self, chunk: Chunk, mask: np.ndarray) -> Iterator[str]:
        zeros = np.zeros(chunk.size, np.int64)
        keys, n = distinct_counts(
            chunk.agency, chunk.month, chunk.version, zeros, zeros, mask
        )
        yield from self._own("masks", chunk, keys, n)
        for number, dim in enumerate(self.dimensions, 1):
            column = chunk.dim[_name(dim)]
            bucket = bucket_month(chunk.month, bucket_unit(dim))
            has = column >= 0
            keys, n = distinct_counts(
                chunk.agency[has],
                bucket[has],
                chunk.version[has],
                np.full(int(has.sum()), number),
                column[has],
                mask[has],
            )
            yield from self._own("masks", chunk, keys, n)

    def _answer_lines(self, flag: str, keys, sums) -> Iterator[str]:
        agency, version, months, items = (
            self.agency_text,
            self.version_text,
            self.months,
            self.item_text,
        )
        names, texts = self.dim_names, self.dim_texts
        for a, m, v, d, dv, i, x, count in _rows(*keys, sums[:, 0]):
            yield (
                f"{agency[a]}\t{flag}\t{months[m]}\t{version[v]}\t{names[d]}"
                f"\t{texts[d][dv]}\t{items[i]}\t{x}\t{count}\n"
            )

    def _mask_lines(self, flag: str, keys, sums) -> Iterator[str]:
        agency, version, months = self.agency_text, self.version_text, self.months
        names, texts = self.dim_names, self.dim_texts
        for a, m, v, d, dv, k, count in _rows(*keys, sums[:, 0]):
            yield (
                f"{agency[a]}\t{flag}\t{months[m]}\t{version[v]}\t{names[d]}"
                f"\t{texts[d][dv]}\t{k}\t{count}\n"
            )

    def _pair_lines(self, flag: str, keys, sums) -> Iterator[str]:
        agency, version, months = self.agency_text, self.version_text, self.months
        items = self.pair_text
        for a, m, v, i, j, aa, sa, sb, ss in _rows(*keys, *sums.T):
            yield (
                f"{agency[a]}\t{flag}\t{months[m]}\t{version[v]}\t{items[i]}"
                f"\t{items[j]}\t{aa}\t{sa}\t{sb}\t{ss}\n"
            )

    def _pairs(self, chunk: Chunk) -> Iterator[str]:
        """The pair counts per agency, month and version: for every two
        satisfaction items (in code order) answered by some response of the
        group, how many answered both, were satisfied with the first, with the
        second, with both (pairs.insert_pairs; an item answered twice counts
        twice, as the SQL's self-join does)."""
        if not self.pair_items:
            return
        position = {code: k for k, code in enumerate(self.pair_items)}
        of_item = np.array(
            [position.get(c, -1) for c in self.items.values] + [-1], np.int64
        )[chunk.item]
        element = of_item >= 0
        satisfied = element & np.isin(chunk.value, self.satisfied)
        shape = (chunk.size, len(self.pair_items))
        answered = np.zeros(shape, np.int32)
        np.add.at(answered, (chunk.answer_of[element], of_item[element]), 1)
        sat = np.zeros(shape, np.int32)
        np.add.at(sat, (chunk.answer_of[satisfied], of_item[satisfied]), 1)
        found = []  # (agency, month, version, item a, item b, 4 counts) arrays
        for version in np.unique(chunk.version).tolist():
            rows = np.flatnonzero(chunk.version == version)
            rows = rows[np.lexsort((chunk.month[rows], chunk.agency[rows]))]
            cols = np.flatnonzero(answered[rows].any(axis=0))
            if len(cols) < 2:
                continue
            ia, ib = np.triu_indices(len(cols), k=1)
            group = chunk.agency[rows] * 13 + chunk.month[rows]
            starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
            counts = _pair_sums(answered[rows], sat[rows], cols[ia], cols[ib], starts)
            a_cols, b_cols = cols[ia], cols[ib]
            g, p = np.nonzero(counts[0])  # pairs some response answered
            first = rows[starts[g]]
            found.append(
                (
                    chunk.agency[first],
                    chunk.month[first],
                    np.full(len(g), version),
                    a_cols[p],
                    b_cols[p],
                    *(c[g, p] for c in counts),
                )
            )
        if not found:
            return
        columns = [np.concatenate(parts) for parts in zip(*found, strict=True)]
        order = np.lexsort(tuple(reversed(columns[:5])))  # agency order
        columns = [c[order] for c in columns]
        yield from self._own(
            "pairs", chunk, columns[:5], np.stack(columns[5:], axis=1).astype(np.int64)
        )


def _pair_sums(
    A: np.ndarray, S: np.ndarray, a_cols, b_cols, starts: np.ndarray
) -> list[np.ndarray]:
    """Per group of rows (`starts`: each group's first row) and pair of
    columns, the sums of A·A, S·A, A·S and S·S (answered and satisfied
    indicators). PAIR_ROWS rows at a time: a provincial centre's tens of
    thousands of responses times 171 pairs would be hundreds of MB at once."""
    group_of = np.zeros(len(A), np.int64)
    group_of[starts[1:]] = 1
    group_of = np.cumsum(group_of)
    sums = [np.zeros((len(starts), len(a_cols)), np.int64) for _ in range(4)]
    for at in range(0, len(A), PAIR_ROWS):
        block = group_of[at : at + PAIR_ROWS]
        first = np.flatnonzero(np.r_[True, block[1:] != block[:-1]])
        a, s = A[at : at + PAIR_ROWS], S[at : at + PAIR_ROWS]
        for total, (left, right) in zip(
            sums, ((a, a), (s, a), (a, s), (s, s)), strict=True
        ):
            total[block[first]] += np.add.reduceat(
                left[:, a_cols] * right[:, b_cols], first, axis=0
            )
    return sums


def _name(dim: str) -> str:
    """The response column of a dimension (DIMENSIONS' SQL without "b.")."""
    return DIMENSIONS[dim].split(".", 1)[1]


TABLES = {
    "answers": (AnswerCount._meta.db_table, ANSWER_COLUMNS),
    "masks": (MaskCount._meta.db_table, MASK_COLUMNS),
    "pairs": (PairCount._meta.db_table, PAIR_COLUMNS),
}


def _write(table: str, columns: tuple[str, ...], lines: Iterator[str]) -> None:
    """COPY the lines as they are made (sipas.pgcopy.LineStream); INSERTs on
    SQLite."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            stream = LineStream(lines)
            cursor.cursor.copy_from(stream, table, columns=columns, size=COPY_READ)
            return
        rows = [_parsed(line) for line in lines]
        if not rows:
            return
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
        )


_ESCAPES = {"\\\\": "\\", "\\t": "\t", "\\n": "\n", "\\r": "\r"}


def _parsed(line: str) -> list:
    """A COPY line's values for an INSERT (SQLite): the pooled flag (every
    table's second column) as a boolean, escapes undone
    (sipas.pgcopy.copy_value)."""
    values = [
        re.sub(r"\\[\\tnr]", lambda m: _ESCAPES[m[0]], v) for v in line[:-1].split("\t")
    ]
    values[1] = values[1] == "t"
    return values


def write_rows(year: int, setup: Setup, into: Mapping[str, str]) -> None:
    """Count a year's aggregate rows, own and pooled, into the aggregate
    tables or those `into` maps them to (a repair's staged tables). The
    caller has emptied them for the year."""
    tree = Tree()
    _order_agencies(tree)
    rows_of = YearRows(year, setup, tree)

    def write(tables: Iterator[tuple[str, Iterator[str]]]) -> None:
        for kind, lines in tables:
            table, columns = TABLES[kind]
            _write(into.get(table, table), columns, lines)

    for rows in _chunks(year):
        write(rows_of.tables(rows))
        # every agency's subtree is complete but those of the last one's path
        write(rows_of.pooled_tables(rows[-1][0]))
    write(rows_of.pooled_tables(None))
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {ORDER_TABLE}")
