"""The sipas-csv format module (sipas/formats/sipas_csv.py): no database."""

import doctest

from openpyxl import Workbook, load_workbook

from sipas.formats import sipas_csv
from surveys.models import RESPONDENT_FIELDS


def test_the_doctest_examples_hold():
    assert doctest.testmod(sipas_csv).failed == 0


def test_the_respondent_columns_are_the_response_fields_in_file_order():
    assert tuple(RESPONDENT_FIELDS) == sipas_csv.RESPONDENT_COLUMNS
    assert sipas_csv.BASE_COLUMNS[-len(RESPONDENT_FIELDS) :] == tuple(RESPONDENT_FIELDS)


def test_an_xlsx_sheet_holds_formulas_as_text(tmp_path):
    workbook = Workbook(write_only=True)
    rows = [["comment"], ["=SUM(A1:A9)"], [None]]
    assert sipas_csv.xlsx_sheet(workbook, "t", rows) == 2
    workbook.save(tmp_path / "t.xlsx")
    sheet = load_workbook(tmp_path / "t.xlsx").worksheets[0]
    assert [c.value for c in sheet["A"]] == ["comment", "'=SUM(A1:A9)"]
