"""Re-pooling after agencies moved in the tree (see reports.engine.moves): the
pooled aggregates of every year are rebuilt from the own rows and the years'
indices rewritten."""

from __future__ import annotations

from django.db import transaction

from reports.engine import moves, pairs
from reports.engine.aggregates import _pool_aggregates
from reports.engine.recompute import recompute_periods
from reports.engine.setup import lock_engine
from reports.engine.sql import closure_sql
from reports.models import AnswerCount, MaskCount, PairCount
from sipas.periods import parse_period, periods_of_year


def repool_moved() -> list[int]:
    """When agencies moved in the tree, rebuild the pooled aggregates of every
    year from the own rows (responses then count for their current ancestors,
    past periods included) and rewrite those years' indices. Returns the years
    re-pooled (none when nothing moved). Idempotent."""
    with transaction.atomic():
        lock_engine()
        agencies = moves.moved()
        if not agencies:
            return []
        years = moves.aggregate_years()
        for year in years:
            period = parse_period(str(year))
            for model in (AnswerCount, MaskCount, PairCount):
                model.objects.filter(
                    pooled=True, month__gte=period.first, month__lte=period.last
                ).delete()
            _pool_aggregates(period)
            pairs.pool_pairs(period.first, period.last, closure_sql())
        moves.record(agencies)
        recompute_periods([code for year in years for code in periods_of_year(year)])
        return years
