"""The aggregate tables (AnswerCount, MaskCount): counted from new responses
(:func:`count_responses`, an upsert ``count = count + new``) or rebuilt from raw
answers (:func:`rebuild_aggregates`, the repair)."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.db import connection

from reports.engine import pairs, rebuild
from reports.engine.setup import (
    BREAKDOWNS,
    COUNT_BATCH,
    DIMENSIONS,
    OFFICIAL,
    PARTS,
    Setup,
    bucket_unit,
    dims_of,
)
from reports.engine.sql import (
    AGENCY_ORDER,
    ANSWER_KEY,
    BATCH_TABLE,
    MASK_KEY,
    adapted,
    bucket_sql,
    closure_sql,
    collapsed_value,
    mask_case,
    source_sql,
)
from reports.models import AnswerCount, MaskCount, PairCount, PendingBreakdown
from reports.partitions import (
    delete_year,
    ensure_year_partitions,
    stage_year,
    swap_in,
)
from sipas.periods import Period, local_day, parse_period, periods_of_day
from surveys.models import PurgedYear, Response
from surveys.partitions import year_of


def _insert_aggregates(
    setup: Setup,
    source: str,
    params: list,
    *,
    dims: Iterable[str] = ("", *DIMENSIONS),
) -> None:
    """INSERT … SELECT the aggregates of the answer rows of `source` (see
    source_sql), added to existing rows (the delta of newly counted
    responses): official rows per month, breakdown rows per their bucket.

    Each response counts for its agency (``pooled`` false) and for every agency
    above it (``pooled`` true), so that a subtree's counts are its agency's
    rows, own and pooled, without walking the tree when reading. `dims` says
    which rows: "" the official ones, a DIMENSIONS key a breakdown. (A repair
    counts the same rows from one read of the answers: reports.engine.rebuild.)
    """
    answers = AnswerCount._meta.db_table
    masks = MaskCount._meta.db_table
    params = adapted(params)
    mask_sql, mask_params = mask_case(setup)
    headline_in = ", ".join(["%s"] * len(setup.headline_items))
    targets = [
        (dim, DIMENSIONS.get(dim)) for dim in dims if not dim or setup.headline_items
    ]
    tree = f"JOIN ({closure_sql()}) c ON c.agency_id = {{alias}}.agency_id"
    agency, pooled = "c.ancestor_id", "c.ancestor_id <> {alias}.agency_id"

    def ending(key: str, table: str) -> str:
        """The INSERT's end: the delta added to existing rows."""
        return (
            f" ON CONFLICT ({key}) DO UPDATE SET count = {table}.count + excluded.count"
        )

    # The elements a response answered: the OR of its answers' element bits
    # (bits are powers of two, so the sum of the distinct ones elsewhere).
    if connection.vendor == "postgresql":
        elements = f"bit_or({mask_sql})"
    else:
        elements = f"SUM(DISTINCT {mask_sql})"
    with connection.cursor() as cursor:
        for dim, column in targets:
            bucket = bucket_sql("b.submitted_at", bucket_unit(dim))
            value = collapsed_value(setup) if column else "b.value"
            dim_value = column or "''"
            extra, extra_params = "", []
            if column:
                extra = f" AND {column} <> '' AND b.item_code IN ({headline_in})"
                extra_params = list(setup.headline_items)
            cursor.execute(
                f"""
                INSERT INTO {answers} ({ANSWER_KEY}, count)
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
                {ending(ANSWER_KEY, answers)}
                """,
                params + extra_params,
            )
            having_dim = f" AND {column} <> ''" if column else ""
            cursor.execute(
                f"""
                INSERT INTO {masks} ({MASK_KEY}, count)
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
                {ending(MASK_KEY, masks)}
                """,
                mask_params + params,
            )


def _insert_pairs(setup: Setup) -> None:
    """The pair counts of the staged batch, added (reports.engine.pairs)."""
    pairs.insert_pairs(
        setup,
        BATCH_TABLE,
        bucket=bucket_sql("p.submitted_at", "month"),
        closure=closure_sql(),
    )


def _pool_aggregates(period: Period) -> None:
    """Add the pooled rows of a period from its own rows: each agency's counts
    to every agency above it (the re-pooling after agencies moved; a repair
    sums them as it counts, reports.engine.pooled)."""
    for model, columns in (
        (AnswerCount, "t.item_code, t.value"),
        (MaskCount, "t.mask"),
    ):
        key = ANSWER_KEY if model is AnswerCount else MASK_KEY
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {table} ({key}, count)
                SELECT c.ancestor_id, %s, t.month, t.version_id, t.dimension,
                       t.dimension_value, {columns}, SUM(t.count)
                FROM {table} t JOIN ({closure_sql()}) c
                    ON c.agency_id = t.agency_id AND c.ancestor_id <> t.agency_id
                WHERE t.pooled = %s AND t.month >= %s AND t.month <= %s
                GROUP BY c.ancestor_id, t.month, t.version_id, t.dimension,
                         t.dimension_value, {columns}
                {AGENCY_ORDER}
                """,
                [True, False, period.first, period.last],
            )


def _stage_batch(where: str, params: list, years: Iterable[int]) -> None:
    """Copy the answer rows of the responses matching `where` (see source_sql),
    all of local `years`, into the temporary BATCH_TABLE: the aggregate
    statements then scan that table, a dozen times, instead of joining answers to
    responses each time (the sweep). The years prune the answers to their
    partitions."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {BATCH_TABLE}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {BATCH_TABLE} AS " + source_sql(where, years),
            adapted(params),
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
    years = {year_of(row[2]) for row in pending}  # rows: (id, agency, submitted_at, …)
    ensure_year_partitions(years)
    _stage_batch(f"r.id IN (SELECT id FROM {ids_table})", [], years)
    _insert_aggregates(setup, f"SELECT * FROM {BATCH_TABLE}", [], dims=dims_of(parts))
    if OFFICIAL in parts:
        _insert_pairs(setup)
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
    """(id, agency_id, submitted_at, version_id) of the responses waiting to be
    counted, oldest first (all of them, or the first `limit`)."""
    pending = (
        Response.objects.filter(counted=False, flagged=False)
        .order_by("submitted_at")
        .values_list("id", "agency_id", "submitted_at", "version_id")
    )
    return list(pending if limit is None else pending[:limit])


def pending_breakdowns(limit: int | None = None) -> list[tuple]:
    """(id, agency_id, submitted_at, version_id) of the responses queued for the
    breakdown sweep (all of them, or `limit` of them)."""
    queued = PendingBreakdown.objects.values_list(
        "response_id",
        "response__agency_id",
        "response__submitted_at",
        "response__version_id",
    )
    return list(queued if limit is None else queued[:limit])


def count_pending(setup: Setup, parts: tuple[str, ...] = PARTS) -> set[str]:
    """Count every uncounted response into the aggregates of `parts` (and, with
    BREAKDOWNS, every response queued for the breakdowns); returns the periods
    whose indices changed. Call inside a transaction holding the engine lock.
    COUNT_BATCH responses at a time: a bulk load's millions are never all in
    memory (each batch leaves what the next one reads: counted, or dequeued)."""
    days: set = set()
    batches = []
    if OFFICIAL in parts:
        batches.append((pending_responses, parts))
    if BREAKDOWNS in parts:
        batches.append((pending_breakdowns, (BREAKDOWNS,)))
    for waiting, counted_into in batches:
        while pending := waiting(COUNT_BATCH):
            count_responses(setup, pending, counted_into)
            days |= {local_day(row[2]) for row in pending}
    touched: set[str] = set()
    for day in days:
        touched.update(periods_of_day(day))
    return touched


# work_mem of a repair's read of the answers (the engine's 64 MB, lock_engine,
# made its GROUP BY and sort of a year's responses spill to disk)
REPAIR_WORK_MEMORY = "256MB"


def rebuild_aggregates(year: int, setup: Setup) -> None:
    """Rebuild every aggregate row of a year from raw answers (all agencies): the
    repair for aggregates that a bug or a manual database edit put out of step.
    The year's unflagged responses are all counted afterwards. Call inside a
    transaction holding the engine lock. Refuses a purged year: its answers are
    gone, its aggregates are all that is left (reports.purge)."""
    if PurgedYear.objects.filter(year=year).exists():
        raise ValueError(
            f"{year}: raw responses purged, the aggregates cannot be rebuilt"
        )
    period = parse_period(str(year))
    # Where the tables are split by year, the year's rows are built in fresh
    # tables and swapped in for its partitions (reports.partitions); otherwise
    # they are deleted and inserted again.
    staged = stage_year(year)
    if connection.vendor == "postgresql":
        # the repair's read groups and sorts a year's responses: in memory, not
        # in spilled batches (for this transaction only)
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{REPAIR_WORK_MEMORY}'")
    if not staged:
        delete_year(year, (AnswerCount, MaskCount, PairCount))
    start, end = period.bounds()
    # own and pooled rows from one read of the answers (numpy)
    rebuild.write_rows(year, setup, staged)
    if staged:
        swap_in(year, staged)
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
            cursor.execute(
                "ANALYZE reports_answercount, reports_maskcount, reports_paircount"
            )
