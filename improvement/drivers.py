"""Key drivers: one bounded-memory pass over each agency's respondents, results
stored in DriverRun / DriverWeight (run by a Celery task, never in a request).

For each agency and scope whose period has at least the minimum number of G
answers (read from IndexResult), the respondents of the period are streamed from
a server-side cursor in blocks, one row per respondent (items pivoted in SQL), and
fed into drivers_math.BootstrapMoments for the element-level and the item-level
analysis at once. Memory is bounded by the block size and the replicates, not by
the number of respondents. Element score of a respondent: the mean of the items of
the element they answered (1–5). A respondent enters an analysis only when every
predictor and G are answered (complete cases); ``n`` reports how many did.
"""

from __future__ import annotations

import datetime
import logging
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction

from agencies.models import Agency
from improvement import drivers_math
from improvement.models import DriverRun, DriverWeight
from reports.models import IndexResult
from sipas.periods import parse_period
from surveys.models import Item, QuestionnaireVersion
from surveys.partitions import year_of

log = logging.getLogger(__name__)

QUESTIONNAIRE = "exit-dv"  # the only form with the overall item G
OUTCOME = "G"
BLOCK = 2000


@dataclass(frozen=True)
class Layout:
    """Item codes of the predictors and the element each belongs to."""

    versions: list[int]
    items: list[str]  # E1.1 … E5.3 in questionnaire order
    elements: list[str]  # E1 … E5
    element_of: dict[str, str]


def load_layout(questionnaire: str = QUESTIONNAIRE) -> Layout | None:
    """The satisfaction items of the questionnaire's versions (merged by code);
    None when it has no overall item G."""
    versions = list(
        QuestionnaireVersion.objects.filter(
            questionnaire__code=questionnaire
        ).values_list("pk", flat=True)
    )
    rows = (
        Item.objects.filter(version__in=versions, kind=Item.Kind.SAT5)
        .order_by("version__number", "position")
        .values_list("code", "element")
    )
    element_of: dict[str, str] = {}
    has_outcome = False
    for code, element in rows:
        if code == OUTCOME:
            has_outcome = True
        elif element.startswith("E"):
            element_of[code] = element
    if not has_outcome or not element_of:
        return None
    items = sorted(element_of, key=lambda c: [int(x) for x in c[1:].split(".")])
    elements = sorted(set(element_of.values()))
    return Layout(versions, items, elements, element_of)


def respondent_blocks(
    agency: Agency, scope: str, period: str, layout: Layout, block: int = BLOCK
) -> Iterator[np.ndarray]:
    """Blocks of respondent rows (items in layout order, then G; NaN = blank) of
    the agency (scope own) or its subtree, for the period, flagged responses out.
    Streams from a server-side cursor: memory is one block."""
    start, end = parse_period(period).bounds()
    if scope == DriverRun.Scope.OWN:
        where = ("r.agency_id = %s", [agency.pk])
    else:
        where = subtree_condition([agency.path])
    yield from answer_blocks(where, start, end, [*layout.items, OUTCOME], layout, block)


def subtree_condition(paths: list[str]) -> tuple[str, list]:
    """SQL condition on r.agency_id selecting the subtrees of these paths."""
    if not paths:
        return "FALSE", []
    likes = " OR ".join("path LIKE %s" for _path in paths)
    # A path holds digits and slashes only: nothing to escape in LIKE.
    return (
        f"r.agency_id IN (SELECT id FROM agencies_agency WHERE {likes})",
        [path + "%" for path in paths],
    )


def answer_blocks(
    where: tuple[str, list],
    start,
    end,
    codes: list[str],
    layout: Layout,
    block: int = BLOCK,
) -> Iterator[np.ndarray]:
    """Blocks of one row per respondent (the codes' values, NaN = blank) of the
    responses matching ``where`` (a condition on r.agency_id) submitted in
    [start, end), flagged responses out. A server-side cursor: memory is one
    block, however many responses match."""
    columns = ", ".join(
        "max(a.value) FILTER (WHERE a.item_code = %s)" for _code in codes
    )
    sql = f"""
        SELECT {columns}
        FROM surveys_response r JOIN surveys_answer a ON a.response_id = r.id
        WHERE {where[0]} AND r.submitted_at >= %s AND r.submitted_at < %s
          AND NOT r.flagged AND r.version_id IN ({_marks(layout.versions)})
          AND a.item_code IN ({_marks(codes)})
          AND a.year BETWEEN %s AND %s
        GROUP BY r.id
    """
    # the years of [start, end): their answer partitions only (surveys.partitions)
    years = [year_of(start), year_of(end - datetime.timedelta(microseconds=1))]
    params = [*codes, *where[1], start, end, *layout.versions, *codes, *years]
    # A named (server-side) cursor; Django declares it WITH HOLD in autocommit.
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(block):
            yield np.array(rows, dtype=float)  # None becomes NaN


def _marks(values: list) -> str:
    return ", ".join(["%s"] * len(values))


def _seed(*parts: object) -> int:
    """A stable seed per analysis, so a rerun on the same data gives the same
    intervals."""
    return zlib.crc32("|".join(map(str, parts)).encode())


def _element_rows(block: np.ndarray, layout: Layout) -> np.ndarray:
    """Element scores (mean of the answered items) and G, complete rows only."""
    columns = []
    for element in layout.elements:
        idx = [i for i, c in enumerate(layout.items) if layout.element_of[c] == element]
        with np.errstate(all="ignore"):
            columns.append(np.nanmean(block[:, idx], axis=1))
    rows = np.column_stack([*columns, block[:, -1]])
    return rows[~np.isnan(rows).any(axis=1)]


def _item_rows(block: np.ndarray) -> np.ndarray:
    return block[~np.isnan(block).any(axis=1)]


def analyse(
    agency: Agency, scope: str, period: str, layout: Layout
) -> dict[str, tuple[int, drivers_math.DriverFit | None]]:
    """Element- and item-level fits of one agency and scope (one pass)."""
    levels = {
        DriverRun.Level.ELEMENT: drivers_math.BootstrapMoments(
            len(layout.elements), seed=_seed(agency.pk, scope, period, "element")
        ),
        DriverRun.Level.ITEM: drivers_math.BootstrapMoments(
            len(layout.items), seed=_seed(agency.pk, scope, period, "item")
        ),
    }
    for block in respondent_blocks(agency, scope, period, layout):
        levels[DriverRun.Level.ELEMENT].add(_element_rows(block, layout))
        levels[DriverRun.Level.ITEM].add(_item_rows(block))
    fits = {}
    for level, moments in levels.items():
        enough = moments.n >= drivers_math.MIN_RESPONDENTS[level]
        fits[level] = (moments.n, drivers_math.fit(moments) if enough else None)
    return fits


def candidates(period: str, questionnaire: str = QUESTIONNAIRE) -> list[tuple]:
    """(agency, scope) pairs whose G has enough answers for the element level."""
    rows = IndexResult.objects.filter(
        period=period,
        questionnaire=questionnaire,
        dimension="",
        dimension_value="",
        indicator=OUTCOME,
        n__gte=drivers_math.MIN_RESPONDENTS["element"],
    ).values_list("agency_id", "scope")
    pairs = sorted(set(rows))
    agencies = Agency.objects.in_bulk([agency_id for agency_id, _scope in pairs])
    return [(agencies[a], scope) for a, scope in pairs if a in agencies]


def refresh_drivers(period: str, questionnaire: str = QUESTIONNAIRE) -> int:
    """Recompute the key drivers of every agency and scope of one period from the
    raw answers and replace the period's stored results; returns the runs
    written. Safe to run twice (same data and seeds give the same results)."""
    parse_period(period)  # ValueError for a malformed code
    layout = load_layout(questionnaire)
    if layout is None:
        return 0
    computed = []
    for agency, scope in candidates(period, questionnaire):
        for level, (n, found) in analyse(agency, scope, period, layout).items():
            element = level == DriverRun.Level.ELEMENT
            codes = layout.elements if element else layout.items
            computed.append((agency, scope, level, n, found, codes))
    with transaction.atomic():
        DriverRun.objects.filter(period=period, questionnaire=questionnaire).delete()
        for agency, scope, level, n, found, codes in computed:
            _store(agency, scope, period, questionnaire, level, n, found, codes)
    log.info("drivers %s: %d analyses", period, len(computed))
    return len(computed)


def _store(agency, scope, period, questionnaire, level, n, found, codes) -> None:
    run = DriverRun.objects.create(
        agency=agency,
        scope=scope,
        period=period,
        questionnaire=questionnaire,
        level=level,
        n=n,
        r2=found.r2 if found else None,
        r2_low=found.r2_low if found else None,
        r2_high=found.r2_high if found else None,
    )
    if found is None:
        return
    equal_share = 100 / len(codes)
    DriverWeight.objects.bulk_create(
        DriverWeight(
            run=run,
            indicator=codes[imp.index],
            weight=imp.weight,
            share=imp.share,
            share_low=imp.share_low,
            share_high=imp.share_high,
            p_value=imp.p_value,
            claimed=imp.claimed,
            key=imp.claimed and imp.share_low > equal_share,
        )
        for imp in found.importances
    )
