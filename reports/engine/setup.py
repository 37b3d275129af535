"""What the engine needs to know before it counts: its parts, the breakdowns and
their granularities, the questionnaires' catalogues (:func:`load_setup`) and the
lock every writer of aggregates and indices takes (:func:`lock_engine`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection

from reports import indices
from sipas.periods import Period
from surveys.models import Item, QuestionnaireVersion

# Breakdowns for dashboards: the dimension and the SQL giving its value.
DIMENSIONS: dict[str, str] = {
    "channel": "b.channel",
    "gender": "b.gender",
    "age_group": "b.age_group",
    "procedure": "b.procedure",
    "field": "b.field",
}
# The same dimensions as Response fields (the breakdown sweep's values).
DIMENSION_FIELDS: dict[str, str] = {
    "channel": "channel",
    "gender": "gender",
    "age_group": "age_group",
    "procedure": "procedure__code",
    "field": "procedure__field",
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


# The engine's two parts. OFFICIAL: the published indices (dimension "", own and
# subtree scopes; docs/formats.md, "Index rows"). BREAKDOWNS: the dashboards'
# breakdowns (subtree scope). They share the aggregate tables but are counted and
# written by separate sweeps, so the official indices never wait for the
# breakdowns, which are four fifths of the aggregate rows and most of the
# engine's work.
OFFICIAL = "official"
BREAKDOWNS = "breakdowns"
PARTS = (OFFICIAL, BREAKDOWNS)
SWEEP_BATCH = 5000
# A recompute writes its periods for this many agencies at a time
# (reports.engine.recompute.agency_chunks): a worker's memory follows the
# chunk, not the number of agencies in the country (bench/national.py).
RECOMPUTE_CHUNK = 400
# Responses counted per statement batch when a recompute finds many uncounted
# ones (a bulk load): their ids are held in memory one batch at a time.
COUNT_BATCH = 100_000
# pg_advisory_xact_lock keys, one per engine part. The two sweeps write disjoint
# rows (official aggregates and index rows have dimension "", breakdown ones not;
# PendingBreakdown only gains rows from the official sweep and loses them in the
# breakdown sweep), so each takes only its part's lock and an official sweep
# never waits behind a breakdown sweep. Recomputes, rebuilds and re-pooling take
# both, always in this order, so two writers never wait for each other in a cycle.
ENGINE_LOCK_IDS = {OFFICIAL: 0x51FA5, BREAKDOWNS: 0x51FA6}


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
    # Published versions only: a draft's items are no indicators (responses are
    # pinned to published versions, so a draft has no answers either).
    versions = (
        QuestionnaireVersion.objects.filter(published_at__isnull=False)
        .select_related("questionnaire")
        .order_by("questionnaire__code", "number")
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
        # the items the questionnaire's headline needs: A_DV's, or both
        # aspects' for SIPAS (household form)
        top = method.headline.get(code, "A_DV")
        needed = method.aspects_for_sipas if top == "SIPAS" else (top,)
        headline_sat = {c: e for c, e in sat.items() if method.elements[e] in needed}
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


def lock_engine(parts: tuple[str, ...] = PARTS) -> None:
    """Serialise the writers of the aggregates and indices of `parts` (sweeps,
    recomputes, rebuilds) until the end of the current transaction. Writers of
    one part only (the sweeps) do not wait for writers of the other. SQLite has
    one writer at a time anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for part in PARTS:  # the fixed order: no lock cycles
                if part in parts:
                    cursor.execute(
                        "SELECT pg_advisory_xact_lock(%s)", [ENGINE_LOCK_IDS[part]]
                    )
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


def bucket_unit(dimension: str) -> str:
    """The bucket of a dimension's aggregates: month, quarter or year."""
    if not dimension:
        return "month"
    allowed = BREAKDOWN_GRANULARITIES[dimension]
    return next(u for u in ("month", "quarter", "year") if u in allowed)


def dims_of(parts: Iterable[str]) -> list[str]:
    """The aggregate dimensions of some engine parts ("" is the official rows)."""
    dims = [""] if OFFICIAL in parts else []
    return dims + (list(DIMENSIONS) if BREAKDOWNS in parts else [])


def breakdown_dims(period: Period) -> list[str]:
    """The breakdowns written for a period (BREAKDOWN_GRANULARITIES)."""
    return [
        d
        for d, allowed in BREAKDOWN_GRANULARITIES.items()
        if period.granularity in allowed
    ]
