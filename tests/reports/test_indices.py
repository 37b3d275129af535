"""The pure index maths (reports/indices.py): no database."""

import doctest

import pytest

from reports import indices
from reports.indices import SIPAS_1001, Catalogue, Counts, compute_rows


def test_the_doctest_examples_hold():
    assert doctest.testmod(indices).failed == 0


def test_item_index_counts_4_and_5_as_satisfied_and_3_as_not():
    counts = Counts()
    for value, count in {1: 1, 2: 1, 3: 3, 4: 3, 5: 2}.items():
        counts.add_value("E1.1", value, count)
    counts.add_mask(SIPAS_1001.element_bit("E1"), 10)
    rows = compute_rows(SIPAS_1001, Catalogue({"E1.1": "E1"}, False, {}), counts)
    assert (rows[0].indicator, rows[0].value, rows[0].n) == ("E1.1", 50.0, 10)


def test_wilson_interval_matches_the_published_formula():
    low, high = indices.wilson(77, 83)
    assert (round(low, 2), round(high, 2)) == (85.11, 96.65)
    assert indices.wilson(0, 0) is None
    assert indices.wilson(5, 5)[1] == 100.0


def test_element_is_the_mean_of_answered_items_only():
    counts = Counts()
    counts.add_value("E1.1", 5, 1)  # 100 %
    counts.add_value("E1.2", 1, 1)  # 0 %
    counts.add_mask(SIPAS_1001.element_bit("E1"), 2)
    catalogue = Catalogue({"E1.1": "E1", "E1.2": "E1", "E1.3": "E1"}, False, {})
    rows = {r.indicator: r for r in compute_rows(SIPAS_1001, catalogue, counts)}
    assert rows["E1"].value == 50.0
    assert rows["E1.3"].value is None and rows["E1.3"].n == 0


def test_composite_n_counts_responses_with_an_answer_inside_it():
    counts = Counts()
    e1, e2 = SIPAS_1001.element_bit("E1"), SIPAS_1001.element_bit("E2")
    counts.add_mask(e1, 3)
    counts.add_mask(e1 | e2, 2)
    counts.add_mask(0, 4)  # responses with only G
    counts.add_value("E1.1", 4, 5)
    counts.add_value("E2.1", 4, 2)
    catalogue = Catalogue({"E1.1": "E1", "E2.1": "E2"}, True, {})
    rows = {r.indicator: r for r in compute_rows(SIPAS_1001, catalogue, counts)}
    assert (rows["E1"].n, rows["E2"].n, rows["A_DV"].n) == (5, 2, 5)
    assert counts.responses == 9


def test_sipas_is_the_mean_of_both_aspects_for_the_household_form():
    counts = Counts()
    counts.add_value("P1.1", 5, 1)
    counts.add_value("E1.1", 1, 1)
    counts.add_mask(SIPAS_1001.element_bit("P1") | SIPAS_1001.element_bit("E1"), 1)
    catalogue = Catalogue({"P1.1": "P1", "E1.1": "E1"}, False, {})
    rows = {r.indicator: r for r in compute_rows(SIPAS_1001, catalogue, counts)}
    assert (rows["A_CS"].value, rows["A_DV"].value, rows["SIPAS"].value) == (
        100.0,
        0.0,
        50.0,
    )


def test_shares_cover_every_option_and_expectation_counts_1_and_2():
    counts = Counts()
    counts.add_value("N4", 1, 3)
    counts.add_value("N4", 2, 1)
    counts.add_value("M1", 1, 1)
    counts.add_value("M1", 2, 1)
    counts.add_value("M1", 3, 2)
    counts.add_value("N1.1", 1, 4)  # interest: not a published share
    catalogue = Catalogue(
        {}, False, {"N1.1": [1, 2, 3], "N4": [1, 2, 3], "M1": [1, 2, 3]}
    )
    rows = {r.indicator: r for r in compute_rows(SIPAS_1001, catalogue, counts)}
    assert rows["N4:1"].value == 75.0 and rows["N4:3"].value == 0.0
    assert rows["M1"].value == 50.0 and rows["M1"].kind == "expectation"
    assert not any(code.startswith("N1.1") for code in rows)


def test_small_sample_flag_below_30():
    assert indices.flag_for(0) == indices.flag_for(29) == "small_sample"
    assert indices.flag_for(30) is None


def test_composite_interval_is_the_delta_method_interval_of_the_pair_counts():
    counts = Counts()
    counts.add_value("E1.1", 5, 30)
    counts.add_value("E1.1", 2, 20)
    counts.add_value("E1.2", 5, 5)
    counts.add_value("E1.2", 1, 5)
    # 10 people answered both; 4 satisfied with E1.1 (3 of them with E1.2 too)
    counts.add_pair("E1.1", "E1.2", [10, 4, 5, 3])
    counts.add_mask(SIPAS_1001.element_bit("E1"), 50)
    catalogue = Catalogue({"E1.1": "E1", "E1.2": "E1"}, False, {})
    rows = {r.indicator: r for r in compute_rows(SIPAS_1001, catalogue, counts)}
    p1, p2 = 0.6, 0.5
    cross = 3 - p2 * 4 - p1 * 5 + p1 * p2 * 10
    variance = 0.25 * (p1 * (1 - p1) / 50 + p2 * (1 - p2) / 10)
    variance += 2 * 0.25 * cross / (50 * 10)
    se = 100 * (variance * 50 / 49) ** 0.5
    assert rows["E1"].se == pytest.approx(se)
    low, high = rows["E1"].ci95
    assert (low, high) == pytest.approx((55 - 1.96 * se, 55 + 1.96 * se), abs=0.01)
    assert rows["E1.1"].se == pytest.approx(100 * (0.6 * 0.4 / 50) ** 0.5)


def test_an_element_without_answers_marks_its_aspect_and_sipas_incomplete():
    counts = Counts()
    counts.add_value("E1.1", 5, 40)
    counts.add_value("P1.1", 4, 40)
    bits = SIPAS_1001.element_bit("E1") | SIPAS_1001.element_bit("P1")
    counts.add_mask(bits, 40)
    catalogue = Catalogue(
        {"E1.1": "E1", "E5.1": "E5", "P1.1": "P1", "P2.1": "P2"}, False, {}
    )
    rows = {r.indicator: r for r in compute_rows(SIPAS_1001, catalogue, counts)}
    assert rows["A_DV"].incomplete == ("E5",)
    assert rows["A_CS"].incomplete == ("P2",)
    assert rows["SIPAS"].incomplete == ("P2", "E5")
    assert rows["E1"].incomplete == () and rows["A_DV"].flag is None
    assert rows["SIPAS"].value == 100.0  # values keep the published formula


def test_methodologies_are_registered_by_versioned_code():
    assert indices.get_methodology("sipas-1001") is SIPAS_1001
    with pytest.raises(KeyError, match="sipas-9999"):
        indices.get_methodology("sipas-9999")
