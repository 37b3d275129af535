"""Invitations from a CSV file: the parser and the `create_invitations` command."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from invitations import files
from invitations.models import Invitation

GOOD = (
    "dossier_code,agency,procedure,service_point\n"
    "000.00.53.H48-220921-0099,TTHCC-T33,1.000894,TTHCC-T33-Q01\n"
    "000.00.53.H48-220921-0100,TTHCC-T33,2.000884,\n"
    "000.00.53.H48-220921-0101,STP-T33,,\n"
)


@pytest.fixture
def places(province_centre, counter, justice_department, marriage, signature):
    return None


def test_a_good_file_becomes_one_request_per_row(places):
    requests = files.parse_invitation_csv(GOOD.encode(), filename="ok.csv")
    assert [r.agency.code for r in requests] == ["TTHCC-T33", "TTHCC-T33", "STP-T33"]
    assert requests[0].service_point.code == "TTHCC-T33-Q01"
    assert requests[1].procedure.code == "2.000884"
    assert requests[2].procedure is None
    assert [r.line for r in requests] == [2, 3, 4]


def test_a_bad_file_names_each_row_and_column(places):
    data = (
        "dossier_code,agency,procedure\n"
        "000.00.53.H48-220921-0099,TTHCC-T33,1.000894\n"
        "000.00.53.H48-220921-0100,UBND-T99,1.000894\n"
        "000.00.53.H48-220921-0101,TTHCC-T33,9.999999\n"
        ",TTHCC-T33,\n"
    )
    with pytest.raises(files.InvitationFileError) as caught:
        files.parse_invitation_csv(data.encode(), filename="bad.csv")
    errors = caught.value.errors
    assert len(errors) == 3
    assert errors[0].startswith("Dòng 3, cột agency") and "UBND-T99" in errors[0]
    assert errors[1].startswith("Dòng 4, cột procedure") and "9.999999" in errors[1]
    assert errors[2].startswith("Dòng 5, cột dossier_code")


def test_a_file_without_a_required_column_is_refused(places):
    with pytest.raises(files.InvitationFileError) as caught:
        files.parse_invitation_csv(b"dossier_code,procedure\nA-1,1.000894\n")
    assert caught.value.errors == ["Dòng 1: thiếu cột agency (Mã cơ quan)."]


def test_an_unknown_column_is_refused(places):
    with pytest.raises(files.InvitationFileError, match="phone"):
        files.parse_invitation_csv(b"dossier_code,agency,phone\nA-1,STP-T33,09\n")


def test_a_file_that_is_not_utf8_is_refused(places):
    data = "dossier_code,agency\nHÀ-001,STP-T33\n".encode("cp1252")
    with pytest.raises(files.InvitationFileError, match="UTF-8"):
        files.parse_invitation_csv(data)


def test_agencies_outside_the_scope_read_as_unknown(places, hanoi_committee):
    from agencies.models import Agency

    with pytest.raises(files.InvitationFileError, match="STP-T33"):
        files.parse_invitation_csv(
            b"dossier_code,agency\nA-001,STP-T33\n",
            allowed_agencies=Agency.objects.filter(province_code="01"),
        )


def test_the_command_writes_the_links_and_stores_one_invitation_per_row(
    places, tmp_path
):
    source = tmp_path / "dossiers.csv"
    source.write_text(GOOD, encoding="utf-8")
    out = tmp_path / "links.csv"
    call_command(
        "create_invitations", str(source), "--expires-days", "10", "--out", str(out)
    )
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [row["dossier_code"] for row in rows] == [
        "000.00.53.H48-220921-0099",
        "000.00.53.H48-220921-0100",
        "000.00.53.H48-220921-0101",
    ]
    assert all(row["link"].startswith("http://127.0.0.1:8000/s/i/") for row in rows)
    assert len({row["link"] for row in rows}) == 3
    assert Invitation.objects.count() == 3
    invitation = Invitation.objects.get(service_point__code="TTHCC-T33-Q01")
    assert invitation.procedure.code == "1.000894"
    assert (invitation.expires_at - invitation.created_at).days == 10


def test_the_command_prints_the_links_without_out(places, tmp_path):
    source = tmp_path / "dossiers.csv"
    source.write_text(GOOD, encoding="utf-8")
    stdout = io.StringIO()
    call_command("create_invitations", str(source), stdout=stdout, stderr=io.StringIO())
    assert stdout.getvalue().startswith(
        "dossier_code,agency,procedure,service_point,link"
    )
    assert len(stdout.getvalue().splitlines()) == 4


def test_the_command_writes_nothing_when_one_row_is_bad(places, tmp_path):
    source = tmp_path / "dossiers.csv"
    source.write_text(
        GOOD + "000.00.53.H48-220921-0099,TTHCC-T33,,\n", encoding="utf-8"
    )
    out = tmp_path / "links.csv"
    with pytest.raises(CommandError) as caught:
        call_command("create_invitations", str(source), "--out", str(out))
    assert "dossiers.csv: Dòng 5: " in str(caught.value)
    assert "bị lặp" in str(caught.value)
    assert not Invitation.objects.exists()
    assert not out.exists()


def test_the_command_refuses_a_dossier_that_already_has_an_invitation(places, tmp_path):
    source = tmp_path / "dossiers.csv"
    source.write_text(GOOD, encoding="utf-8")
    call_command(
        "create_invitations", str(source), stdout=io.StringIO(), stderr=io.StringIO()
    )
    with pytest.raises(CommandError, match="Dòng 2: hồ sơ 000.00.53.H48-220921-0099"):
        call_command("create_invitations", str(source), stdout=io.StringIO())
    assert Invitation.objects.count() == 3


def test_the_command_names_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="nothing.csv: cannot read"):
        call_command("create_invitations", str(tmp_path / "nothing.csv"))


def test_a_vietnamese_excel_file_with_vietnamese_headers_and_semicolons_is_read(places):
    # What Excel with Vietnamese regional settings saves: BOM, ";" between cells.
    data = (
        "\ufeffMã hồ sơ;Mã cơ quan;Mã thủ tục;Mã điểm phục vụ\r\n"
        "000.00.53.H48-220921-0099;TTHCC-T33;1.000894;TTHCC-T33-Q01\r\n"
        "000.00.53.H48-220921-0101;STP-T33;;\r\n"
    )
    requests = files.parse_invitation_csv(data.encode(), filename="excel.csv")
    assert [r.agency.code for r in requests] == ["TTHCC-T33", "STP-T33"]
    assert requests[0].procedure.code == "1.000894"
    assert requests[0].service_point.code == "TTHCC-T33-Q01"
    assert [r.line for r in requests] == [2, 3]


def test_headers_without_diacritics_or_in_capitals_are_understood(places):
    data = "MA_HO_SO,ma co quan\n000.00.53.H48-220921-0099,TTHCC-T33\n"
    requests = files.parse_invitation_csv(data.encode())
    assert [r.agency.code for r in requests] == ["TTHCC-T33"]


def test_the_template_is_a_vietnamese_excel_header_that_reads_back(places):
    template = files.template_csv()
    assert template.startswith("\ufeffMã hồ sơ;Mã cơ quan;")
    filled = template + "000.00.53.H48-220921-0099;STP-T33;;\r\n"
    [request] = files.parse_invitation_csv(filled.encode("utf-8"))
    assert request.agency.code == "STP-T33"


def test_the_doctest_examples_hold():
    import doctest

    assert doctest.testmod(files).failed == 0
