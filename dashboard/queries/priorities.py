"""The overview's KPI cards and its "Cần ưu tiên cải thiện" panel (issue 17).

Both read precomputed IndexResult rows only: the KPI cards reuse the overview's
own read (the trend holds the previous period), the panel reads the headline of
the focus's direct sub-units in two periods (one query). Changes are marked only
when significant: reports.statistics.change with Benjamini–Hochberg over the
family of the page's tests (docs/method.md), the rule of the ranking page and
compare_indices. A target comes from the improvement app through
settings.SIPAS_TARGET_READER (dashboard sits below improvement).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils.module_loading import import_string

from agencies.models import Agency
from dashboard.filters import Filters
from dashboard.labels import short_item_label
from dashboard.queries.common import EMPTY, Focus, Value, _results, focus_agencies
from reports import statistics
from reports.statistics import MIN_N
from sipas.periods import previous_period
from staff.scope import visible_agencies

SHOWN = 3  # agencies, items and drops each


@dataclass
class Kpi:
    code: str
    current: Value
    previous: Value
    test: statistics.Difference | None = None
    significant: bool = False
    target: float | None = None

    @property
    def change(self) -> float | None:
        if self.current.value is None or self.previous.value is None:
            return None
        return round(self.current.value - self.previous.value, 2)

    @property
    def target_gap(self) -> float | None:
        """Points still missing to the target (0 once it is met)."""
        if self.target is None or self.current.value is None:
            return None
        return round(max(self.target - self.current.value, 0.0), 2)

    @property
    def target_progress(self) -> int | None:
        """The value as a whole percentage of the target, at most 100 (the
        progress bar)."""
        if self.target is None or self.current.value is None or not self.target:
            return None
        return min(100, round(100 * self.current.value / self.target))


def target_of(focus: Focus, filters: Filters, indicator: str) -> float | None:
    """The focus agency's target for the indicator in the period's year, read by
    the hook the improvement app names (None without hook, for the national view
    or without a target)."""
    reader = getattr(settings, "SIPAS_TARGET_READER", "")
    if not reader or focus.agency is None:
        return None
    return import_string(reader)(
        agency=focus.agency,
        questionnaire=filters.questionnaire,
        indicator=indicator,
        period=filters.period,
    )


def kpis(table: dict, filters: Filters, focus: Focus) -> list[Kpi]:
    """The headline and (exit form) the overall item G, each against the
    previous period, tested as one family; the headline's target."""
    kind, headline = filters.headline
    previous = previous_period(filters.period)
    cards = [(kind, headline)]
    if filters.questionnaire == "exit-dv":
        cards.append(("overall", "G"))
    shown = []
    for card_kind, code in cards:
        now = table.get((filters.period, code), EMPTY)
        before = table.get((previous, code), EMPTY)
        test = statistics.change(
            card_kind, now.value, now.n, now.se, before.value, before.n, before.se
        )
        shown.append(Kpi(code, now, before, test))
    for card, (_q, significant) in zip(
        shown, statistics.significant_in_family([c.test for c in shown]), strict=True
    ):
        card.significant = significant
    shown[0].target = target_of(focus, filters, headline)
    return shown


@dataclass
class Drop:
    agency: Agency
    current: Value
    previous: Value
    test: statistics.Difference

    @property
    def change(self) -> float:
        return round(self.current.value - self.previous.value, 2)


def sub_units(user: AbstractBaseUser, focus: Focus):
    """The agencies one level below the focus (the provinces for the national
    view), current ones only."""
    if focus.agency is None:
        return focus_agencies(user, focus)
    return visible_agencies(user).filter(parent=focus.agency, valid_until__isnull=True)


def priorities(
    user: AbstractBaseUser,
    filters: Filters,
    focus: Focus,
    table: dict,
    items: list[tuple[str, str]],
) -> dict:
    """Lowest sub-units and lowest items (n ≥ 30), and the sub-units whose
    headline dropped significantly since the previous period (one family,
    Benjamini–Hochberg), biggest drop first. One query."""
    kind, headline = filters.headline
    previous = previous_period(filters.period)
    rows = (
        _results(user, filters)
        .filter(
            agency__in=sub_units(user, focus),
            period__in=[filters.period, previous],
            indicator=headline,
        )
        .select_related("agency")
        .only(
            "agency__id",
            "agency__code",
            "agency__name",
            "agency__kind",
            "period",
            "value",
            "n",
            "ci_low",
            "ci_high",
            "se",
        )
    )
    figures: dict[int, dict[str, Value]] = {}
    agencies: dict[int, Agency] = {}
    for row in rows:
        agencies[row.agency_id] = row.agency
        figures.setdefault(row.agency_id, {})[row.period] = Value(
            row.value, row.n, row.ci_low, row.ci_high, row.se
        )
    now = {pk: f.get(filters.period, EMPTY) for pk, f in figures.items()}
    lowest = sorted(
        (
            (agencies[pk], value)
            for pk, value in now.items()
            if value.value is not None and value.n >= MIN_N
        ),
        key=lambda pair: (pair[1].value, pair[0].code),
    )[:SHOWN]
    candidates = []
    for pk, value in now.items():
        before = figures[pk].get(previous, EMPTY)
        test = statistics.change(
            kind, value.value, value.n, value.se, before.value, before.n, before.se
        )
        candidates.append((pk, value, before, test))
    verdicts = statistics.significant_in_family([c[3] for c in candidates])
    drops = sorted(
        (
            Drop(agencies[pk], value, before, test)
            for (pk, value, before, test), (_q, significant) in zip(
                candidates, verdicts, strict=True
            )
            if significant and test.diff < 0
        ),
        key=lambda drop: (drop.change, drop.agency.code),
    )[:SHOWN]
    low_items = sorted(
        (
            (code, short_item_label(label), table.get((filters.period, code), EMPTY))
            for code, label in items
        ),
        key=lambda row: (row[2].value if row[2].value is not None else 101, row[0]),
    )
    return {
        "lowest_agencies": lowest if len(now) > 1 else [],
        "lowest_items": [
            row for row in low_items if row[2].value is not None and row[2].n >= MIN_N
        ][:SHOWN],
        "drops": drops,
        "previous_period": previous,
    }
