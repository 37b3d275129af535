"""The index engine: keep the aggregates current and turn them into IndexResult rows.

Flow. ``surveys.services.store_responses`` calls :func:`note_new_responses` inside
its transaction: the touched agency-days are upserted into DirtyAgencyDay and one
debounced sweep is enqueued after commit. The sweep (:func:`sweep_dirty`) rebuilds
the AnswerCount/MaskCount rows of those agency-days from raw answers (a few
hundred rows each) and recomputes the year, quarter and month they fall in for the
agencies concerned. :func:`recompute_period` rebuilds a whole period (all agencies)
from raw answers; beat runs it nightly for the current and previous periods.

Indices are computed in Python from the aggregates (reports.indices), never from
raw answers: a period reads a few thousand aggregate rows per agency at most.
"""

from __future__ import annotations

import datetime
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
from reports.models import AnswerCount, DirtyAgencyDay, IndexResult, MaskCount
from reports.periods import (
    Period,
    day_start,
    local_day,
    parse_period,
    periods_of_day,
)
from surveys.models import Item, QuestionnaireVersion, Response

log = logging.getLogger(__name__)

# Breakdowns for dashboards: the dimension and the SQL giving its value.
DIMENSIONS: dict[str, str] = {
    "channel": "r.channel",
    "gender": "r.gender",
    "age_group": "r.age_group",
    "procedure": "p.code",
    "field": "p.field",
}
# Which period granularities get breakdown rows (IndexResult), to keep them small:
# dashboards filter every period by channel and procedure field; the respondent
# groups are shown per year and quarter; single procedures only per year.
BREAKDOWN_GRANULARITIES: dict[str, set[str]] = {
    "channel": {"year", "quarter", "month"},
    "field": {"year", "quarter", "month"},
    "gender": {"year", "quarter"},
    "age_group": {"year", "quarter"},
    "procedure": {"year"},
}
# Breakdown aggregates keep only satisfied (5) / not satisfied (1) per item: all
# the headline indicators need, at a fraction of the rows.
COLLAPSED_VALUE = "CASE WHEN a.value IN (4, 5) THEN 5 ELSE 1 END"
SWEEP_DEBOUNCE_SECONDS = getattr(settings, "REPORTS_SWEEP_DEBOUNCE_SECONDS", 30)
SWEEP_LOCK_KEY = "reports:sweep-scheduled"
SWEEP_BATCH = 5000


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


# --- rebuilding aggregates from raw answers ---------------------------------------


def _day_sql(column: str, *, month: bool = False) -> str:
    """SQL for the local (Asia/Ho_Chi_Minh) day, or its month's 1st, of a timestamp."""
    if connection.vendor == "postgresql":
        local = f"({column} AT TIME ZONE 'Asia/Ho_Chi_Minh')"
        return f"date_trunc('month', {local})::date" if month else f"{local}::date"
    # SQLite stores UTC text; Vietnam has kept UTC+7 without DST since 1975.
    modifier = ", 'start of month'" if month else ""
    return f"date({column}, '+7 hours'{modifier})"


def _mask_case(setup: Setup) -> tuple[str, list]:
    if not setup.element_of_item:
        return "0", []
    whens = " ".join("WHEN %s THEN %s" for _ in setup.element_of_item)
    params: list = []
    for code, bit in setup.element_of_item.items():
        params += [code, bit]
    return f"CASE a.item_code {whens} ELSE 0 END", params


def _insert_aggregates(
    setup: Setup,
    where: str,
    params: list,
    *,
    breakdowns: bool,
    official: bool = True,
) -> None:
    """INSERT … SELECT the aggregates of the responses matching `where` (on r).

    Official rows per day; breakdown rows per month for the headline items.
    The caller has deleted the rows being replaced.
    """
    false = "false" if connection.vendor == "postgresql" else "0"
    # Raw SQL: datetimes must be adapted like the ORM does (UTC text on SQLite).
    params = [
        connection.ops.adapt_datetimefield_value(p)
        if isinstance(p, datetime.datetime)
        else p
        for p in params
    ]
    base = f"r.flagged = {false} AND {where}"
    mask_case, mask_params = _mask_case(setup)
    sat_codes = list(setup.element_of_item) or [""]
    sat_in = ", ".join(["%s"] * len(sat_codes))
    targets = []
    if official:
        targets.append(("''", "''", _day_sql("r.submitted_at"), "", None))
    if breakdowns and setup.headline_items:
        month = _day_sql("r.submitted_at", month=True)
        for name, expr in DIMENSIONS.items():
            join = (
                "JOIN agencies_procedure p ON p.id = r.procedure_id"
                if name in ("procedure", "field")
                else ""
            )
            targets.append((f"'{name}'", expr, month, join, expr))
    headline_in = ", ".join(["%s"] * len(setup.headline_items))
    with connection.cursor() as cursor:
        for dim, dim_value, day, join, present in targets:
            extra, extra_params = "", []
            group_dim = f", {dim_value}" if present is not None else ""
            value = COLLAPSED_VALUE if present is not None else "a.value"
            if present is not None:
                extra = f" AND {present} <> '' AND a.item_code IN ({headline_in})"
                extra_params = list(setup.headline_items)
            cursor.execute(
                f"""
                INSERT INTO reports_answercount
                    (agency_id, day, version_id, dimension, dimension_value,
                     item_code, value, count)
                SELECT r.agency_id, {day}, r.version_id, {dim}, {dim_value},
                       a.item_code, {value}, COUNT(*)
                FROM surveys_answer a
                JOIN surveys_response r ON r.id = a.response_id {join}
                WHERE {base}{extra}
                GROUP BY r.agency_id, {day}, r.version_id{group_dim},
                         a.item_code, {value}
                """,
                params + extra_params,
            )
            having_dim = f" AND {present} <> ''" if present is not None else ""
            cursor.execute(
                f"""
                INSERT INTO reports_maskcount
                    (agency_id, day, version_id, dimension, dimension_value, mask,
                     count)
                SELECT x.agency_id, x.day, x.version_id, {dim}, x.dim_value,
                       x.mask, COUNT(*)
                FROM (
                    -- one row per response: the elements it answered
                    SELECT r.id, r.agency_id, {day} AS day, r.version_id,
                           {dim_value} AS dim_value,
                           COALESCE(SUM(DISTINCT {mask_case}), 0) AS mask
                    FROM surveys_response r {join}
                    LEFT JOIN surveys_answer a
                        ON a.response_id = r.id AND a.item_code IN ({sat_in})
                    WHERE {base}{having_dim}
                    GROUP BY r.id, r.agency_id, r.submitted_at, r.version_id{group_dim}
                ) x
                GROUP BY x.agency_id, x.day, x.version_id, x.dim_value, x.mask
                """,
                mask_params + sat_codes + params,
            )


def _month_first(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


@transaction.atomic
def rebuild_agency_days(
    pairs: Iterable[tuple[int, datetime.date]], setup: Setup
) -> None:
    """Rebuild the aggregates of some agency-days (and their agency-months'
    breakdowns) from raw answers. Idempotent."""
    by_day: dict[datetime.date, list[int]] = defaultdict(list)
    by_month: dict[datetime.date, set[int]] = defaultdict(set)
    for agency_id, day in sorted(set(pairs)):
        by_day[day].append(agency_id)
        by_month[_month_first(day)].add(agency_id)
    # One set of statements per day (and per month for breakdowns), whatever the
    # number of agencies: a burst of responses on one day is a few statements.
    for day, agencies in sorted(by_day.items()):
        for start_at in range(0, len(agencies), 500):
            part = agencies[start_at : start_at + 500]
            for model in (AnswerCount, MaskCount):
                model.objects.filter(agency_id__in=part, day=day, dimension="").delete()
            start, end = day_start(day), day_start(day + datetime.timedelta(days=1))
            marks = ", ".join(["%s"] * len(part))
            _insert_aggregates(
                setup,
                f"r.agency_id IN ({marks}) AND r.submitted_at >= %s "
                "AND r.submitted_at < %s",
                [*part, start, end],
                breakdowns=False,
            )
    for first, agency_set in sorted(by_month.items()):
        agencies = sorted(agency_set)
        for start_at in range(0, len(agencies), 500):
            part = agencies[start_at : start_at + 500]
            for model in (AnswerCount, MaskCount):
                model.objects.filter(agency_id__in=part, day=first).exclude(
                    dimension=""
                ).delete()
            start, end = day_start(first), day_start(_next_month(first))
            marks = ", ".join(["%s"] * len(part))
            _insert_aggregates(
                setup,
                f"r.agency_id IN ({marks}) AND r.submitted_at >= %s "
                "AND r.submitted_at < %s",
                [*part, start, end],
                breakdowns=True,
                official=False,
            )


@transaction.atomic
def rebuild_period_aggregates(period: Period, setup: Setup) -> None:
    """Rebuild every aggregate row of a period from raw answers (all agencies)."""
    for model in (AnswerCount, MaskCount):
        model.objects.filter(day__gte=period.first, day__lte=period.last).delete()
    start, end = period.bounds()
    where = "r.submitted_at >= %s AND r.submitted_at < %s"
    if connection.vendor == "postgresql":
        _insert_aggregates_grouping_sets(setup, where, [start, end])
    else:
        _insert_aggregates(setup, where, [start, end], breakdowns=True)


def _insert_aggregates_grouping_sets(setup: Setup, where: str, params: list) -> None:
    """PostgreSQL: the same rows as _insert_aggregates(breakdowns=True), with two
    scans of the answers instead of ten (GROUPING SETS: official per day, each
    dimension per month). The full rebuild of a year is what this is for."""
    mask_case, mask_params = _mask_case(setup)
    sat_codes = list(setup.element_of_item) or [""]
    sat_in = ", ".join(["%s"] * len(sat_codes))
    headline = list(setup.headline_items) or [""]
    headline_in = ", ".join(["%s"] * len(headline))
    day = _day_sql("r.submitted_at")
    month = _day_sql("r.submitted_at", month=True)
    dims = list(DIMENSIONS)
    dim_columns = ", ".join(f"{DIMENSIONS[d]} AS {d}" for d in dims)

    def sets(key: str, dim_key: str) -> str:
        official = f"(s.agency_id, s.day, s.version_id, {key})"
        per_dim = [
            f"(s.agency_id, s.month, s.version_id, s.{d}, {dim_key})" for d in dims
        ]
        return ", ".join([official, *per_dim])

    dimension = (
        "CASE "
        + " ".join(f"WHEN GROUPING(s.{d}) = 0 THEN '{d}'" for d in dims)
        + " ELSE '' END"
    )
    value = (
        "CASE "
        + " ".join(f"WHEN GROUPING(s.{d}) = 0 THEN COALESCE(s.{d}, '')" for d in dims)
        + " ELSE '' END"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO reports_answercount
                (agency_id, day, version_id, dimension, dimension_value, item_code,
                 value, count)
            SELECT agency_id, day, version_id, dimension, dimension_value,
                   item_code, value, n
            FROM (
                SELECT s.agency_id, s.version_id, s.item_code,
                       CASE WHEN GROUPING(s.value) = 0 THEN s.value ELSE s.sat END
                           AS value,
                       CASE WHEN GROUPING(s.day) = 0 THEN s.day ELSE s.month END
                           AS day,
                       {dimension} AS dimension, {value} AS dimension_value,
                       COUNT(*) AS n
                FROM (
                    SELECT r.agency_id, r.version_id, a.item_code, a.value,
                           {COLLAPSED_VALUE} AS sat, {day} AS day,
                           {month} AS month, {dim_columns}
                    FROM surveys_answer a
                    JOIN surveys_response r ON r.id = a.response_id
                    LEFT JOIN agencies_procedure p ON p.id = r.procedure_id
                    WHERE r.flagged = false AND {where}
                ) s
                GROUP BY GROUPING SETS (
                    {sets("s.item_code, s.value", "s.item_code, s.sat")}
                )
            ) g
            WHERE dimension = ''
               OR (dimension_value <> '' AND item_code IN ({headline_in}))
            """,
            params + headline,
        )
        cursor.execute(
            f"""
            INSERT INTO reports_maskcount
                (agency_id, day, version_id, dimension, dimension_value, mask, count)
            SELECT agency_id, day, version_id, dimension, dimension_value, mask, n
            FROM (
                SELECT s.agency_id, s.version_id, s.mask,
                       CASE WHEN GROUPING(s.day) = 0 THEN s.day ELSE s.month END
                           AS day,
                       {dimension} AS dimension, {value} AS dimension_value,
                       COUNT(*) AS n
                FROM (
                    SELECT r.agency_id, r.version_id, {day} AS day,
                           {month} AS month, {dim_columns},
                           COALESCE(SUM(DISTINCT {mask_case}), 0) AS mask
                    FROM surveys_response r
                    LEFT JOIN agencies_procedure p ON p.id = r.procedure_id
                    LEFT JOIN surveys_answer a
                        ON a.response_id = r.id AND a.item_code IN ({sat_in})
                    WHERE r.flagged = false AND {where}
                    GROUP BY r.id, p.code, p.field
                ) s
                GROUP BY GROUPING SETS ({sets("s.mask", "s.mask")})
            ) g
            WHERE dimension = '' OR dimension_value <> ''
            """,
            mask_params + sat_codes + params,
        )


# --- computing indices from aggregates -------------------------------------------


GroupKey = tuple[int, str, str, str, str]  # agency, scope, questionnaire, dim, value


def _ancestors(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def _collect(period: Period, setup: Setup) -> dict[GroupKey, indices.Counts]:
    """Sum the aggregates of a period into own and subtree groups.

    Breakdown rows (dimension set) are summed for the subtree scope only (what
    dashboards read) and only for the dimensions BREAKDOWN_GRANULARITIES allows
    at this period's granularity.
    """
    paths = dict(Agency.objects.values_list("id", "path"))
    groups: dict[GroupKey, indices.Counts] = defaultdict(indices.Counts)
    targets_cache: dict[tuple[int, bool], list[tuple[int, str]]] = {}
    dims = [""] + [
        d
        for d, allowed in BREAKDOWN_GRANULARITIES.items()
        if period.granularity in allowed
    ]
    dims_in = ", ".join(["%s"] * len(dims))

    def targets(agency_id: int, breakdown: bool) -> list[tuple[int, str]]:
        key = (agency_id, breakdown)
        if key not in targets_cache:
            chain = _ancestors(paths.get(agency_id, "")) or [agency_id]
            own = [] if breakdown else [(agency_id, "own")]
            targets_cache[key] = own + [(a, "subtree") for a in chain]
        return targets_cache[key]

    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT agency_id, version_id, dimension, dimension_value, item_code, value,
                   SUM(count)
            FROM reports_answercount
            WHERE day >= %s AND day <= %s AND dimension IN ({dims_in})
            GROUP BY agency_id, version_id, dimension, dimension_value, item_code, value
            """,
            [period.first, period.last, *dims],
        )
        for agency_id, version_id, dim, dv, item, value, count in cursor.fetchall():
            q = setup.version_questionnaire.get(version_id)
            if q is None:
                continue
            for target, scope in targets(agency_id, bool(dim)):
                groups[(target, scope, q, dim, dv)].add_value(item, value, int(count))
        cursor.execute(
            f"""
            SELECT agency_id, version_id, dimension, dimension_value, mask, SUM(count)
            FROM reports_maskcount
            WHERE day >= %s AND day <= %s AND dimension IN ({dims_in})
            GROUP BY agency_id, version_id, dimension, dimension_value, mask
            """,
            [period.first, period.last, *dims],
        )
        for agency_id, version_id, dim, dv, mask, count in cursor.fetchall():
            q = setup.version_questionnaire.get(version_id)
            if q is None:
                continue
            for target, scope in targets(agency_id, bool(dim)):
                groups[(target, scope, q, dim, dv)].add_mask(mask, int(count))
    return groups


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
    period: Period,
    setup: Setup,
    groups: dict[GroupKey, indices.Counts],
    only: set[tuple[int, str]] | None,
) -> list[tuple]:
    """IndexResult rows as tuples in RESULT_COLUMNS order."""
    now = timezone.now()
    results: list[tuple] = []
    for (agency_id, scope, q, dim, dv), counts in groups.items():
        if only is not None and (agency_id, scope) not in only:
            continue
        # A group without any response is not published (CONTRACT: no n = 0 group).
        if counts.responses == 0:
            continue
        method = setup.methodology[q]
        catalogue = setup.breakdown_catalogue[q] if dim else setup.catalogue[q]
        for row in indices.compute_rows(method, catalogue, counts):
            if dim and row.kind == "item":
                continue
            ci = row.ci95 or (None, None)
            results.append(
                (
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
            )
    return results


def _copy_text(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def _insert_results(results: list[tuple]) -> None:
    """COPY on PostgreSQL (Django's bulk_create costs more than the maths)."""
    table = IndexResult._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            import io

            buffer = io.StringIO()
            for row in results:
                buffer.write("\t".join(_copy_text(v) for v in row) + "\n")
            buffer.seek(0)
            cursor.cursor.copy_from(buffer, table, columns=RESULT_COLUMNS)
        else:
            columns = ", ".join(RESULT_COLUMNS)
            marks = ", ".join(["%s"] * len(RESULT_COLUMNS))
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})", results
            )


@transaction.atomic
def write_period(
    period: Period, setup: Setup, only: set[tuple[int, str]] | None = None
) -> int:
    """Replace the IndexResult rows of a period (or of some agency-scopes of it)."""
    results = _result_rows(period, setup, _collect(period, setup), only)
    methods = {m.code for m in setup.methodology.values()} or {
        indices.DEFAULT_METHODOLOGY
    }
    stale = IndexResult.objects.filter(period=period.code, methodology__in=methods)
    if only is None:
        stale.delete()
    else:
        by_scope: dict[str, list[int]] = defaultdict(list)
        for agency_id, scope in only:
            by_scope[scope].append(agency_id)
        for scope, agency_ids in by_scope.items():
            for start in range(0, len(agency_ids), 500):
                part = stale.filter(
                    scope=scope, agency_id__in=agency_ids[start : start + 500]
                )
                part.delete()
    if results:
        _insert_results(results)
    return len(results)


def recompute_period(code: str, *, rebuild: bool = True) -> int:
    """Recompute every index of one period, all agencies, both scopes.

    With ``rebuild`` (the default) the period's aggregates are first rebuilt from
    raw answers, which also repairs anything a sweep missed; dirty marks inside
    the period are then cleared. Idempotent: running it twice gives the same rows.
    Returns the number of IndexResult rows written.
    """
    period = parse_period(code)
    setup = load_setup()
    noted = list(
        DirtyAgencyDay.objects.filter(
            day__gte=period.first, day__lte=period.last
        ).values_list("id", "noted_at")
    )
    if rebuild:
        rebuild_period_aggregates(period, setup)
    written = write_period(period, setup)
    if rebuild:
        _forget_dirty(noted)
    return written


def recompute_periods(codes: Iterable[str]) -> dict[str, int]:
    """Recompute several periods, rebuilding each day's aggregates only once.

    Years go first; a quarter or month inside an already rebuilt year only has
    its indices rewritten. Returns rows written per period.
    """
    periods = sorted(
        {parse_period(code) for code in codes},
        key=lambda p: (p.first, -(p.last - p.first).days),
    )
    rebuilt: list[Period] = []
    written: dict[str, int] = {}
    for period in periods:
        covered = any(
            r.first <= period.first and period.last <= r.last for r in rebuilt
        )
        written[period.code] = recompute_period(period.code, rebuild=not covered)
        if not covered:
            rebuilt.append(period)
    return written


def periods_with_responses() -> list[str]:
    """Every year, quarter and month of the years that have responses."""
    from reports.periods import periods_of_year

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


def _forget_dirty(noted: list[tuple[int, datetime.datetime]]) -> None:
    """Delete processed dirty marks unless they were noted again meanwhile."""
    # One transaction: thousands of marks are one commit, not one each (SQLite).
    with transaction.atomic():
        for pk, noted_at in noted:
            DirtyAgencyDay.objects.filter(pk=pk, noted_at=noted_at).delete()


# --- new responses, the debounced sweep, flagged responses -------------------------


def note_new_responses(touched: set[tuple[int, int, datetime.datetime]]) -> None:
    """Mark the agency-days of newly stored responses for recomputation.

    Called inside the storing transaction with (agency_id, version_id,
    submitted_at) tuples. The dirty marks commit or roll back with the responses;
    one debounced sweep is enqueued after commit. Never raises because the broker
    is down: the periodic sweep catches up.
    """
    _mark_dirty({(agency_id, local_day(at)) for agency_id, _version, at in touched})
    transaction.on_commit(enqueue_sweep)


def _mark_dirty(pairs: set[tuple[int, datetime.date]]) -> None:
    if not pairs:
        return
    now = timezone.now()
    DirtyAgencyDay.objects.bulk_create(
        [DirtyAgencyDay(agency_id=a, day=d, noted_at=now) for a, d in sorted(pairs)],
        update_conflicts=True,
        update_fields=["noted_at"],
        unique_fields=["agency", "day"],
        batch_size=1000,
    )


@contextmanager
def deferred_sweep() -> Iterator[None]:
    """Hold back the debounced sweep while a bulk load stores many responses.

    The dirty marks are still written with the responses; they are processed by
    `compute_indices` (a bulk rebuild, cheaper than sweeping every agency-day) or
    by the periodic sweep in beat. Without this, a bulk load with tasks running
    in-process would sweep thousands of agency-days inside the loading command.
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

    try:
        if not cache.add(SWEEP_LOCK_KEY, "1", timeout=SWEEP_DEBOUNCE_SECONDS * 4):
            return False
    except Exception:
        log.warning("cache unavailable; enqueueing a sweep anyway", exc_info=True)
    try:
        sweep_dirty_task.apply_async(countdown=SWEEP_DEBOUNCE_SECONDS, retry=False)
        return True
    except Exception:
        log.warning(
            "could not enqueue the index sweep; the periodic sweep will catch up",
            exc_info=True,
        )
        try:
            cache.delete(SWEEP_LOCK_KEY)
        except Exception:
            pass
        return False


def sweep_dirty(limit: int = SWEEP_BATCH) -> int:
    """Rebuild the dirty agency-days and recompute the periods they fall in.

    Only the own rows of the dirty agencies and the subtree rows of them and
    their ancestors are rewritten. Returns the number of agency-days processed.
    """
    try:
        cache.delete(SWEEP_LOCK_KEY)  # later notes schedule a new sweep
    except Exception:
        log.warning("cache unavailable while sweeping", exc_info=True)
    dirty = list(
        DirtyAgencyDay.objects.order_by("day", "agency_id").values_list(
            "id", "agency_id", "day", "noted_at"
        )[:limit]
    )
    if not dirty:
        return 0
    setup = load_setup()
    rebuild_agency_days([(a, d) for _pk, a, d, _at in dirty], setup)
    paths = dict(
        Agency.objects.filter(id__in={a for _pk, a, _d, _at in dirty}).values_list(
            "id", "path"
        )
    )
    affected: dict[str, set[tuple[int, str]]] = defaultdict(set)
    for _pk, agency_id, day, _at in dirty:
        scopes = {(agency_id, "own")} | {
            (a, "subtree") for a in _ancestors(paths.get(agency_id, "")) or [agency_id]
        }
        for code in periods_of_day(day):
            affected[code] |= scopes
    for code, only in sorted(affected.items()):
        write_period(parse_period(code), setup, only)
    _forget_dirty([(pk, at) for pk, _a, _d, at in dirty])
    return len(dirty)


@transaction.atomic
def accept_flagged(response_ids: Iterable) -> int:
    """Unflag responses a reviewer accepted so that they count; marks them dirty.

    Returns the number of responses that were flagged and are now accepted.
    """
    flagged = Response.objects.filter(pk__in=list(response_ids), flagged=True)
    rows = list(flagged.values_list("agency_id", "submitted_at"))
    count = flagged.update(flagged=False, flag_reason="")
    _mark_dirty({(agency_id, local_day(at)) for agency_id, at in rows})
    if rows:
        transaction.on_commit(enqueue_sweep)
    return count
