"""Recompute of the precomputed indices (filled in by the index-engine work)."""

from __future__ import annotations

import datetime


def note_new_responses(touched: set[tuple[int, int, datetime.datetime]]) -> None:
    """Mark the agency-days of newly stored responses for recomputation."""
