"""import_responses / export_responses: all or nothing, idempotent, streamed."""

import csv
import uuid

import pytest
from django.core.management import CommandError, call_command

from sipas.formats.sipas_csv import BASE_COLUMNS
from surveys.models import Answer, Response
from tests.reports.engine_fixtures import generate_rows, write_csv

AGENCIES = ["UBND-X12133", "TTHCC-X12133", "SNV-T33"]


@pytest.fixture
def sample(province_33, tmp_path):
    rows = generate_rows(AGENCIES, 40, 2026, seed=11)
    return rows, write_csv(rows, tmp_path / "sample.csv")


def test_the_same_file_twice_stores_each_response_once(sample, capsys):
    rows, path = sample
    call_command("import_responses", str(path))
    answers = Answer.objects.count()
    call_command("import_responses", str(path))
    assert Response.objects.count() == len(rows)
    assert Answer.objects.count() == answers
    assert "0 stored, 40 already present" in capsys.readouterr().out


def test_a_file_with_one_bad_row_stores_nothing_and_names_row_and_column(
    sample, tmp_path
):
    rows, _path = sample
    rows[17]["E3.2"] = "7"
    path = write_csv(rows, tmp_path / "bad.csv")
    with pytest.raises(CommandError) as error:
        call_command("import_responses", str(path))
    message = str(error.value)
    assert "bad.csv" in message and "row 19" in message and "'E3.2'" in message
    assert Response.objects.count() == 0


def test_skip_invalid_stores_the_good_rows_and_reports_the_bad_one(
    sample, tmp_path, capsys
):
    rows, _path = sample
    rows[3]["agency"] = "UBND-X99999"
    path = write_csv(rows, tmp_path / "bad.csv")
    call_command("import_responses", str(path), skip_invalid=True)
    assert Response.objects.count() == len(rows) - 1
    err = capsys.readouterr().err
    assert "row 5, column 'agency'" in err and "UBND-X99999" in err


def test_the_same_id_with_other_content_is_rejected(sample, tmp_path):
    rows, path = sample
    call_command("import_responses", str(path))
    rows[0]["comment"] = "changed afterwards"
    with pytest.raises(CommandError, match="already stored with other content"):
        call_command("import_responses", str(write_csv(rows, tmp_path / "b.csv")))


def test_an_unknown_column_is_an_error_naming_it(province_33, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("response_id,questionnaire,submitted_at,agency,E9.9\n")
    with pytest.raises(CommandError, match="row 1, column 'E9.9': unknown column"):
        call_command("import_responses", str(path))


def test_a_timestamp_without_offset_is_rejected(province_33, tmp_path):
    row = {
        "response_id": str(uuid.uuid4()),
        "questionnaire": "exit-dv",
        "submitted_at": "2026-03-01T10:00:00",
        "agency": "SNV-T33",
        "G": "4",
    }
    with pytest.raises(CommandError, match="column 'submitted_at'"):
        call_command("import_responses", str(write_csv([row], tmp_path / "t.csv")))


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_an_export_imports_back_unchanged(sample, tmp_path, suffix):
    rows, path = sample
    call_command("import_responses", str(path))
    exported = tmp_path / f"exit.{suffix}"
    call_command("export_responses", str(exported), questionnaire="exit-dv")
    before = dict(Response.objects.values_list("id", "fingerprint"))
    call_command("import_responses", str(exported))  # same ids, same content
    assert dict(Response.objects.values_list("id", "fingerprint")) == before
    if suffix == "csv":
        # A byte-order mark first, as on the dashboard's download (spreadsheets).
        assert exported.read_bytes().startswith("\ufeff".encode())
        with exported.open(encoding="utf-8-sig") as handle:
            exported_rows = list(csv.DictReader(handle))
        assert len(exported_rows) == sum(r["questionnaire"] == "exit-dv" for r in rows)
        assert list(exported_rows[0])[: len(BASE_COLUMNS)] == list(BASE_COLUMNS)


def test_export_of_a_period_keeps_only_its_responses(sample, tmp_path):
    _rows, path = sample
    call_command("import_responses", str(path))
    target = tmp_path / "q1.csv"
    call_command(
        "export_responses", str(target), questionnaire="hh-1001", period="2026-Q1"
    )
    with target.open() as handle:
        exported = list(csv.DictReader(handle))
    assert all(
        r["submitted_at"][:7] in ("2026-01", "2026-02", "2026-03") for r in exported
    )
    assert all(r["submitted_at"].endswith("+07:00") for r in exported)


def test_export_indices_rejects_a_wrong_period(province_33, tmp_path):
    with pytest.raises(CommandError, match="--period"):
        call_command("export_indices", str(tmp_path / "x.json"), period="2026-Q7")


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_export_indices_writes_tables_too(sample, tmp_path, suffix):
    _rows, path = sample
    call_command("import_responses", str(path))
    call_command("compute_indices", "--sync", period=["2026"])
    target = tmp_path / f"indices.{suffix}"
    call_command("export_indices", str(target), period="2026", agency="SNV-T33")
    assert target.stat().st_size > 0
    if suffix == "csv":
        with target.open() as handle:
            table = list(csv.DictReader(handle))
        assert {r["agency"] for r in table} == {"SNV-T33"}
        assert {"item", "element", "aspect", "overall"} <= {r["kind"] for r in table}
