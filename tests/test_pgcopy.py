"""COPY text format shared by the bulk writers (round trips through PostgreSQL are
tested in tests/surveys/test_bulk_store.py)."""

import datetime
import doctest

from sipas import pgcopy


def test_the_doctest_examples_hold():
    assert doctest.testmod(pgcopy).failed == 0


def test_a_line_escapes_what_copy_would_misread():
    at = datetime.datetime(2026, 1, 2, 3, 4, tzinfo=datetime.UTC)
    line = pgcopy.copy_line([None, False, at, 83.12, "Hộ\ttịch\nx\\y\r"])
    assert line == "\\N\tf\t2026-01-02T03:04:00+00:00\t83.12\tHộ\\ttịch\\nx\\\\y\\r\n"
