"""A chunk of a repair's responses as numpy arrays (reports.engine.rebuild):
small integer codes for agencies, versions, items and dimension values, and
the distinct combinations of columns with their counts."""

from __future__ import annotations

import datetime
from collections.abc import Mapping

import numpy as np

# Separators of a response's answers in its one string: control characters,
# which no item code has.
ANSWER_SEP, VALUE_SEP = "\x1e", "\x1f"
# The response columns each dimension (setup.DIMENSIONS) reads, in the order
# of the repair's query (reports.engine.rebuild).
DIMENSION_COLUMNS = ("channel", "gender", "age_group", "procedure", "field")


class Codes:
    """Small integers for the values of a column, in order of appearance."""

    def __init__(self) -> None:
        self.index: dict = {}
        self.values: list = []

    def __call__(self, value) -> int:
        found = self.index.get(value)
        if found is None:
            found = self.index[value] = len(self.values)
            self.values.append(value)
        return found

    def flags(self, wanted) -> np.ndarray:
        """Per code, whether its value is in `wanted`."""
        return np.array([v in wanted for v in self.values] + [False])


def distinct_counts(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """The distinct combinations of some non-negative integer columns, sorted
    by the first column, then the second…, and how often each occurs."""
    sizes = [int(c.max()) + 1 if len(c) else 1 for c in columns]
    distinct, counts = np.unique(
        np.ravel_multi_index(columns, sizes), return_counts=True
    )
    return list(np.unravel_index(distinct, sizes)), counts


class Chunk:
    """Some responses as arrays: per response its agency (a code, in the
    responses' order; ``agency_id`` gives the ids), month (1…12), version and
    each dimension's value (-1: none); per answer its response, item and
    value."""

    def __init__(
        self,
        rows: list[tuple],
        items: Codes,
        versions: Codes,
        dims: Mapping[str, Codes],
    ):
        self.agencies = Codes()
        n = self.size = len(rows)
        self.agency = np.empty(n, np.int64)
        self.month = np.empty(n, np.int64)
        self.version = np.empty(n, np.int64)
        self.dim = {name: np.full(n, -1, np.int64) for name in DIMENSION_COLUMNS}
        answer_of: list[int] = []
        item: list[int] = []
        value: list[int] = []
        for i, (agency, version, month, *values, answers) in enumerate(rows):
            self.agency[i] = self.agencies(agency)
            self.version[i] = versions(version)
            if isinstance(month, str):  # SQLite's date text
                month = datetime.date.fromisoformat(month[:10])
            self.month[i] = month.month
            for name, dim_value in zip(DIMENSION_COLUMNS, values, strict=True):
                if dim_value:  # NULL or "": no breakdown row (sql: <> '')
                    self.dim[name][i] = dims[name](dim_value)
            if answers:
                for answer in answers.split(ANSWER_SEP):
                    code, _sep, number = answer.rpartition(VALUE_SEP)
                    answer_of.append(i)
                    item.append(items(code))
                    value.append(int(number))
        self.answer_of = np.array(answer_of, np.int64)
        self.item = np.array(item, np.int64)
        self.value = np.array(value, np.int64)
        self.agency_id = np.array(self.agencies.values, np.int64)

    def of_answers(self, per_response: np.ndarray) -> np.ndarray:
        return per_response[self.answer_of]


def bucket_month(month: np.ndarray, unit: str) -> np.ndarray:
    """The first month of each month's bucket (sql.bucket_sql)."""
    if unit == "month":
        return month
    if unit == "quarter":
        return month - (month - 1) % 3
    return np.ones_like(month)
