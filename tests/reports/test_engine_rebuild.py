"""The repair's own rows counted from one read of the answers
(reports.engine.rebuild): row for row what the sweep's SQL statements counted,
whatever the chunks, and text that COPY escapes comes back as it was."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from agencies.models import Agency, Procedure
from reports.engine import rebuild, recompute, sweep
from reports.models import AnswerCount, MaskCount, PairCount
from sipas.periods import local_tz
from surveys.services import ResponseDraft, store_responses
from tests.reports.engine_fixtures import generate_rows, write_csv

AGENCIES = ["UBND-T33", "SNV-T33", "UBND-X12133", "TTHCC-X12133", "UBND-X12103"]


def aggregates() -> tuple[list, ...]:
    """Every aggregate row, own and pooled, sorted (all columns but the id)."""
    return tuple(
        sorted(model.objects.values_list(*columns))
        for model, columns in (
            (AnswerCount, rebuild.ANSWER_COLUMNS),
            (MaskCount, rebuild.MASK_COLUMNS),
            (PairCount, rebuild.PAIR_COLUMNS),
        )
    )


@pytest.fixture
def swept(province_33, tmp_path):
    """700 generated responses of five agencies and both questionnaires,
    counted by the sweep (the SQL statements that add new responses)."""
    rows = generate_rows(AGENCIES, 700, 2026, seed=23)
    call_command("import_responses", str(write_csv(rows, tmp_path / "r.csv")))
    call_command("compute_indices", "--sync", period=["2026"])
    return aggregates()


def test_a_repair_in_small_chunks_counts_what_the_sweep_counted(swept, monkeypatch):
    assert all(swept) and any(row[1] for row in swept[2])  # own and pooled pairs
    chunks = []
    read = rebuild._chunks

    def spied(year):
        for rows in read(year):
            chunks.append([row[0] for row in rows])
            yield rows

    monkeypatch.setattr(rebuild, "_chunks", spied)
    for name, value in (
        ("CHUNK_RESPONSES", 40),
        ("FETCH", 7),
        ("BLOCK", 5),
        ("PAIR_ROWS", 3),  # groups cut across blocks of pair products
        ("COPY_READ", 200),
    ):
        monkeypatch.setattr(rebuild, name, value)
    recompute.recompute_periods(["2026"], rebuild=True)
    assert aggregates() == swept
    assert len(chunks) > 1
    # whole agencies in each chunk, in agency order
    agencies = [agency for chunk in chunks for agency in chunk]
    assert agencies == sorted(agencies)
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert before[-1] != after[0]


def test_dimension_values_that_copy_escapes_come_back_as_they_were(province_33):
    from surveys.models import Questionnaire

    version = Questionnaire.objects.get(code="exit-dv").current_version()
    agency = Agency.objects.get(code="TTHCC-X12133")
    field = "Hộ tịch\\Tư pháp\tmột\ndòng"
    procedure = Procedure.objects.create(code="9.999999", name="Thử", field=field)
    at = datetime.datetime(2026, 5, 4, 10, tzinfo=local_tz())
    store_responses(
        [
            ResponseDraft(
                version=version,
                agency_id=agency.pk,
                answers={"E1.1": 5, "E2.1": 2, "G": 4},
                submitted_at=at + datetime.timedelta(hours=i),
                procedure_id=procedure.pk,
            )
            for i in range(3)
        ]
    )
    assert sweep.sweep_dirty() == 3
    assert sweep.sweep_breakdowns() == 3
    counted = aggregates()
    values = {row[5] for row in counted[0] if row[4] == "field"}
    assert values == {field}
    recompute.recompute_periods(["2026"], rebuild=True)
    assert aggregates() == counted
