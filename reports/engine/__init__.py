"""The index engine: keep the aggregates current and turn them into IndexResult rows.

Flow. A response is stored with ``counted = False``; ``reports.tasks`` schedules
one debounced sweep after commit. The sweep (:func:`sweep.sweep_dirty`) adds the
counts of the uncounted responses to the month aggregates (AnswerCount/MaskCount,
an upsert ``count = count + new``), marks them counted in the same transaction —
so each response is counted exactly once — and rewrites the year, quarter and
month indices of the agency-scopes concerned; the breakdown sweep
(:func:`sweep.sweep_breakdowns`) does the same for the dashboards' breakdowns.
:func:`recompute.recompute_periods` rewrites whole periods from the aggregates
(beat does it nightly for the current and previous periods);
:func:`aggregates.rebuild_aggregates` rebuilds a year's aggregates from raw
answers, a repair that ``compute_indices --rebuild`` runs.

Indices are computed in Python (reports.indices) from group counts that the
database sums from the aggregates (own agency, or the agency's subtree through the
materialised paths), never from raw answers: a period reads one row per group.
Writers of aggregates and indices take a lock per engine part
(:func:`setup.lock_engine`): a sweep takes its part's, a recompute both, so a
sweep and a recompute never interleave, and an official sweep never waits for a
breakdown sweep. The engine never enqueues Celery work:
it returns what it did, and ``reports.tasks`` decides what to send next.

Modules, lowest first: ``setup`` (parts, breakdowns, catalogues, the lock),
``sql`` (SQL builders), ``aggregates`` (counting and the repair), ``groups``
(summing aggregates into index groups), ``results`` (IndexResult rows),
``recompute`` (whole periods) and ``sweep`` (what is waiting).
"""
