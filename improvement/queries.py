"""Reads of the improvement pages, always within the user's scope.

Like reports.queries, every function starts from staff.scope (404 for an agency
outside the scope, PermissionDenied for non-staff) and reads precomputed rows
only: the drivers page never computes a driver.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from improvement import drivers_math
from improvement.models import DriverRun
from reports.models import IndexResult
from reports.queries import ELEMENTS, METHODOLOGY, item_labels
from staff.scope import get_visible_agency, require_profile

QUADRANTS = {
    "priority": _("Ưu tiên cải thiện"),
    "maintain": _("Duy trì thế mạnh"),
    "secondary": _("Ưu tiên thấp"),
    "surplus": _("Có thể đang đầu tư dư"),
}
QUADRANT_HELP = {
    "priority": _("Ảnh hưởng mạnh đến mức hài lòng chung nhưng chỉ số còn thấp."),
    "maintain": _("Ảnh hưởng mạnh và chỉ số đã cao: giữ vững."),
    "secondary": _("Ảnh hưởng yếu và chỉ số thấp: cải thiện sau."),
    "surplus": _(
        "Ảnh hưởng yếu nhưng chỉ số cao: nguồn lực có thể chuyển sang chỗ khác."
    ),
}


@dataclass(frozen=True)
class DriverPoint:
    """One row of the importance–performance matrix."""

    indicator: str
    label: str
    share: float
    share_low: float
    share_high: float
    claimed: bool
    key: bool
    index: float | None  # the indicator's satisfaction index (%), performance
    index_n: int
    quadrant: str

    @property
    def quadrant_label(self) -> str:
        return QUADRANTS[self.quadrant]


def driver_matrix(
    user: AbstractBaseUser,
    code: str,
    period: str,
    *,
    scope: str = DriverRun.Scope.SUBTREE,
    level: str = DriverRun.Level.ELEMENT,
    questionnaire: str = "exit-dv",
) -> dict:
    """Importance (share of R²) × performance (index) of the elements or items of
    one agency in scope: four queries (profile, agency, run with its weights,
    indices), whatever the size of the data. 404 outside the scope."""
    require_profile(user)
    agency = get_visible_agency(user, code)
    run = (
        DriverRun.objects.filter(
            agency=agency,
            period=period,
            scope=scope,
            questionnaire=questionnaire,
            level=level,
        )
        .prefetch_related("weights")
        .first()
    )
    indices = {
        indicator: (value, n)
        for indicator, value, n in IndexResult.objects.filter(
            agency=agency,
            period=period,
            scope=scope,
            questionnaire=questionnaire,
            methodology=METHODOLOGY[questionnaire],
            dimension="",
            dimension_value="",
            kind=IndexResult.Kind.ELEMENT
            if level == DriverRun.Level.ELEMENT
            else IndexResult.Kind.ITEM,
        ).values_list("indicator", "value", "n")
    }
    g = IndexResult.objects.filter(
        agency=agency,
        period=period,
        scope=scope,
        questionnaire=questionnaire,
        dimension="",
        dimension_value="",
        indicator="G",
    ).values_list("n", flat=True)
    points = _points(run, indices, level, questionnaire) if run else []
    return {
        "agency": agency,
        "period": period,
        "scope": scope,
        "level": level,
        "run": run,
        "responses": run.n if run else next(iter(g), 0),
        "minimum": drivers_math.MIN_RESPONDENTS[level],
        "points": points,
        "mean_share": 100 / len(points) if points else None,
        "mean_index": _mean([p.index for p in points]),
        "quadrants": QUADRANTS,
        "quadrant_help": QUADRANT_HELP,
    }


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def _points(run: DriverRun, indices: dict, level: str, questionnaire: str) -> list:
    weights = list(run.weights.all())
    labels = (
        {code: str(label) for code, label in ELEMENTS.items()}
        if level == DriverRun.Level.ELEMENT
        else item_labels(questionnaire)
    )
    mean_share = 100 / len(weights) if weights else 0
    mean_index = _mean([indices.get(w.indicator, (None, 0))[0] for w in weights])
    points = []
    for w in weights:
        index, n = indices.get(w.indicator, (None, 0))
        quadrant = drivers_math.quadrant(
            w.share,
            index if index is not None else 0,
            mean_share,
            mean_index if mean_index is not None else 0,
        )
        points.append(
            DriverPoint(
                indicator=w.indicator,
                label=labels.get(w.indicator, w.indicator),
                share=w.share,
                share_low=w.share_low,
                share_high=w.share_high,
                claimed=w.claimed,
                key=w.key,
                index=index,
                index_n=n,
                quadrant=quadrant,
            )
        )
    return sorted(points, key=lambda p: -p.share)


def driver_rows(
    agency: Agency, period: str, scope: str, questionnaire: str = "exit-dv"
) -> list[dict]:
    """Every stored driver of one agency (both levels) with the indicator's
    index, for export_drivers. No scope check: for management commands only."""
    runs = DriverRun.objects.filter(
        agency=agency, period=period, scope=scope, questionnaire=questionnaire
    ).prefetch_related("weights")
    indices = dict(
        IndexResult.objects.filter(
            agency=agency,
            period=period,
            scope=scope,
            questionnaire=questionnaire,
            dimension="",
            dimension_value="",
        ).values_list("indicator", "value")
    )
    rows = []
    for run in runs.order_by("level"):
        for w in sorted(run.weights.all(), key=lambda w: -w.share):
            rows.append(
                {
                    "level": run.level,
                    "indicator": w.indicator,
                    "importance": round(w.share, 2),
                    "ci95_low": round(w.share_low, 2),
                    "ci95_high": round(w.share_high, 2),
                    "claimed": w.claimed,
                    "key_driver": w.key,
                    "index": indices.get(w.indicator),
                    "n": run.n,
                }
            )
    return rows
