"""Reads of the improvement pages, always within the user's scope.

Like dashboard.queries, every function starts from staff.scope (404 for an agency
outside the scope, PermissionDenied for non-staff) and reads precomputed rows
only: the drivers page never computes a driver.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from improvement import drivers_math
from improvement.models import Action, DriverRun
from reports.models import IndexResult
from staff.scope import get_visible_agency, require_profile, visible_agencies
from surveys.metadata import METHODOLOGY, QUESTIONNAIRE_ELEMENTS, element_label
from surveys.queries import item_labels

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
        {code: element_label(code) for code in QUESTIONNAIRE_ELEMENTS[questionnaire]}
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


# --- Improvement actions -----------------------------------------------------------

ACTIONS_PER_PAGE = 25


@dataclass
class ActionFilters:
    """The actions list's filters, read from the URL; bad values are dropped."""

    status: str = ""
    agency: str = ""
    overdue: bool = False
    errors: list = None

    def querystring(self, **overrides) -> str:
        from urllib.parse import urlencode

        values = {
            "status": self.status,
            "agency": self.agency,
            "overdue": "1" if self.overdue else "",
        }
        values.update(overrides)
        return urlencode({k: v for k, v in values.items() if v})


def read_action_filters(params) -> ActionFilters:
    errors = []
    status = params.get("status", "").strip()
    if status and status not in Action.Status.values:
        errors.append(_("Trạng thái không hợp lệ; bộ lọc bị bỏ qua."))
        status = ""
    return ActionFilters(
        status=status,
        agency=params.get("agency", "").strip()[:32],
        overdue=params.get("overdue", "") == "1",
        errors=errors,
    )


def visible_actions(user: AbstractBaseUser):
    """Actions of the agencies the user may see (nothing for outsiders)."""
    return Action.objects.filter(agency__in=visible_agencies(user))


def actions_page(user: AbstractBaseUser, filters: ActionFilters, page: str | None):
    """The actions list: counts by status, one page of actions (agency and owner
    joined), overdue marked. Five queries whatever the number of actions; 404 for
    an agency filter outside the scope."""
    require_profile(user)
    actions = visible_actions(user)
    focus = None
    if filters.agency:
        focus = get_visible_agency(user, filters.agency)
        actions = actions.filter(agency__path__startswith=focus.path)
    today = timezone.localdate()
    counts = dict(
        actions.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    overdue = Q(status__in=Action.OPEN, due_date__lt=today)
    shown = actions
    if filters.status:
        shown = shown.filter(status=filters.status)
    if filters.overdue:
        shown = shown.filter(overdue)
    shown = shown.select_related("agency", "owner").order_by(
        Case(
            *(When(status=s, then=i) for i, s in enumerate(Action.Status.values)),
            output_field=IntegerField(),
        ),
        "due_date",
        "id",
    )
    paginator = Paginator(shown, ACTIONS_PER_PAGE)
    page_obj = paginator.get_page(page)
    return {
        "focus": focus,
        "counts": [
            (code, label, counts.get(code, 0)) for code, label in Action.Status.choices
        ],
        "page": page_obj,
        "rows": [(a, a.is_overdue(today)) for a in page_obj.object_list],
        "today": today,
    }


def action_detail(user: AbstractBaseUser, pk: int) -> dict:
    """One action in scope with its linked comments, notes and evidence (Http404
    outside the scope)."""
    from improvement.actions import get_action

    require_profile(user)
    action = get_action(user, pk)
    comments = list(
        action.comments.filter(agency__in=visible_agencies(user))
        .select_related("agency")
        .order_by("submitted_at")
    )
    labels = dict(target_labels())
    return {
        "action": action,
        "overdue": action.is_overdue(timezone.localdate()),
        "targets": [(code, labels.get(code, code)) for code in action.targets],
        "comments": comments,
        "notes": list(action.notes.select_related("author")),
        "evidence": list(action.evidence.all()),
        "effects": list(action.effects.order_by("indicator")),
        "next_statuses": [
            (s, Action.Status(s).label)
            for s in Action.Status.values
            if s in Action.TRANSITIONS[action.status]
        ],
    }


def target_labels() -> list[tuple[str, str]]:
    from improvement.forms import target_choices

    return target_choices()


def finished_actions(user: AbstractBaseUser, agency_code: str = "") -> dict:
    """The province table of finished actions and their measured effects: three
    queries (profile, actions with agency, effects) plus the focus agency when
    filtered. 404 for an agency outside the scope."""
    require_profile(user)
    actions = visible_actions(user).filter(status=Action.Status.DONE)
    focus = None
    if agency_code:
        focus = get_visible_agency(user, agency_code)
        actions = actions.filter(agency__path__startswith=focus.path)
    rows = list(
        actions.select_related("agency")
        .prefetch_related("effects")
        .order_by("agency__name", "due_date", "id")
    )
    return {
        "focus": focus,
        "rows": [(a, sorted(a.effects.all(), key=lambda e: e.indicator)) for a in rows],
    }


# --- Alerts and targets ------------------------------------------------------------

ALERTS_PER_PAGE = 50


def alerts_page(user: AbstractBaseUser, status: str, page: str | None) -> dict:
    """The alert inbox of the user's scope: counts by status and one page of
    alerts (agency and linked action joined). Five queries."""
    from improvement.models import Alert, DigestPreference

    require_profile(user)
    alerts = Alert.objects.filter(agency__in=visible_agencies(user))
    counts = dict(
        alerts.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    if status:
        alerts = alerts.filter(status=status)
    alerts = alerts.select_related("agency", "action").order_by(
        "-period", "agency__name", "indicator"
    )
    page_obj = Paginator(alerts, ALERTS_PER_PAGE).get_page(page)
    preference = DigestPreference.objects.filter(user=user).first()
    return {
        "counts": [(c, label, counts.get(c, 0)) for c, label in Alert.Status.choices],
        "status": status,
        "page": page_obj,
        "alerts": list(page_obj.object_list),
        "digest": preference.daily_digest if preference else True,
    }


def targets_page(user: AbstractBaseUser, year: int) -> dict:
    """The targets of the provinces in the user's view and the progress of the
    agencies in scope towards them in one year: four queries."""
    from improvement.alerts import applicable_target
    from improvement.models import Target

    profile = require_profile(user)
    targets = Target.objects.filter(year=year).select_related("agency")
    if profile.role == profile.Role.PROVINCIAL_ANALYST:
        targets = targets.filter(province_code=profile.province_code)
    elif profile.role == profile.Role.AGENCY_MANAGER:
        targets = targets.filter(province_code=profile.agency.province_code)
    targets = list(targets.order_by("province_code", "indicator", "agency_kind"))
    indicators = {t.indicator for t in targets}
    rows = (
        IndexResult.objects.filter(
            agency__in=visible_agencies(user).filter(
                province_code__in={t.province_code for t in targets},
                valid_until__isnull=True,
            ),
            period=str(year),
            questionnaire="exit-dv",
            scope=IndexResult.Scope.SUBTREE,
            dimension="",
            dimension_value="",
            indicator__in=indicators,
            n__gte=30,
        )
        .select_related("agency")
        .order_by("agency__name")
    )
    progress = []
    for row in rows:
        target = applicable_target(row.agency, targets, row.indicator)
        if target is not None and row.value is not None:
            progress.append((row.agency, row.indicator, row.value, row.n, target))
    return {
        "year": year,
        "targets": targets,
        "progress": progress,
        "met": sum(1 for *_rest, value, _n, t in progress if value >= t.value),
    }
