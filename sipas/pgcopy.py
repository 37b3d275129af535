"""Rows in PostgreSQL's COPY text format, for the bulk writers (responses in
surveys.services, index rows in reports.engine.results)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator


def copy_value(value: object) -> str:
    """One value: NULL as \\N, booleans as t/f, datetimes in ISO 8601, and the
    characters COPY treats specially escaped, so text round-trips exactly.

    >>> copy_value(None), copy_value(True), copy_value("a\\tb\\\\c")
    ('\\\\N', 't', 'a\\\\tb\\\\\\\\c')
    """
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def copy_line(values: Iterable[object]) -> str:
    """One row, tab-separated and newline-terminated."""
    return "\t".join([copy_value(v) for v in values]) + "\n"


class LineStream:
    """A file-like reader of COPY lines made as they are read: given to
    ``copy_from``, the rows are computed while the server writes the ones
    before (the server is another process: on a machine with two cores,
    Python's work and the server's inserts then overlap), and never all held.
    ``lines`` counts the lines read.

    >>> stream = LineStream(iter(["a\\n", "bb\\n", "c\\n"]))
    >>> stream.read(3), stream.read(8192), stream.read(8192), stream.lines
    ('a\\nbb\\n', 'c\\n', '', 3)
    """

    def __init__(self, lines: Iterator[str]):
        self._lines = lines
        self.lines = 0

    def read(self, size: int = -1) -> str:
        taken, length = [], 0
        for line in self._lines:
            taken.append(line)
            length += len(line)
            if 0 <= size <= length:
                break
        self.lines += len(taken)
        return "".join(taken)
