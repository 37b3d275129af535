"""The sweeps: count what is waiting (new or accepted responses for the official
part, the breakdown queue for the other) and rewrite only the agency-scopes,
periods and questionnaires it changes. They return how many responses they
counted; what to enqueue next is :mod:`reports.tasks`' decision."""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction

from agencies.models import Agency
from reports.engine.aggregates import (
    count_responses,
    pending_breakdowns,
    pending_responses,
)
from reports.engine.groups import collect_periods
from reports.engine.results import write_period
from reports.engine.setup import (
    BREAKDOWNS,
    DIMENSION_FIELDS,
    OFFICIAL,
    RECOMPUTE_CHUNK,
    SWEEP_BATCH,
    load_setup,
    lock_engine,
)
from sipas.periods import local_day, parse_period, periods_of_day
from surveys.models import Response


def _ancestors(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def _affected(pending: list[tuple], *, own: bool) -> dict[str, set[tuple[int, str]]]:
    """Per period code, the agency-scopes whose indices the responses (id,
    agency_id, submitted_at, …) change: the subtree scopes of their agencies and
    of the agencies above, and with `own` the own scopes of their agencies."""
    paths = dict(
        Agency.objects.filter(id__in={row[1] for row in pending}).values_list(
            "id", "path"
        )
    )
    affected: dict[str, set[tuple[int, str]]] = defaultdict(set)
    for agency_id, day in {(row[1], local_day(row[2])) for row in pending}:
        chain = _ancestors(paths.get(agency_id, "")) or [agency_id]
        scopes = {(a, "subtree") for a in chain}
        if own:
            scopes.add((agency_id, "own"))
        for code in periods_of_day(day):
            affected[code] |= scopes
    return affected


def _values_of(pending: list[tuple]) -> dict[str, set[str]]:
    """{dimension: the values some of the responses have} (the breakdown
    aggregates' DIMENSIONS; an empty value is not a breakdown)."""
    rows = (
        Response.objects.filter(id__in=[row[0] for row in pending])
        .values_list(*DIMENSION_FIELDS.values())
        .distinct()
    )
    values: dict[str, set[str]] = {dim: set() for dim in DIMENSION_FIELDS}
    for row in rows:
        for dim, value in zip(DIMENSION_FIELDS, row, strict=True):
            if value:
                values[dim].add(value)
    return values


def sweep_dirty(limit: int = SWEEP_BATCH) -> int:
    """Count up to `limit` uncounted responses into the official aggregates and
    rewrite the official indices of the periods they fall in, for the
    agency-scopes concerned only (the own rows of their agencies and the subtree
    rows of those agencies and their ancestors), of the questionnaires they
    answer. One transaction: counts, counted
    marks and indices commit together. The responses are queued for the
    breakdown sweep (PendingBreakdown). Returns the number of responses counted.
    """
    return _sweep(OFFICIAL, limit)


def sweep_breakdowns(limit: int = SWEEP_BATCH) -> int:
    """Count up to `limit` queued responses into the breakdown aggregates and
    rewrite the breakdowns they change (subtree scopes of their agencies and the
    agencies above). One transaction. Returns the number of responses counted."""
    return _sweep(BREAKDOWNS, limit)


def _chunked(
    affected: dict[str, set[tuple[int, str]]], size: int
) -> list[dict[str, set[tuple[int, str]]]]:
    """`affected` cut into pieces of at most `size` agencies (by id). A group
    reads only its own agency's aggregate rows, so the pieces write the rows of
    one pass; a sweep spread over the country then holds a piece's groups, not
    every province's (measured nationally: 865 MB for 1,000 responses)."""
    agencies = sorted({a for scopes in affected.values() for a, _scope in scopes})
    pieces = []
    for start in range(0, len(agencies), size):
        members = set(agencies[start : start + size])
        piece = {
            code: {s for s in scopes if s[0] in members}
            for code, scopes in affected.items()
        }
        pieces.append({code: scopes for code, scopes in piece.items() if scopes})
    return pieces


def _sweep(part: str, limit: int, chunk: int = RECOMPUTE_CHUNK) -> int:
    official = part == OFFICIAL
    with transaction.atomic():
        lock_engine((part,))
        pending = (pending_responses if official else pending_breakdowns)(limit)
        if not pending:
            return 0
        setup = load_setup()
        count_responses(setup, pending, (part,))
        # Only the questionnaires answered: a batch of exit forms leaves the
        # household survey's groups (and their clusters) of the same agencies
        # as they are.
        answered = {setup.version_questionnaire.get(row[3]) for row in pending}
        # and only the dimension values they have: a batch of counter
        # responses leaves the agencies' online channel, other procedures and
        # respondent groups as they are
        values = None if official else _values_of(pending)
        for affected in _chunked(_affected(pending, own=official), chunk):
            periods = [parse_period(code) for code in sorted(affected)]
            for period, groups in collect_periods(
                periods, setup, part, affected, values
            ):
                groups = {k: v for k, v in groups.items() if k[2] in answered}
                write_period(
                    period,
                    setup,
                    affected[period.code],
                    part,
                    groups,
                    questionnaires=answered,
                    values=values,
                )
    return len(pending)
