"""Change between two periods of the published index rows: what
`compare_indices` writes. The tests are reports.statistics.change (the same
function the dashboards' ▲/▼ marks use) and one Benjamini–Hochberg family per
file."""

from __future__ import annotations

from django.db.models import QuerySet

from agencies.models import Agency
from reports import statistics
from reports.indices import get_methodology
from reports.models import IndexResult

FIELDS = (
    "agency__code",
    "scope",
    "questionnaire",
    "kind",
    "indicator",
    "value",
    "n",
    "se",
    "flag",
    "incomplete",
)


def compare_periods(
    period: str,
    baseline: str,
    agency: Agency | None,
    methodology: str,
    *,
    agencies: QuerySet | None = None,
) -> list[dict]:
    """One row per agency, scope, questionnaire and indicator published in both
    periods (official rows of the methodology's current version): value and
    baseline, their difference with its 95 % interval, p, the q-value over all
    rows of the result, and `significant` (q < 0.05). Rows that cannot be tested
    (n < 30 on either side, no value) carry null p and q. `agencies` (a queryset
    of Agency) limits the rows, and so the family, to those agencies (the API's
    token scope)."""
    method = get_methodology(methodology)
    rows = IndexResult.objects.filter(
        period__in=[period, baseline],
        methodology=method.code,
        method_version=method.version,
        dimension="",
    ).exclude(kind="share", indicator__startswith=f"{method.overall_item}:")
    if agency is not None:
        rows = rows.filter(agency=agency)
    if agencies is not None:
        rows = rows.filter(agency__in=agencies)
    by_period: dict[str, dict[tuple, tuple]] = {period: {}, baseline: {}}
    for row in rows.values_list("period", *FIELDS).iterator(chunk_size=5000):
        by_period[row[0]][row[1:6]] = row[6:]
    results, tests = [], []
    current, base = by_period[period], by_period[baseline]
    for key in sorted(current.keys() & base.keys()):
        value, n, se, flag, incomplete = current[key]
        base_value, base_n, base_se, _flag, _incomplete = base[key]
        test = statistics.change(key[3], value, n, se, base_value, base_n, base_se)
        tests.append(test)
        agency_code, scope, questionnaire, kind, indicator = key
        results.append(
            {
                "agency": agency_code,
                "scope": scope,
                "questionnaire": questionnaire,
                "kind": kind,
                "indicator": indicator,
                "value": value,
                "n": n,
                "se": se,
                "flag": flag or None,
                "incomplete": incomplete.split(",") if incomplete else [],
                "baseline": base_value,
                "baseline_n": base_n,
                "baseline_se": base_se,
                "diff": _round(value - base_value)
                if None not in (value, base_value)
                else None,
                "diff_ci95": [_round(test.low), _round(test.high)] if test else None,
                "p": _round(test.p, 6) if test else None,
            }
        )
    for row, (q, significant) in zip(
        results, statistics.significant_in_family(tests), strict=True
    ):
        row["q"] = _round(q, 6)
        row["significant"] = significant
    return results


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)
