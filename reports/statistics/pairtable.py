"""A group's pair counts as arrays over a fixed item order (:class:`PairTable`),
and the composites' delta-method variance from them (:class:`PairTerms`).

The same numbers as :func:`reports.statistics.composites.composite_variance`
with pair counts in a dict, to the last bit: the terms are computed with the
same floating-point operations in the same order (the items in
:func:`pair_key` order, so the upper triangle read row by row is the sorted
pair order) and summed one after the other (``np.add.accumulate``), never
pairwise. What the arrays save is the engine's per-pair Python work: a national
recompute has ~80,000 groups of 171 pairs each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

_UPPER: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def upper(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the pairs i < j of `size` items, row by row
    (np.triu_indices, kept per size)."""
    found = _UPPER.get(size)
    if found is None:
        found = _UPPER[size] = np.triu_indices(size, 1)
    return found


def pair_position(first: np.ndarray, second: np.ndarray, size: int) -> np.ndarray:
    """Position in :func:`upper`'s order of the pairs (first, second), first <
    second, of `size` items.

    >>> int(pair_position(np.array([0]), np.array([1]), 4)[0])
    0
    >>> [int(p) for p in pair_position(np.array([1, 2]), np.array([3, 3]), 4)]
    [4, 5]
    """
    return first * size - first * (first + 1) // 2 + (second - first - 1)


class PairTable:
    """Pair counts (AA, SA, AS, SS: both answered, first satisfied and second
    answered, first answered and second satisfied, both satisfied) of every pair
    i < j of `items` (sorted), as a (4, pairs) int64 array in :func:`upper`'s
    order. Treated as read-only once made (:meth:`added` returns a new table)."""

    __slots__ = ("items", "index", "counts")

    def __init__(self, items: Sequence[str], counts: np.ndarray | None = None):
        self.items = tuple(items)
        if list(self.items) != sorted(self.items):
            raise ValueError("items must be sorted")
        self.index = {item: at for at, item in enumerate(self.items)}
        size = len(self.items) * (len(self.items) - 1) // 2
        if counts is None:
            counts = np.zeros((4, size), dtype=np.int64)
        if counts.shape != (4, size):
            raise ValueError(f"counts of shape {counts.shape}, not (4, {size})")
        self.counts = counts

    @classmethod
    def from_pairs(
        cls, items: Sequence[str], pairs: Mapping[tuple[str, str], Sequence[int]]
    ) -> PairTable:
        """The table of the pairs {(i, j): (AA, SA, AS, SS)} (i < j) among
        `items`; pairs of other items are left out."""
        table = cls(items)
        size = len(table.items)
        for (first, second), cell in pairs.items():
            i, j = table.index.get(first), table.index.get(second)
            if i is None or j is None:
                continue
            if j < i:
                raise ValueError(f"pair {first, second} out of order")
            at = int(pair_position(np.array(i), np.array(j), size))
            table.counts[:, at] += np.asarray(cell, dtype=np.int64)
        return table

    def added(self, other: PairTable) -> PairTable:
        """The sum of two tables over the same items."""
        if other.items != self.items:
            raise ValueError("pair tables over different items")
        return PairTable(self.items, self.counts + other.counts)

    def pairs(self) -> dict[tuple[str, str], list[int]]:
        """The pairs anyone answered, as {(i, j): [AA, SA, AS, SS]}, sorted."""
        rows, columns = (a.tolist() for a in upper(len(self.items)))
        return {
            (self.items[i], self.items[j]): [int(c) for c in self.counts[:, at]]
            for at, (i, j) in enumerate(zip(rows, columns, strict=True))
            if self.counts[0, at]
        }

    def terms(self, totals: Mapping[str, tuple[int, int]]) -> PairTerms:
        return PairTerms(self, totals)


class PairTerms:
    """What a group's composites share: the covariance numerators and
    denominators of the pairs of answered items that someone answered together,
    for the item totals {item: (satisfied, answered)} of the group."""

    __slots__ = ("index", "first", "second", "cross", "denominator")

    def __init__(self, table: PairTable, totals: Mapping[str, tuple[int, int]]):
        rows, columns = upper(len(table.items))
        cells = [totals.get(item, (0, 0)) for item in table.items]
        satisfied = np.array([c[0] for c in cells], dtype=np.int64)
        answered = np.array([c[1] for c in cells], dtype=np.int64)
        aa, sa, as_, ss = table.counts
        keep = (answered[rows] > 0) & (answered[columns] > 0) & (aa != 0)
        rows, columns = rows[keep], columns[keep]
        aa, sa, as_, ss = aa[keep], sa[keep], as_[keep], ss[keep]
        # p = satisfied / answered of each item (int / int: correctly rounded,
        # as Python's true division), and the cross term of composite_variance
        # with its operations in its order
        p = np.zeros(len(cells))
        some = answered > 0
        p[some] = satisfied[some] / answered[some]
        pi, pj = p[rows], p[columns]
        self.cross = ss - pj * sa - pi * as_ + pi * pj * aa
        self.denominator = (answered[rows] * answered[columns]).astype(np.float64)
        self.index, self.first, self.second = table.index, rows, columns

    def variance(
        self,
        weights: Mapping[str, float],
        totals: Mapping[str, tuple[int, int]],
        n: int,
    ) -> float | None:
        """composite_variance(weights, totals, pairs, n) with this group's pairs
        (`totals` those the terms were made with), to the last bit."""
        chosen = np.zeros(len(self.index))
        total, any_item = 0.0, False
        for item, weight in weights.items():
            satisfied, count = totals.get(item, (0, 0))
            if count <= 0 or weight == 0:
                continue
            any_item = True
            p = satisfied / count
            total += weight * weight * p * (1 - p) / count
            at = self.index.get(item)
            if at is not None:
                chosen[at] = weight
        if not any_item:
            return None
        wi, wj = chosen[self.first], chosen[self.second]
        used = (wi != 0) & (wj != 0)
        if used.any():
            terms = 2 * wi[used] * wj[used] * self.cross[used] / self.denominator[used]
            # one after the other, from the items' total, as the scalar loop adds
            total = float(np.add.accumulate(np.concatenate(([total], terms)))[-1])
        correction = n / (n - 1) if n > 1 else 1.0
        return max(total, 0.0) * correction
