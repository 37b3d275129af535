"""Key drivers: time and memory of the bounded-memory bootstrap pass.

`.venv/bin/python bench/run.py drivers` feeds BENCH_DRIVER_ROWS (default
10,000, 100,000 and 1,000,000) generated respondents, in blocks of 2,000 as the
database cursor delivers them, into improvement.drivers_math.BootstrapMoments for
the element level (5 predictors) and the item level (19) at once, then fits both
(400 replicates each). Prints seconds per level and the peak memory the pass
allocated (tracemalloc), which should not grow with the number of rows. The SQL
pivot that streams the rows is not included (it is one GROUP BY over the answers
of the agency and period).
"""

from __future__ import annotations

import os
import time
import tracemalloc

import numpy as np

from improvement import drivers_math

BLOCK = 2000


def _block(rng: np.random.Generator, m: int) -> np.ndarray:
    common = rng.standard_normal((m, 1))
    elements = 0.6 * common + 0.8 * rng.standard_normal((m, 5))
    items = np.repeat(elements, [4, 4, 5, 3, 3], axis=1)
    items = items + 0.35 * rng.standard_normal(items.shape)
    g = 0.6 * elements[:, 1] + 0.5 * elements[:, 4] + rng.standard_normal(m)
    return np.clip(np.round(3.6 + np.column_stack([items, g])), 1, 5)


def run(rows: int) -> dict:
    rng = np.random.default_rng(1)
    element = drivers_math.BootstrapMoments(5, seed=1)
    item = drivers_math.BootstrapMoments(19, seed=2)
    sizes = [4, 4, 5, 3, 3]
    bounds = np.cumsum([0, *sizes])
    tracemalloc.start()
    started = time.perf_counter()
    for start in range(0, rows, BLOCK):
        block = _block(rng, min(BLOCK, rows - start))
        scores = np.column_stack(
            [block[:, bounds[i] : bounds[i + 1]].mean(axis=1) for i in range(5)]
            + [block[:, -1]]
        )
        element.add(scores)
        item.add(block)
    passed = time.perf_counter() - started
    element_fit = drivers_math.fit(element)
    item_fit = drivers_math.fit(item)
    fitted = time.perf_counter() - started - passed
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    top = sorted(element_fit.importances, key=lambda i: -i.share)[:2]
    return {
        "rows": rows,
        "pass_s": passed,
        "fit_s": fitted,
        "peak_mb": peak / 1e6,
        "top": [f"E{i.index + 1}" for i in top],
        "items_claimed": sum(i.claimed for i in item_fit.importances),
    }


def main() -> int:
    sizes = [int(x) for x in os.environ.get("BENCH_DRIVER_ROWS", "").split(",") if x]
    for rows in sizes or [10_000, 100_000, 1_000_000]:
        r = run(rows)
        print(
            f"{r['rows']:>9,} respondents: pass {r['pass_s']:.1f} s "
            f"({1e6 * r['pass_s'] / r['rows']:.0f} µs/respondent), both fits "
            f"{r['fit_s']:.1f} s, peak {r['peak_mb']:.0f} MB; top elements "
            f"{r['top']}, {r['items_claimed']} items claimed",
            flush=True,
        )
    return 0
