"""ODK / KoboToolbox: the XLSForms convert cleanly with pyxform, and a Kobo- or
Central-shaped submissions export gives the same indices as the same answers
imported as sipas-csv."""

from __future__ import annotations

import csv
import datetime
import random
import uuid
import zoneinfo

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook
from pyxform.xls2xform import convert

from api import odk, xlsform
from reports.models import IndexResult
from surveys.models import QuestionnaireVersion, Response
from surveys.services import items_of

VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def versions(db) -> dict[str, QuestionnaireVersion]:
    from surveys.reference import load_questionnaires

    load_questionnaires()
    return {
        v.questionnaire.code: v
        for v in QuestionnaireVersion.objects.select_related("questionnaire")
    }


@pytest.mark.parametrize("code", ["exit-dv", "hh-1001"])
def test_the_xlsform_converts_with_pyxform_without_warnings(versions, code):
    version = versions[code]
    warnings: list[str] = []
    result = convert(xlsform=xlsform.xlsform_workbook(version), warnings=warnings)
    assert warnings == []
    xform = result.xform
    assert f'id="{xlsform.form_id(version)}"' in xform
    for item_code in items_of(version):
        assert f"/{item_code}" in xform
    assert "Rất hài lòng" in xform and "Very satisfied" in xform


def test_the_xlsform_command_writes_the_current_version(versions, tmp_path):
    path = tmp_path / "exit.xlsx"
    call_command("export_xlsform", str(path), questionnaire="exit-dv")
    assert convert(xlsform=str(path), warnings=[]).xform
    with pytest.raises(CommandError, match="no published version"):
        call_command("export_xlsform", str(path), questionnaire="khong-co")


# --- Generated submissions ---------------------------------------------------------


def _submissions(version, agencies, n=80, seed=7) -> list[dict]:
    """n answers as a citizen would give them: some items blank, comments."""
    rng = random.Random(seed)
    items = items_of(version)
    made = []
    for k in range(n):
        at = datetime.datetime(2026, 7, 1, 8, tzinfo=VN) + datetime.timedelta(
            hours=7 * k
        )
        answers = {}
        for code, item in items.items():
            if rng.random() < 0.1:
                continue
            values = sorted(item.option_values)
            if item.kind == "multi":
                answers[code] = sorted(rng.sample(values, rng.randint(1, 2)))
            else:
                answers[code] = rng.choice(values)
        made.append(
            {
                "instance": f"uuid:{uuid.UUID(int=rng.getrandbits(128))}",
                "submitted_at": at,
                "agency": rng.choice(agencies),
                "channel": rng.choice(["truc_tiep", "truc_tuyen", ""]),
                "gender": rng.choice(["nam", "nu", ""]),
                "answers": answers,
                "comment": rng.choice(["", "Nhanh, gọn", "Phải chờ lâu"]),
            }
        )
    return made


def _sipas_csv(version, submissions, path) -> None:
    items = list(items_of(version))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["response_id", "questionnaire", "version", "submitted_at", "agency"]
            + ["channel", "gender", *items, "comment"]
        )
        for s in submissions:
            writer.writerow(
                [
                    str(uuid.uuid4()),
                    version.questionnaire.code,
                    version.number,
                    s["submitted_at"].isoformat(),
                    s["agency"],
                    s["channel"],
                    s["gender"],
                    *[_joined(s["answers"].get(c), "|") for c in items],
                    s["comment"],
                ]
            )


def _joined(value, separator: str) -> str:
    if value is None:
        return ""
    return separator.join(map(str, value)) if isinstance(value, list) else str(value)


def _kobo_xlsx(version, submissions, path) -> None:
    """KoboToolbox's XLS export with XML headers and group names (`s1/E1.1`),
    one extra column per option of a multiple choice, and its meta columns."""
    sheets = xlsform.xlsform_sheets(version)
    survey = sheets["survey"][1:]
    columns: list[tuple[str, str]] = []  # (header, field)
    group = None
    multis = {c for c, i in items_of(version).items() if i.kind == "multi"}
    for kind, name, *_rest in survey:
        if kind == "begin_group":
            group = name
        elif kind == "end_group":
            group = None
        elif name:
            columns.append((f"{group}/{name}" if group else name, name))
            if name in multis:
                for option in sorted(items_of(version)[name].option_values):
                    columns.append((f"{group}/{name}/{option}", f"{name}/{option}"))
    header = [h for h, _f in columns] + [
        "meta/instanceID",
        "_id",
        "_uuid",
        "_submission_time",
        "_validation_status",
        "_index",
    ]
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for index, s in enumerate(submissions, start=1):
        row = []
        for _header, field in columns:
            if field == "start":
                row.append(
                    (s["submitted_at"] - datetime.timedelta(minutes=6)).isoformat()
                )
            elif field == "end":
                row.append(s["submitted_at"].isoformat(timespec="milliseconds"))
            elif "/" in field:
                code, option = field.split("/")
                chosen = s["answers"].get(code) or []
                row.append(1 if int(option) in chosen else 0)
            elif field in s["answers"]:
                row.append(_joined(s["answers"][field], " "))
            else:
                row.append(s.get(field, "") or None)
        utc = s["submitted_at"].astimezone(datetime.UTC).replace(tzinfo=None)
        row += [
            s["instance"],
            1000 + index,
            s["instance"].removeprefix("uuid:"),
            utc.isoformat(timespec="seconds"),
            "",
            index,
        ]
        sheet.append(row)
    workbook.save(path)


def _indices() -> list[tuple]:
    return sorted(
        IndexResult.objects.filter(period__startswith="2026").values_list(
            "period",
            "agency__code",
            "scope",
            "questionnaire",
            "dimension",
            "dimension_value",
            "kind",
            "indicator",
            "value",
            "n",
        )
    )


@pytest.mark.parametrize("code", ["exit-dv", "hh-1001"])
def test_a_kobo_export_gives_the_indices_of_the_same_answers_as_sipas_csv(
    agencies, versions, tmp_path, code
):
    version = versions[code]
    submissions = _submissions(version, ["TTHCC-X12133", "SNV-T33", "UBND-X12133"])
    _sipas_csv(version, submissions, tmp_path / "same.csv")
    call_command("import_responses", str(tmp_path / "same.csv"))
    call_command("compute_indices", "--sync", period=["2026", "2026-Q3", "2026-07"])
    through_csv = _indices()
    assert len(through_csv) > 50

    Response.objects.all().delete()
    call_command(
        "compute_indices", "--sync", "--rebuild", period=["2026", "2026-Q3", "2026-07"]
    )
    assert all(n == 0 for *_rest, n in _indices())

    _kobo_xlsx(version, submissions, tmp_path / "kobo.xlsx")
    call_command(
        "import_odk_submissions", str(tmp_path / "kobo.xlsx"), questionnaire=code
    )
    call_command("compute_indices", "--sync", period=["2026", "2026-Q3", "2026-07"])
    assert Response.objects.count() == len(submissions)
    assert _indices() == through_csv


def _central_csv(version, submissions, path, broken=None) -> None:
    """ODK Central's CSV export: `s1-E1.1`, `meta-instanceID`, `KEY` …"""
    fields = []
    group = None
    for kind, name, *_rest in xlsform.xlsform_sheets(version)["survey"][1:]:
        if kind == "begin_group":
            group = name
        elif kind == "end_group":
            group = None
        elif name:
            fields.append((f"{group}-{name}" if group else name, name))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["SubmissionDate", *[h for h, _f in fields], "meta-instanceID", "KEY"]
            + ["SubmitterID", "SubmitterName", "AttachmentsPresent"]
            + ["AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits"]
            + ["FormVersion"]
        )
        for k, s in enumerate(submissions):
            values = []
            for _header, field in fields:
                if field in ("start", "end"):
                    values.append(s["submitted_at"].isoformat(timespec="milliseconds"))
                elif field in s["answers"]:
                    values.append(_joined(s["answers"][field], " "))
                else:
                    values.append(s.get(field, ""))
            if broken and broken[0] == k:
                values[[f for _h, f in fields].index(broken[1])] = broken[2]
            writer.writerow(
                ["2026-07-31T01:02:03.000Z", *values, s["instance"], s["instance"]]
                + ["5", "Điều tra viên", "0", "0", "", "", "collect:abc", "0", "1"]
            )


def test_a_central_export_imports_once_and_again_stores_nothing(
    agencies, versions, tmp_path
):
    version = versions["exit-dv"]
    submissions = _submissions(version, ["TTHCC-X12133"], n=12)
    path = tmp_path / "central.csv"
    _central_csv(version, submissions, path)
    first = odk.import_submissions(path, version=version)
    again = odk.import_submissions(path, version=version)
    assert (first.stored, first.skipped) == (12, 0)
    assert (again.stored, again.skipped) == (0, 12)
    stored = Response.objects.get(id=odk.response_id(submissions[3]["instance"]))
    assert stored.submitted_at == submissions[3]["submitted_at"]
    assert stored.source == "import"


@pytest.mark.parametrize(
    "broken, message",
    [
        ((4, "E1.1", "7"), "row 6, column 's1-E1.1'"),
        ((2, "agency", "KHONG-CO"), "row 4, column 'agency'"),
        ((0, "channel", "fax"), "row 2, column 'channel'"),
        ((1, "N2", "1"), "row 1, column 's2-N2'"),
    ],
)
def test_a_bad_cell_is_named_by_row_and_column_and_nothing_is_stored(
    agencies, versions, tmp_path, broken, message
):
    version = versions["exit-dv"]
    submissions = _submissions(version, ["TTHCC-X12133"], n=6)
    path = tmp_path / "central.csv"
    if broken[1] == "N2":  # a column of another questionnaire
        _central_csv(version, submissions, path)
        text = path.read_text().replace("s1-E1.1", "s2-N2", 1)
        path.write_text(text)
    else:
        _central_csv(version, submissions, path, broken=broken)
    with pytest.raises(odk.OdkImportError) as error:
        odk.import_submissions(path, version=version)
    assert message in str(error.value)
    assert Response.objects.count() == 0


def test_the_same_instance_with_other_answers_is_refused(agencies, versions, tmp_path):
    version = versions["exit-dv"]
    submissions = _submissions(version, ["TTHCC-X12133"], n=3)
    path = tmp_path / "central.csv"
    _central_csv(version, submissions, path)
    odk.import_submissions(path, version=version)
    submissions[1]["answers"]["G"] = 6 - submissions[1]["answers"].get("G", 3)
    _central_csv(version, submissions, path)
    with pytest.raises(odk.OdkImportError, match="row 3, column 'meta-instanceID'"):
        odk.import_submissions(path, version=version)
    assert Response.objects.count() == 3


def test_the_import_command_reports_faults_without_a_traceback(
    agencies, versions, tmp_path
):
    path = tmp_path / "bad.csv"
    path.write_text("x,y\n1,2\n")
    with pytest.raises(CommandError, match="row 1, column 'x'"):
        call_command("import_odk_submissions", str(path), questionnaire="exit-dv")
