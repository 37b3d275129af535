"""The repair's pooled aggregate rows (``pooled`` true), summed by numpy from
the own rows reports.engine.rebuild counts: each own row's counts go to every
agency above its own (the agencies of its materialised path, as
reports.engine.sql.closure_sql).

The responses come in the order of the agencies' paths (:meth:`Tree.order`),
so an agency's pooled rows are complete once the responses have left its
subtree: they are then written, and only the sums of the agencies on the
current path are held. Before, an INSERT … SELECT summed them from the written own rows
joined to the tree, reading those rows again (the re-pooling after agencies
moved still does: reports.engine.repool)."""

from __future__ import annotations

import numpy as np

from agencies.models import Agency


class Tree:
    """Every agency's tree (its path's first agency; itself without a path),
    the agencies above it, and its place in the order of the paths."""

    def __init__(self) -> None:
        self.root: dict[int, int] = {}
        self.above: dict[int, list[int]] = {}
        paths: dict[int, list[int]] = {}
        for pk, path in Agency.objects.values_list("id", "path"):
            parts = [int(p) for p in path.strip("/").split("/") if p] or [pk]
            paths[pk] = parts
            self.root[pk] = parts[0]
            self.above[pk] = [p for p in parts if p != pk]
        # by path: a tree's agencies together, as the recompute takes them
        # (reports.engine.recompute.agency_chunks), and under every agency its
        # whole subtree, so an agency's pooled rows are complete once the
        # responses have left its subtree
        self.ordered = sorted(paths, key=lambda pk: (paths[pk], pk))
        self.place = np.zeros(max(self.root, default=0) + 1, np.int64)
        for place, pk in enumerate(self.ordered):
            self.place[pk] = place
        self.paths = paths

    def order(self) -> list[int]:
        """The agencies in the order of their paths."""
        return self.ordered


class Pooled:
    """Sums of pooled rows: key columns (the agency above first, then the own
    rows' other keys) and sum columns, for the trees not yet written."""

    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        self.keys: list[np.ndarray] = []
        self.sums: np.ndarray | None = None

    def add(self, agency: np.ndarray, keys: list[np.ndarray], sums: np.ndarray):
        """Add own rows (their agencies' ids, other key columns, a column of
        sums per count) to the rows of every agency above theirs."""
        distinct, inverse = np.unique(agency, return_inverse=True)
        above = [self.tree.above[a] for a in distinct.tolist()]
        lengths = np.array([len(a) for a in above], np.int64)
        flat = np.array([a for agencies in above for a in agencies], np.int64)
        starts = np.cumsum(lengths) - lengths
        times = lengths[inverse]  # each own row's number of agencies above
        rows = np.repeat(np.arange(len(agency)), times)
        within = np.arange(len(rows)) - np.repeat(np.cumsum(times) - times, times)
        ancestor = flat[starts[inverse][rows] + within]
        self._merge([ancestor, *(k[rows] for k in keys)], sums[rows])

    def _merge(self, keys: list[np.ndarray], sums: np.ndarray) -> None:
        if self.sums is not None:
            keys = [np.concatenate(pair) for pair in zip(self.keys, keys, strict=True)]
            sums = np.concatenate([self.sums, sums])
        if not len(sums):
            return
        sizes = [int(k.max()) + 1 for k in keys]
        distinct, inverse = np.unique(
            np.ravel_multi_index(keys, sizes), return_inverse=True
        )
        total = np.zeros((len(distinct), sums.shape[1]), np.int64)
        np.add.at(total, inverse, sums)
        self.keys = list(np.unravel_index(distinct, sizes))
        self.sums = total

    def take(self, last: int | None) -> tuple[list[np.ndarray], np.ndarray]:
        """The rows of the agencies whose subtree is done, the responses being
        at agency `last` (None: every row), in the order of the paths, no
        longer held: all but `last`'s path's."""
        if self.sums is None:
            return [], np.zeros((0, 0), np.int64)
        done = np.ones(len(self.sums), bool)
        if last is not None:
            done = ~np.isin(self.keys[0], self.tree.paths[last])
        order = np.flatnonzero(done)
        order = order[np.argsort(self.tree.place[self.keys[0][order]], kind="stable")]
        taken = [k[order] for k in self.keys], self.sums[order]
        self.keys = [k[~done] for k in self.keys]
        self.sums = self.sums[~done]
        return taken
