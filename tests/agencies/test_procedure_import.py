"""import_procedures: the bundled catalogue and a province's own file."""

import csv
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from agencies.models import Procedure
from agencies.procedure_import import (
    CODE_PATTERN,
    ProcedureFileError,
    import_procedure_file,
)
from agencies.reference import DATA_DIR

pytestmark = pytest.mark.django_db

HEADER = ["code", "name", "field", "level", "official_url"]


def write_csv(path: Path, rows: list[list[str]], header=HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_the_bundled_catalogue_has_265_real_procedures_with_split_levels():
    result = import_procedure_file(DATA_DIR / "procedures.csv")

    assert result.created == 265
    marriage = Procedure.objects.get(code="1.000894")
    assert marriage.name == "Thủ tục đăng ký kết hôn"
    assert marriage.field == "Hộ tịch"
    assert all(
        CODE_PATTERN.match(code)
        for code in Procedure.objects.values_list("code", flat=True)
    )
    assert set(Procedure.objects.get(code="2.000884").level_list) <= {
        "trung_uong",
        "tinh",
        "xa",
    }
    levels = {level for p in Procedure.objects.all() for level in p.level_list}
    assert levels == {"trung_uong", "tinh", "xa"}


def test_the_bundled_catalogue_is_the_shared_one(shared_dir):
    bundled = (DATA_DIR / "procedures.csv").read_bytes()

    assert bundled == (shared_dir / "data/catalogue/procedures.csv").read_bytes()


def test_it_creates_new_codes_and_updates_existing_ones(tmp_path):
    Procedure.objects.create(
        code="1.000894", name="Tên cũ", field="Hộ tịch", levels="xa"
    )
    path = write_csv(
        tmp_path / "tinh.csv",
        [
            ["1.000894", "Đăng ký kết hôn", "Hộ tịch", "xa", ""],
            ["1.001612.000.00.00.H48", "Thủ tục của tỉnh", "Đất đai", "tinh|xa", ""],
        ],
    )

    call_command("import_procedures", str(path))

    assert Procedure.objects.get(code="1.000894").name == "Đăng ký kết hôn"
    provincial = Procedure.objects.get(code="1.001612.000.00.00.H48")
    assert provincial.level_list == ["tinh", "xa"]
    assert provincial.name_folded == "thu tuc cua tinh"


def test_columns_missing_from_the_file_keep_their_stored_values(tmp_path):
    Procedure.objects.create(
        code="1.000894", name="Tên cũ", field="Hộ tịch", levels="xa"
    )
    path = write_csv(
        tmp_path / "names.csv", [["1.000894", "Tên mới"]], ["code", "name"]
    )

    import_procedure_file(path)

    procedure = Procedure.objects.get(code="1.000894")
    assert (procedure.name, procedure.field, procedure.levels) == (
        "Tên mới",
        "Hộ tịch",
        "xa",
    )


def test_it_reads_xlsx_and_restores_a_code_typed_as_a_number(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["code", "name", "level"])
    sheet.append(["1.000894", "Đăng ký kết hôn", "xa"])
    sheet.append([2.00088, "Một thủ tục", "tinh"])
    workbook.save(tmp_path / "tinh.xlsx")

    call_command("import_procedures", str(tmp_path / "tinh.xlsx"))

    assert set(Procedure.objects.values_list("code", flat=True)) == {
        "1.000894",
        "2.000880",
    }


def test_a_bad_row_stops_the_whole_file_and_names_row_and_column(tmp_path):
    path = write_csv(
        tmp_path / "bad.csv",
        [
            ["1.000894", "Đăng ký kết hôn", "Hộ tịch", "xa", ""],
            ["1.000895", "Một thủ tục", "Hộ tịch", "huyen|quan", ""],
            ["ABC", "", "", "", "not a url"],
        ],
    )

    with pytest.raises(CommandError) as error:
        call_command("import_procedures", str(path))

    message = str(error.value)
    assert "bad.csv, row 3, column level" in message
    assert "bad.csv, row 4, column code" in message
    assert "bad.csv, row 4, column name" in message
    assert "bad.csv, row 4, column official_url" in message
    assert not Procedure.objects.exists()


def test_an_unknown_or_missing_column_is_refused(tmp_path):
    unknown = write_csv(
        tmp_path / "u.csv", [["1.000894", "X", "1"]], ["code", "name", "gia"]
    )
    missing = write_csv(tmp_path / "m.csv", [["1.000894"]], ["code"])

    with pytest.raises(
        ProcedureFileError, match="u.csv, row 1, column gia: unknown column"
    ):
        import_procedure_file(unknown)
    with pytest.raises(ProcedureFileError, match="required column name is missing"):
        import_procedure_file(missing)


def test_a_code_given_twice_is_refused(tmp_path):
    path = write_csv(
        tmp_path / "twice.csv",
        [["1.000894", "A", "", "xa", ""], ["1.000894", "B", "", "xa", ""]],
    )

    with pytest.raises(
        ProcedureFileError, match="row 3, column code: 1.000894 already given in row 2"
    ):
        import_procedure_file(path)
    assert not Procedure.objects.exists()


def test_a_missing_file_or_another_format_is_a_clear_error(tmp_path):
    (tmp_path / "list.txt").write_text("code,name\n")

    with pytest.raises(CommandError, match="file not found"):
        call_command("import_procedures", str(tmp_path / "none.csv"))
    with pytest.raises(CommandError, match="only .csv and .xlsx"):
        call_command("import_procedures", str(tmp_path / "list.txt"))
