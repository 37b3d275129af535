"""Issuing invitations in the admin: one by one, or from an uploaded CSV."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from invitations import services
from invitations.models import Invitation

ADD = "/admin/invitations/invitation/add/"
UPLOAD = "/admin/invitations/invitation/upload/"
TEMPLATE = "/admin/invitations/invitation/template.csv"
DOSSIER = "000.00.53.H48-220921-0099"


def upload(client, text: str, name: str = "dossiers.csv"):
    data = {"file": SimpleUploadedFile(name, text.encode()), "expires_days": "14"}
    return client.post(UPLOAD, data)


def test_the_admin_shows_a_new_link_once(
    client, province_admin, province_centre, marriage
):
    client.force_login(province_admin)
    assert client.get(ADD).status_code == 200
    response = client.post(
        ADD,
        {
            "dossier_code": DOSSIER,
            "agency": province_centre.pk,
            "procedure": marriage.pk,
            "expires_days": "30",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    links = re.findall(r"http://127\.0\.0\.1:8000/s/i/[\w-]+/", page)
    assert links and len(set(links)) == 1
    assert DOSSIER in page  # echoed to the staff member, not stored
    assert "<svg" in page
    invitation = Invitation.objects.get()
    assert invitation.procedure == marriage
    # Once shown, nowhere else: the list and the detail page do not carry it.
    token = links[0].rstrip("/").rsplit("/", 1)[1]
    listing = client.get("/admin/invitations/invitation/").content.decode()
    detail = client.get(
        f"/admin/invitations/invitation/{invitation.pk}/change/"
    ).content.decode()
    assert token not in listing and token not in detail
    assert DOSSIER not in listing and DOSSIER not in detail


def test_the_admin_finds_an_invitation_by_its_dossier_code(
    client, province_admin, province_centre
):
    client.force_login(province_admin)
    client.post(
        ADD,
        {"dossier_code": DOSSIER, "agency": province_centre.pk, "expires_days": "30"},
    )
    found = client.get("/admin/invitations/invitation/", {"q": DOSSIER.lower()})
    missed = client.get("/admin/invitations/invitation/", {"q": "000.00.53.H48-1"})
    assert found.context["cl"].result_count == 1
    assert missed.context["cl"].result_count == 0


def test_the_admin_form_refuses_a_duplicate_dossier(
    client, province_admin, province_centre
):
    client.force_login(province_admin)
    data = {"dossier_code": DOSSIER, "agency": province_centre.pk, "expires_days": "30"}
    client.post(ADD, data)
    response = client.post(ADD, data)
    assert "đã có lời mời" in response.content.decode()
    assert Invitation.objects.count() == 1


def test_staff_cannot_invite_for_an_agency_outside_their_scope(
    client, hanoi_analyst, province_centre, hanoi_committee
):
    client.force_login(hanoi_analyst)
    response = client.post(
        ADD,
        {"dossier_code": DOSSIER, "agency": province_centre.pk, "expires_days": "7"},
    )
    assert response.status_code == 200
    assert not Invitation.objects.exists()
    assert response.context["form"].errors["agency"]
    response = client.post(
        ADD,
        {"dossier_code": DOSSIER, "agency": hanoi_committee.pk, "expires_days": "7"},
    )
    assert Invitation.objects.get().agency == hanoi_committee


def test_a_good_upload_answers_with_the_csv_of_links(
    client,
    province_admin,
    province_centre,
    justice_department,
    marriage,
    exit_questionnaire,
):
    client.force_login(province_admin)
    response = upload(
        client,
        "dossier_code,agency,procedure\n"
        f"{DOSSIER},TTHCC-T33,1.000894\n"
        "000.00.53.H48-220921-0100,STP-T33,\n",
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["dossier_code"] for row in rows] == [
        DOSSIER,
        "000.00.53.H48-220921-0100",
    ]
    assert Invitation.objects.count() == 2
    link = rows[0]["link"].replace("http://127.0.0.1:8000", "")
    client.logout()
    assert client.get(link).status_code == 200


def test_a_bad_upload_creates_nothing_and_names_rows_and_columns(
    client, province_admin, province_centre
):
    client.force_login(province_admin)
    response = upload(
        client,
        "dossier_code,agency,procedure\n"
        f"{DOSSIER},TTHCC-T33,\n"
        "000.00.53.H48-220921-0100,TTHCC-T99,\n"
        "000.00.53.H48-220921-0101,TTHCC-T33,9.999\n",
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Dòng 3, cột agency" in page and "TTHCC-T99" in page
    assert "Dòng 4, cột procedure" in page and "9.999" in page
    assert not Invitation.objects.exists()


def test_an_upload_outside_the_scope_creates_nothing(
    client, hanoi_analyst, province_centre, hanoi_committee
):
    client.force_login(hanoi_analyst)
    response = upload(
        client, f"dossier_code,agency\n{DOSSIER},UBND-T01\nA-0002,TTHCC-T33\n"
    )
    assert response.status_code == 400
    assert "Dòng 3, cột agency" in response.content.decode()
    assert not Invitation.objects.exists()


def test_the_upload_page_offers_the_template_and_a_filled_one_is_accepted(
    client, province_admin, province_centre, justice_department, exit_questionnaire
):
    client.force_login(province_admin)
    assert TEMPLATE in client.get(UPLOAD).content.decode()
    template = client.get(TEMPLATE)
    assert template.status_code == 200
    assert "sipas-mau-loi-moi.csv" in template["Content-Disposition"]
    text = template.content.decode("utf-8")
    assert text.startswith("\ufeffMã hồ sơ;Mã cơ quan;")
    response = upload(client, text + f"{DOSSIER};TTHCC-T33;;\r\n")
    assert response.status_code == 200
    assert Invitation.objects.get().agency == province_centre


@pytest.mark.parametrize("url", [ADD, UPLOAD, TEMPLATE])
def test_people_who_are_not_staff_cannot_issue_invitations(client, outsider, url):
    client.force_login(outsider)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_see_only_the_invitations_of_their_scope(
    client, hanoi_analyst, province_centre, hanoi_committee
):
    from invitations import services

    services.create_invitation(dossier_code="HY-0001", agency=province_centre)
    services.create_invitation(dossier_code="HN-0001", agency=hanoi_committee)
    client.force_login(hanoi_analyst)
    listing = client.get("/admin/invitations/invitation/")
    assert [i.agency.code for i in listing.context["cl"].result_list] == ["UBND-T01"]
    assert client.get("/admin/invitations/invitation/").status_code == 200
    other = Invitation.objects.get(agency=province_centre)
    assert (
        client.get(f"/admin/invitations/invitation/{other.pk}/change/").status_code
        == 302  # the admin's "does not exist" redirect, not the invitation
    )


@pytest.mark.parametrize(
    "bad_row",
    [
        "000.00.53.H48-220921-0100,TTHCC-T33,,,extra",  # more cells than columns
        "000.00.53.H48-220921-0100,TTHCC-T99,",  # unknown agency
    ],
)
def test_a_file_of_many_bad_rows_gets_a_short_report(
    client, province_admin, province_centre, bad_row
):
    # 40,000 bad rows (800,000 made a 50 MB page and 550 MB of worker memory):
    # the report stops after fifty problems, the file is read as a stream.
    client.force_login(province_admin)
    text = "dossier_code,agency,procedure\n" + (bad_row + "\n") * 40_000
    response = upload(client, text, name="big.csv")
    assert response.status_code == 400
    page = response.content.decode()
    assert len(page) < 100_000
    assert page.count("<li>Dòng ") <= services.MAX_ERRORS
    assert "Đã dừng sau 50 lỗi" in page
    assert not Invitation.objects.exists()
