"""Pair counts as arrays (reports.statistics.PairTable) and the engine's pair sums
done by the database (reports.engine.pairs.attach): the same numbers as the dict
of pairs and the scalar composite_variance they replace, to the last bit, and the
same sums per scope as adding up the PairCount rows in Python."""

import copy
import itertools
import random
from collections import defaultdict

import numpy as np
import pytest
from django.core.management import call_command

from reports import statistics
from reports.engine import pairs as engine_pairs
from reports.engine.groups import collect
from reports.engine.pair_sums import YearPairs
from reports.engine.setup import load_setup
from reports.indices import compute_rows
from reports.models import PairCount
from reports.statistics import PairTable, composite_variance, mean_weights
from sipas.periods import parse_period
from tests.reports.engine_fixtures import generate_rows, write_csv


def random_group(rng: random.Random):
    """Items (some never answered), totals and pair counts, some pairs absent
    and some answered by no one, counts from 0 to millions."""
    size = rng.randint(1, 22)
    items = sorted({f"E{rng.randint(1, 5)}.{rng.randint(1, 9)}" for _ in range(size)})
    totals = {}
    for item in items:
        answered = rng.choice([0, rng.randint(1, 10 ** rng.randint(0, 7))])
        totals[item] = (rng.randint(0, answered), answered)
    pairs = {}
    for first, second in itertools.combinations(items, 2):
        if rng.random() < 0.15:
            continue
        aa = rng.randint(0, min(totals[first][1], totals[second][1]))
        sa, as_ = rng.randint(0, aa), rng.randint(0, aa)
        pairs[(first, second)] = (aa, sa, as_, rng.randint(0, min(sa, as_)))
    return items, totals, pairs


def random_weights(rng: random.Random, items: list[str]) -> dict[str, float]:
    chosen = rng.sample(items, rng.randint(1, len(items)))
    if rng.random() < 0.3:
        chosen.append("X9.9")  # an item the table does not have
    if rng.random() < 0.5:
        return mean_weights({c: 1.0} for c in chosen)  # what compute_rows makes
    return {c: rng.choice([0.0, rng.random()]) for c in chosen}


def test_the_table_variance_is_composite_variance_to_the_last_bit():
    rng = random.Random(16)
    compared = correlated = 0
    for _ in range(400):
        items, totals, pairs = random_group(rng)
        terms = PairTable.from_pairs(items, pairs).terms(totals)
        for _ in range(6):
            weights = random_weights(rng, items)
            n = rng.choice([0, 1, 2, rng.randint(3, 10**7)])
            expected = composite_variance(weights, totals, pairs, n)
            got = terms.variance(weights, totals, n)
            assert got == expected, (weights, totals, pairs, n)
            assert type(got) is type(expected)
            compared += expected is not None
            correlated += len([w for w in weights if totals.get(w, (0, 0))[1]]) > 1
    assert compared > 1500 and correlated > 1000


def test_a_table_gives_back_its_pairs_and_adds_up():
    rng = random.Random(3)
    items, _totals, pairs = random_group(rng)
    while len(items) < 4:
        items, _totals, pairs = random_group(rng)
    table = PairTable.from_pairs(items, pairs)
    answered = {k: list(v) for k, v in sorted(pairs.items()) if v[0]}
    assert table.pairs() == answered
    assert list(table.pairs()) == sorted(answered)
    doubled = table.added(table).pairs()
    assert doubled == {k: [2 * c for c in v] for k, v in answered.items()}
    with pytest.raises(ValueError):
        PairTable(list(reversed(items)))
    with pytest.raises(ValueError):
        PairTable.from_pairs(items, {(items[1], items[0]): (1, 1, 1, 1)})


def test_pair_positions_follow_the_upper_triangle_row_by_row():
    rows, columns = statistics.pairtable.upper(7)
    got = statistics.pairtable.pair_position(rows, columns, 7)
    assert got.tolist() == list(range(21))


AGENCIES = ["UBND-T33", "SNV-T33", "UBND-X12133", "TTHCC-X12133", "UBND-X12103"]


@pytest.fixture
def counted(province_33, tmp_path):
    rows = generate_rows(AGENCIES, 500, 2026, seed=23)
    call_command("import_responses", str(write_csv(rows, tmp_path / "a.csv")))
    call_command("compute_indices", "--sync", period=["2026"])


def python_sums(period, setup) -> dict:
    """The pair counts of every official group, summed in Python from the
    PairCount rows: own rows for the own scope, own and pooled for the subtree,
    each pair in pair_key order, only the questionnaire's satisfaction items."""
    sums: dict = defaultdict(lambda: defaultdict(lambda: [0, 0, 0, 0]))
    rows = PairCount.objects.filter(
        month__gte=period.first, month__lte=period.last
    ).values_list(
        "agency_id", "pooled", "version_id", "item_a", "item_b", *engine_pairs.COUNTS
    )
    for agency_id, pooled, version_id, first, second, aa, sa, as_, ss in rows:
        q = setup.version_questionnaire[version_id]
        items = setup.catalogue[q].sat_items
        if first not in items or second not in items:
            continue
        if second < first:
            first, second, sa, as_ = second, first, as_, sa
        for scope in ("subtree",) if pooled else ("own", "subtree"):
            cell = sums[(agency_id, scope, q, "", "")][(first, second)]
            for at, count in enumerate((aa, sa, as_, ss)):
                cell[at] += count
    return {
        key: {k: v for k, v in sorted(p.items()) if v[0]} for key, p in sums.items()
    }


@pytest.mark.parametrize("code", ["2026", "2026-Q2", "2026-03"])
def test_the_database_sums_the_pairs_of_each_scope_as_python_does(counted, code):
    period, setup = parse_period(code), load_setup()
    groups = collect(period, setup)
    engine_pairs.attach(period, setup, groups)
    expected = python_sums(period, setup)
    assert len(expected) > 10
    assert {"own", "subtree"} == {key[1] for key in expected}
    assert {"exit-dv", "hh-1001"} <= {key[2] for key in expected}
    for key, counts in groups.items():
        assert counts.pair_table.items == tuple(
            sorted(setup.catalogue[key[2]].sat_items)
        )
        assert counts.pair_table.pairs() == expected.get(key, {}), key
    # some agency-scopes only (a recompute's chunk, a sweep): the same sums
    some = {key for key in groups if key[0] == min(k[0] for k in groups)}
    only = {key[:2] for key in some}
    chunk = collect(period, setup, only)
    engine_pairs.attach(period, setup, chunk, only)
    assert set(chunk) == some
    for key, counts in chunk.items():
        assert counts.pair_table.pairs() == expected.get(key, {}), key


def test_a_chunk_sums_the_months_it_read_once_into_each_period(counted):
    """YearPairs (a recompute's chunk): one read of the year's months, then its
    year, quarters and months, as the period's own query and Python sum give."""
    setup = load_setup()
    agencies = sorted({k[0] for k in collect(parse_period("2026"), setup)})
    source = YearPairs(setup, agencies[: len(agencies) // 2 + 1])
    only = {(a, scope) for a in source.agencies for scope in ("own", "subtree")}
    codes = ["2026", "2026-Q1", "2026-01", "2026-02", "2026-Q4", "2026-12", "2027"]
    for code in codes:
        period = parse_period(code)
        expected = python_sums(period, setup)
        groups = collect(period, setup, only)
        assert groups
        engine_pairs.attach(period, setup, groups, only, source)
        # the months of the period's year only
        assert {m[2].year for m in source.months} == {period.first.year}
        for key, counts in groups.items():
            assert counts.pair_table.pairs() == expected.get(key, {}), (code, key)


def test_the_rows_of_a_table_are_the_rows_of_its_pairs(counted):
    """compute_rows with the attached table and with the same pairs as a dict
    (the scalar path): every row equal, standard errors to the last bit."""
    period, setup = parse_period("2026"), load_setup()
    groups = collect(period, setup)
    engine_pairs.attach(period, setup, groups)
    with_se = 0
    for (_agency, _scope, q, _dim, _dv), counts in groups.items():
        as_dict = copy.deepcopy(counts)
        as_dict.pairs, as_dict.pair_table = counts.pair_table.pairs(), None
        method, catalogue = setup.methodology[q], setup.catalogue[q]
        rows = compute_rows(method, catalogue, counts)
        assert rows == compute_rows(method, catalogue, as_dict)
        with_se += sum(r.se is not None and r.kind == "aspect" for r in rows)
    assert with_se > 10


def test_numpy_counts_are_plain_ints_in_the_pairs():
    table = PairTable(["a", "b"], np.array([[3], [2], [1], [1]], dtype=np.int64))
    assert table.pairs() == {("a", "b"): [3, 2, 1, 1]}
    assert all(type(c) is int for c in table.pairs()[("a", "b")])


def test_an_agency_with_nothing_under_it_has_its_rows_computed_once(
    counted, monkeypatch
):
    """Own and subtree groups with the same sums (an agency with nothing under
    it) share one compute_rows; every row is what computing each group alone
    gives, and groups that differ (agencies with children) are computed apart."""
    from reports.engine import results

    period, setup = parse_period("2026"), load_setup()
    groups = collect(period, setup)
    engine_pairs.attach(period, setup, groups)
    twins = sum(
        1
        for (agency, scope, q, dim, dv), counts in groups.items()
        if scope == "subtree"
        and (agency, "own", q, dim, dv) in groups
        and counts.same_as(groups[(agency, "own", q, dim, dv)])
    )
    differing = sum(
        1
        for (agency, scope, q, dim, dv), counts in groups.items()
        if scope == "subtree"
        and (agency, "own", q, dim, dv) in groups
        and not counts.same_as(groups[(agency, "own", q, dim, dv)])
    )
    assert twins >= 2 and differing >= 2
    calls = []
    real = results.indices.compute_rows

    def counting(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(results.indices, "compute_rows", counting)
    got = list(results._result_rows(period, setup, groups))
    assert len(calls) == len(groups) - twins
    monkeypatch.setattr(results.indices, "compute_rows", real)
    expected = []
    for key, counts in groups.items():
        expected += list(results._result_rows(period, setup, {key: counts}))
    strip = lambda rows: sorted(r[:14] + r[15:] for r in rows)  # noqa: E731
    assert strip(got) == strip(expected)


def test_counts_are_the_same_only_when_every_sum_is():
    from reports.indices import Counts

    def made(**change):
        counts = Counts()
        counts.add_value("E1.1", 5, 3)
        counts.add_mask(1, 3)
        counts.pair_table = PairTable(
            ["E1.1", "E1.2"], np.array([[3], [2], [1], [1]], dtype=np.int64)
        )
        for name, value in change.items():
            setattr(counts, name, value)
        return counts

    assert made().same_as(made())
    assert not made().same_as(made(masks={1: 4}))
    assert not made().same_as(made(values={"E1.1": {5: 2}}))
    assert not made().same_as(made(clusters={"x": {"E1.1": [1, 1]}}))
    assert not made().same_as(made(pair_table=None))
    other = PairTable(["E1.1", "E1.2"], np.array([[3], [2], [1], [0]], dtype=np.int64))
    assert not made().same_as(made(pair_table=other))
