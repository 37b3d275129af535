"""Did it work? Measures the effect of each action on its targeted indicators
and stores it in ActionEffect (a Celery task; pages only read the rows).

Windows: the action's start date splits time into two equal windows of L days,
L = the days elapsed since the start (at most MAX_WINDOW_DAYS): [start − L, start)
and [start, start + L). Responses of the agency's subtree and of its peers (the
other current agencies of the same kind in the same province, with their
subtrees) are streamed once per window with bounded memory and reduced to
effects_math.Moments per indicator.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from agencies.models import Agency
from improvement import effects_math
from improvement.drivers import answer_blocks, load_layout, subtree_condition
from improvement.models import Action, ActionEffect
from sipas.periods import day_start

MAX_WINDOW_DAYS = 365
MIN_WINDOW_DAYS = 28  # before that, "not enough data" whatever the responses


def peers_of(agency: Agency) -> list[Agency]:
    """Comparable agencies: same kind, same province, still current, not the
    agency itself nor one of its own units."""
    return list(
        Agency.objects.filter(
            kind=agency.kind,
            province_code=agency.province_code,
            valid_until__isnull=True,
        )
        .exclude(path__startswith=agency.path)
        .only("path")
    )


def _windows(start: datetime.date, today: datetime.date):
    days = min((today - start).days, MAX_WINDOW_DAYS)
    if days < MIN_WINDOW_DAYS:
        return None
    span = datetime.timedelta(days=days)
    return days, start - span, start, start + span


def _measure(where, bounds, layout, columns) -> dict[str, effects_math.Moments]:
    """Moments of every indicator over the respondents matching ``where``."""
    start, end = bounds
    codes = sorted({code for indices in columns.values() for code in indices})
    position = {code: i for i, code in enumerate(codes)}
    moments = {indicator: effects_math.Moments() for indicator in columns}
    if not codes:
        return moments
    for block in answer_blocks(where, day_start(start), day_start(end), codes, layout):
        for row in block:
            for indicator, items in columns.items():
                found = effects_math.score([row[position[c]] for c in items])
                if found is not None:
                    moments[indicator].add(found)
    return moments


def measure_action(action: Action, today: datetime.date | None = None) -> int:
    """Rewrite the effects of one action; returns the indicators measured."""
    today = today or timezone.localdate()
    layout = load_layout()
    targets = [t for t in action.targets if layout and _items(t, layout)]
    rows = []
    windows = _windows(action.start_date, today) if layout else None
    if windows is None:
        rows = [ActionEffect(action=action, indicator=t) for t in targets]
    else:
        days, before_start, start, after_end = windows
        columns = {t: _items(t, layout) for t in targets}
        own = subtree_condition([action.agency.path])
        peers = peers_of(action.agency)
        others = subtree_condition([p.path for p in peers])
        before = _measure(own, (before_start, start), layout, columns)
        after = _measure(own, (start, after_end), layout, columns)
        peers_before = _measure(others, (before_start, start), layout, columns)
        peers_after = _measure(others, (start, after_end), layout, columns)
        for t in targets:
            rows.append(
                _effect(
                    action,
                    t,
                    (days, before_start, after_end),
                    (before[t], after[t], peers_before[t], peers_after[t]),
                    len(peers),
                )
            )
    with transaction.atomic():
        ActionEffect.objects.filter(action=action).delete()
        ActionEffect.objects.bulk_create(rows)
    return len(rows)


def _items(target: str, layout) -> list[str]:
    if target in layout.element_of:
        return [target]
    return [c for c in layout.items if layout.element_of[c] == target]


def _effect(action, indicator, window, moments, peers: int) -> ActionEffect:
    days, before_start, after_end = window
    before, after, peers_before, peers_after = moments
    diff = effects_math.difference(before, after)
    peer_diff = effects_math.difference(peers_before, peers_after)
    did = effects_math.diff_in_diff(before, after, peers_before, peers_after)
    enough = effects_math.enough(before, after, peers_before, peers_after)
    return ActionEffect(
        action=action,
        indicator=indicator,
        window_days=days,
        before_start=before_start,
        after_end=after_end,
        n_before=before.n,
        n_after=after.n,
        value_before=before.mean,
        value_after=after.mean,
        diff=diff.value if diff else None,
        diff_low=diff.low if diff else None,
        diff_high=diff.high if diff else None,
        peers=peers,
        peer_n_before=peers_before.n,
        peer_n_after=peers_after.n,
        peer_diff=peer_diff.value if peer_diff else None,
        did=did.value if did else None,
        did_low=did.low if did else None,
        did_high=did.high if did else None,
        enough=enough,
        claimed=bool(enough and did and did.excludes_zero),
    )


def measure_actions(today: datetime.date | None = None) -> int:
    """Re-measure every action that has started and is not cancelled."""
    today = today or timezone.localdate()
    actions = (
        Action.objects.select_related("agency")
        .filter(start_date__lte=today)
        .exclude(status=Action.Status.CANCELLED)
    )
    return sum(measure_action(action, today) for action in actions)
