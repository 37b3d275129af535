"""Rewriting whole periods from the aggregates: what ``compute_indices`` and the
nightly task run (:func:`recompute_periods`)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import Max, Min

from agencies.models import Agency
from reports.engine import moves
from reports.engine.aggregates import count_pending, rebuild_aggregates
from reports.engine.groups import collect_periods
from reports.engine.pair_sums import YearPairs
from reports.engine.results import periods_without_rows, write_period
from reports.engine.setup import (
    OFFICIAL,
    PARTS,
    RECOMPUTE_CHUNK,
    load_setup,
    lock_engine,
)
from sipas.periods import local_day, parse_period, periods_of_year
from surveys.models import Response


def recompute_periods(
    codes: Iterable[str],
    *,
    rebuild: bool = False,
    parts: tuple[str, ...] = PARTS,
    progress: Callable[[int, int], None] | None = None,
    chunk: int = RECOMPUTE_CHUNK,
) -> dict[str, int]:
    """Rewrite every index of some periods, all agencies, both scopes: the
    official indices and the breakdowns, or the `parts` asked for.

    Uncounted responses are counted first, and the other periods they fall in are
    rewritten too, so no index is left behind its aggregates. With ``rebuild``
    the aggregates of the periods' years are first rebuilt from raw answers (a
    repair). Idempotent: running it twice gives the same rows. Returns the number
    of IndexResult rows written per period. Recomputing OFFICIAL alone leaves the
    breakdown queue (PendingBreakdown) to the breakdown sweep, which the caller
    sends (reports.tasks). ``progress(done, total)`` is called after each period
    of each part is written (a command's progress bar).

    The agencies are written `chunk` at a time (:func:`agency_chunks`): a chunk's
    groups of the periods are all the process holds, so its memory is bounded by
    the chunk, not by the country. A group reads only its own agency's
    aggregate rows (pooled rows make a subtree one agency's rows), so the rows
    written are those of one pass over all agencies.
    """
    periods = {parse_period(code).code for code in codes}
    with transaction.atomic():
        lock_engine()
        # new agencies get the path their pooled rows are built with recorded
        # (reports.engine.moves; the tasks check for moved ones afterwards)
        moves.moved()
        setup = load_setup()
        if rebuild:
            for year in sorted({int(code[:4]) for code in periods}):
                rebuild_aggregates(year, setup)
        periods |= count_pending(setup, parts)
        ordered = sorted(
            (parse_period(code) for code in periods),
            key=lambda p: (p.first, -(p.last - p.first).days),
        )
        written = dict.fromkeys((p.code for p in ordered), 0)
        chunks = agency_chunks(chunk)
        done, total = 0, len(ordered) * len(parts)
        for part in parts:
            # periods without a row yet are written without reading any
            new = periods_without_rows(ordered, setup, part)
            for number, agencies in enumerate(chunks, 1):
                scopes = {(a, scope) for a in agencies for scope in SCOPES}
                only = dict.fromkeys(written, scopes)
                # the chunk's pair rows, read once per year (official part)
                source = YearPairs(setup, agencies) if part == OFFICIAL else None
                for period, groups in collect_periods(ordered, setup, part, only):
                    written[period.code] += write_period(
                        period,
                        setup,
                        scopes,
                        part,
                        groups,
                        source,
                        new=period.code in new,
                    )
                    if number == len(chunks):
                        done += 1
                        if progress is not None:
                            progress(done, total)
        return written


SCOPES = ("own", "subtree")


def agency_chunks(size: int) -> list[list[int]]:
    """Every agency's id (dissolved ones too: older periods have their rows) in
    chunks of at most `size`, whole trees together (the first agency of their
    materialised path: a province) as far as they fit, so that a chunk's
    aggregate rows are few provinces' rows."""
    trees: dict[int, list[int]] = defaultdict(list)
    for pk, path in Agency.objects.order_by("id").values_list("id", "path"):
        top = path.strip("/").split("/")[0]
        trees[int(top) if top else pk].append(pk)
    chunks: list[list[int]] = [[]]
    for _root, members in sorted(trees.items()):
        if chunks[-1] and len(chunks[-1]) + len(members) > size:
            chunks.append([])
        for start in range(0, len(members), size):  # a tree bigger than a chunk
            if start:
                chunks.append([])
            chunks[-1].extend(members[start : start + size])
    return [c for c in chunks if c]


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
    bounds = Response.objects.aggregate(
        first=Min("submitted_at"), last=Max("submitted_at")
    )
    return [bounds["first"], bounds["last"]]
