"""Rows in PostgreSQL's COPY text format, for the bulk writers (responses in
surveys.services, index rows in reports.engine.results)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable


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
