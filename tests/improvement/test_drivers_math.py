"""Key-driver maths on seeded data, without a database."""

from __future__ import annotations

import numpy as np
import pytest

from improvement import drivers_math

ELEMENTS = ["E1", "E2", "E3", "E4", "E5"]


def _rows(n: int, weights: list[float], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    common = rng.standard_normal((n, 1))
    elements = 0.6 * common + 0.8 * rng.standard_normal((n, 5))
    g = elements @ np.array(weights) + rng.standard_normal(n)
    scores = np.clip(np.round(3.6 + elements), 1, 5)
    return np.column_stack([scores, np.clip(np.round(3.6 + g), 1, 5)])


def _fit(rows: np.ndarray, seed: int = 0, replicates: int = 400):
    moments = drivers_math.BootstrapMoments(5, seed=seed, replicates=replicates)
    for start in range(0, len(rows), 300):  # blocks, as the database pass feeds it
        moments.add(rows[start : start + 300])
    return drivers_math.fit(moments)


def test_the_relative_weights_sum_to_r_squared_of_the_regression():
    rows = _rows(2000, [0.3, 0.5, 0.0, 0.2, 0.4], seed=4)
    found = _fit(rows)
    x = np.column_stack([np.ones(len(rows)), rows[:, :5]])
    beta, *_ = np.linalg.lstsq(x, rows[:, 5], rcond=None)
    residual = rows[:, 5] - x @ beta
    r2 = 1 - residual.var() / rows[:, 5].var()
    assert found.r2 == pytest.approx(r2, abs=1e-9)
    assert sum(i.weight for i in found.importances) == pytest.approx(r2, abs=1e-9)


def test_when_g_depends_only_on_e2_and_e5_those_two_come_first_and_apart():
    found = _fit(_rows(1500, [0, 0.6, 0, 0, 0.5], seed=11))
    ranked = sorted(found.importances, key=lambda i: -i.share)
    assert {ELEMENTS[i.index] for i in ranked[:2]} == {"E2", "E5"}
    drivers, others = ranked[:2], ranked[2:]
    for driver in drivers:
        assert driver.claimed
        for other in others:
            assert driver.share_low > other.share_high  # the intervals exclude


@pytest.mark.parametrize("seed", range(12))
def test_when_g_depends_on_nothing_no_driver_is_claimed(seed):
    found = _fit(_rows(400, [0, 0, 0, 0, 0], seed=100 + seed), seed=seed)
    assert [i for i in found.importances if i.claimed] == []


def test_the_bootstrap_pass_keeps_its_memory_whatever_the_number_of_rows():
    moments = drivers_math.BootstrapMoments(19, seed=1, replicates=100)
    size = moments.group_cross.nbytes + moments.group_sums.nbytes
    for _block in range(5):
        moments.add(np.ones((1000, 20)))
    assert moments.group_cross.nbytes + moments.group_sums.nbytes == size
    assert moments.n == 5000


def test_a_constant_answer_is_not_estimable_rather_than_a_crash():
    rows = _rows(300, [0, 0.6, 0, 0, 0.5], seed=2)
    rows[:, 0] = 4
    assert _fit(rows) is None


def test_the_examples_in_the_docstrings_hold():
    import doctest

    assert doctest.testmod(drivers_math).failed == 0
