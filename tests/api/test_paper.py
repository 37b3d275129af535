"""Paper questionnaires: the printed A4 form, keyed entry with the web form's
validation, double entry that blocks the batch until mismatches are resolved,
and committing through the one write path (source `paper`)."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from pypdf import PdfReader

from agencies.models import Procedure
from api import paper
from api.models import PaperBatch, PaperEntry
from surveys.models import Response


@pytest.fixture
def marriage(agencies):
    procedure = Procedure.objects.create(
        code="1.000894", name="Đăng ký kết hôn", field="Hộ tịch", levels="xa"
    )
    procedure.agencies.add(agencies["TTHCC-X12133"])
    return procedure


@pytest.fixture
def clerk(province_analyst) -> Client:
    client = Client()
    client.force_login(province_analyst)
    return client


@pytest.fixture
def second_clerk(commune_manager) -> Client:
    client = Client()
    client.force_login(commune_manager)
    return client


def _batch(agencies, exit_version, double=False, **extra) -> PaperBatch:
    return PaperBatch.objects.create(
        agency=agencies["TTHCC-X12133"],
        version=exit_version,
        label="Lô tháng 7",
        double_entry=double,
        **extra,
    )


def keys(serial: str, g: str = "4", **extra) -> dict[str, str]:
    data = {"serial": serial, "procedure": "", "channel": "1", "E1.1": "5", "G": g}
    data.update(extra)
    return data


def test_a_staff_member_creates_a_batch_and_keys_a_form(
    clerk, agencies, exit_version, marriage
):
    created = clerk.post(
        "/paper/",
        {
            "batch-agency": "tthcc-x12133",
            "batch-version": exit_version.pk,
            "batch-label": "Lô 1",
        },
    )
    batch = PaperBatch.objects.get()
    assert created["Location"] == f"/paper/{batch.pk}/"
    page = clerk.get(f"/paper/{batch.pk}/")
    assert page.status_code == 200
    assert 'data-keys="12345"' in page.content.decode()
    saved = clerk.post(
        f"/paper/{batch.pk}/",
        keys("tthcc-x12133-000001", procedure="1.000894", gender="2", age_group="3"),
    )
    assert saved.status_code == 302
    entry = PaperEntry.objects.get()
    assert entry.serial == "TTHCC-X12133-000001"
    assert entry.channel == "truc_tiep" and entry.procedure == marriage
    assert entry.answers == {"E1.1": 5, "G": 4}
    assert entry.respondent == {"gender": "nu", "age_group": "35-49"}


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"E1.1": "7"}, "E1.1"),
        ({"channel": "4"}, "channel"),
        ({"channel": ""}, "channel"),
        ({"E1.1": "", "G": ""}, "E1.1"),
        ({"procedure": "9.999999"}, "procedure"),
        ({"gender": "3"}, "gender"),
    ],
)
def test_keyed_mistakes_get_the_web_forms_messages_and_store_nothing(
    clerk, agencies, exit_version, marriage, bad, field
):
    batch = _batch(agencies, exit_version)
    page = clerk.post(f"/paper/{batch.pk}/", keys("S-1", **bad))
    assert page.status_code == 200
    assert field in page.context["form"].errors
    assert PaperEntry.objects.count() == 0
    html = page.content.decode()
    assert f'id="k-{field}"' in html or f'id="id_{field}"' in html


def test_a_serial_is_keyed_once_per_round(clerk, agencies, exit_version):
    batch = _batch(agencies, exit_version)
    clerk.post(f"/paper/{batch.pk}/", keys("S-1"))
    again = clerk.post(f"/paper/{batch.pk}/", keys("S-1", g="2"))
    assert "serial" in again.context["form"].errors
    assert PaperEntry.objects.count() == 1


def test_committing_stores_the_batch_as_paper_responses_once(
    clerk, agencies, exit_version
):
    batch = _batch(agencies, exit_version)
    for k in range(3):
        clerk.post(f"/paper/{batch.pk}/", keys(f"S-{k}"))
    clerk.post(f"/paper/{batch.pk}/commit/")
    stored = Response.objects.filter(source="paper")
    assert stored.count() == 3
    assert {r.agency.code for r in stored} == {"TTHCC-X12133"}
    batch.refresh_from_db()
    assert batch.committed_at is not None
    # The same serial keyed again in another batch is refused at commit.
    other = _batch(agencies, exit_version)
    clerk.post(f"/paper/{other.pk}/", keys("S-1"))
    refused = clerk.post(f"/paper/{other.pk}/commit/", follow=True)
    assert "S-1" in refused.content.decode()
    assert Response.objects.count() == 3


def test_double_entry_with_one_mismatch_blocks_the_batch_until_resolved(
    clerk, second_clerk, agencies, exit_version
):
    batch = _batch(agencies, exit_version, double=True)
    for k in range(3):
        clerk.post(f"/paper/{batch.pk}/", keys(f"S-{k}"))
    for k in range(3):
        data = keys(f"S-{k}", g="2" if k == 1 else "4")
        assert second_clerk.post(f"/paper/{batch.pk}/?lan=2", data).status_code == 302
    blocked = clerk.post(f"/paper/{batch.pk}/commit/", follow=True)
    assert "1 phiếu hai lần nhập khác nhau" in blocked.content.decode()
    assert Response.objects.count() == 0
    page = clerk.get(f"/paper/{batch.pk}/compare/")
    (mismatch,) = page.context["mismatches"]
    assert mismatch.serial == "S-1"
    assert [(d.field, d.first, d.second) for d in mismatch.differences] == [("G", 4, 2)]
    clerk.post(f"/paper/{batch.pk}/compare/", {"serial": "S-1", "f:G": "2"})
    assert clerk.get(f"/paper/{batch.pk}/compare/").context["mismatches"] == []
    clerk.post(f"/paper/{batch.pk}/commit/")
    assert Response.objects.count() == 3
    resolved = Response.objects.get(id=paper.response_id(batch, "S-1"))
    assert resolved.answers.get(item_code="G").value == 2


def test_the_second_entry_must_be_keyed_by_someone_else(clerk, agencies, exit_version):
    batch = _batch(agencies, exit_version, double=True)
    clerk.post(f"/paper/{batch.pk}/", keys("S-1"))
    same = clerk.post(f"/paper/{batch.pk}/?lan=2", keys("S-1"))
    assert "serial" in same.context["form"].errors
    assert PaperEntry.objects.count() == 1


def test_a_serial_keyed_only_once_blocks_a_double_entry_batch(
    clerk, agencies, exit_version
):
    batch = _batch(agencies, exit_version, double=True)
    clerk.post(f"/paper/{batch.pk}/", keys("S-1"))
    clerk.post(f"/paper/{batch.pk}/commit/")
    assert Response.objects.count() == 0
    assert "S-1" in clerk.get(f"/paper/{batch.pk}/compare/").content.decode()


def test_the_printed_form_is_an_a4_pdf_with_serials_and_the_agency_qr(
    clerk, agencies, exit_version
):
    response = clerk.get(
        "/paper/print/",
        {
            "print-agency": "TTHCC-X12133",
            "print-version": exit_version.pk,
            "print-first": "41",
            "print-count": "3",
        },
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for serial in ("TTHCC-X12133-000041", "TTHCC-X12133-000043"):
        assert serial in text
    assert "Rất hài lòng" in text
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(width), round(height)) == (595, 842)  # A4 in points


def test_hh_1001_prints_too(agencies, exit_version):
    from surveys.models import QuestionnaireVersion

    version = QuestionnaireVersion.objects.get(questionnaire__code="hh-1001")
    body = paper.paper_pdf(version, agencies["UBND-X12133"], ["UBND-X12133-000001"])
    assert body.startswith(b"%PDF") and len(body) > 5000


def test_batches_of_other_places_are_not_found_and_viewers_key_nothing(
    agencies, exit_version, other_analyst, national_viewer
):
    batch = _batch(agencies, exit_version)
    outsider = Client()
    outsider.force_login(other_analyst)
    for url in (f"/paper/{batch.pk}/", f"/paper/{batch.pk}/compare/"):
        assert outsider.get(url).status_code == 404
    assert outsider.post(f"/paper/{batch.pk}/", keys("S-1")).status_code == 404
    assert outsider.post(f"/paper/{batch.pk}/commit/").status_code == 404
    refused = outsider.post(
        "/paper/",
        {
            "batch-agency": "TTHCC-X12133",
            "batch-version": exit_version.pk,
            "batch-label": "x",
        },
    )
    assert "batch-agency" in refused.content.decode() or refused.status_code == 200
    viewer = Client()
    viewer.force_login(national_viewer)
    assert viewer.get(f"/paper/{batch.pk}/").status_code == 403
    assert PaperEntry.objects.count() == 0 and PaperBatch.objects.count() == 1
