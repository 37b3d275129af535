"""The pure statistics of reports/statistics.py: no database."""

import doctest

from reports import statistics
from reports.statistics import Estimate, significant_change, slovin, two_proportion_z


def test_the_doctest_examples_hold():
    assert doctest.testmod(statistics).failed == 0


def test_significance_uses_non_overlapping_intervals_or_a_two_proportion_test():
    assert significant_change(Estimate(90, 400, 87, 93), Estimate(80, 400, 76, 84))
    assert not significant_change(Estimate(84, 400, 80, 88), Estimate(82, 400, 78, 86))
    assert significant_change(Estimate(95, 1000), Estimate(90, 1000))
    assert not significant_change(Estimate(95, 20), Estimate(50, 20))  # too few


def test_a_missing_value_is_never_a_significant_change():
    assert not significant_change(Estimate(None, 400), Estimate(80, 400))


def test_equal_shares_have_no_difference():
    assert two_proportion_z(0.8, 400, 0.8, 900) == 0.0
    assert two_proportion_z(1.0, 50, 1.0, 50) == 0.0  # no variance


def test_slovin_grows_towards_four_hundred_at_five_percent():
    assert slovin(100) == 80
    assert slovin(1_000_000) == 400
    assert slovin(10_000, margin=0.1) == 100
