"""Seeded survey data for the improvement tests: element scores with a common
factor (so elements correlate, as they do in real SIPAS data), items around
their element, the overall item G built from chosen elements only."""

from __future__ import annotations

import datetime

import numpy as np

from surveys.models import Answer, Response
from tests.dashboard_fixtures import ITEMS, VN


def _sat5(latent: np.ndarray) -> np.ndarray:
    return np.clip(np.round(3.6 + latent), 1, 5).astype(int)


def respondents(n: int, g_weights: dict[str, float], seed: int) -> list[dict]:
    """n answer dicts {item code: 1..5, "G": 1..5}; G = Σ weight·element + noise."""
    rng = np.random.default_rng(seed)
    common = rng.standard_normal((n, 1))
    elements = {e: 0.6 * common[:, 0] + 0.8 * rng.standard_normal(n) for e in ITEMS}
    g = rng.standard_normal(n)
    for element, weight in g_weights.items():
        g = g + weight * elements[element]
    rows = [{"G": int(v)} for v in _sat5(g)]
    for element, codes in ITEMS.items():
        for code in codes:
            values = _sat5(elements[element] + 0.35 * rng.standard_normal(n))
            for row, value in zip(rows, values, strict=True):
                row[code] = int(value)
    return rows


def store(agency, version, answers: list[dict], day: datetime.date) -> None:
    """Responses (one per answer dict) submitted at the agency on one day."""
    when = datetime.datetime.combine(day, datetime.time(9), tzinfo=VN)
    responses = Response.objects.bulk_create(
        Response(
            version=version,
            submitted_at=when,
            agency=agency,
            channel="truc_tiep",
            source="web",
        )
        for _row in answers
    )
    Answer.objects.bulk_create(
        Answer(response=response, item_code=code, value=value)
        for response, row in zip(responses, answers, strict=True)
        for code, value in row.items()
    )
