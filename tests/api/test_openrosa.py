"""OpenRosa: ODK Collect / Enketo list the forms, download them and submit
straight to the portal, through the same write path as imports."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from api import odk, openrosa
from surveys.models import QuestionnaireVersion, Response
from tests.api.conftest import make_token

NS = {"x": "http://openrosa.org/xforms/xformsList"}


@pytest.fixture
def collector(agencies, exit_version):
    """The key of a commune's ODK Collect (a token that may submit)."""
    QuestionnaireVersion.objects.filter(questionnaire__code="hh-1001")  # loaded
    _token, raw = make_token(agencies["UBND-X12133"], can_submit=True)
    return raw


def _instance(version, *, agency="TTHCC-X12133", instance=None, **values) -> bytes:
    """A filled instance as ODK Collect sends it (the XForm's own template)."""
    document = openrosa.xform(version)
    template = re.search(r"<instance>\s*(<data .*?</data>)", document, re.S)[1]
    root = ET.fromstring(template)
    defaults = {
        "start": "2026-07-03T09:20:00.000+07:00",
        "end": "2026-07-03T09:26:00.000+07:00",
        "agency": agency,
        "channel": "truc_tiep",
        "E1.1": "4",
        "G": "5",
        "comment": "Nhanh gọn",
        "instanceID": instance or f"uuid:{uuid.uuid4()}",
    }
    defaults.update(values)
    for element in root.iter():
        if element.tag in defaults:
            element.text = defaults[element.tag]
    return ET.tostring(root, encoding="utf-8")


def _submit(key: str, body: bytes):
    upload = SimpleUploadedFile("submission.xml", body, content_type="text/xml")
    return Client().post(
        f"/openrosa/{key}/submission",
        {"xml_submission_file": upload},
        HTTP_X_OPENROSA_VERSION="1.0",
    )


def test_the_form_list_offers_every_published_version(collector, exit_version):
    response = Client().get(f"/openrosa/{collector}/formList")
    assert response.status_code == 200
    assert response["X-OpenRosa-Version"] == "1.0"
    forms = ET.fromstring(response.content).findall("x:xform", NS)
    ids = [f.find("x:formID", NS).text for f in forms]
    assert "sipas_exit_dv_v1" in ids and "sipas_hh_1001_v1" in ids
    url = forms[ids.index("sipas_exit_dv_v1")].find("x:downloadUrl", NS).text
    download = Client().get(url)
    assert download.status_code == 200
    assert download.content.decode() == openrosa.xform(exit_version)


def test_a_submission_is_stored_once(collector, exit_version):
    head = Client().head(f"/openrosa/{collector}/submission")
    assert head.status_code == 204
    assert int(head["X-OpenRosa-Accept-Content-Length"]) > 0
    body = _instance(exit_version, instance="uuid:5e1a6c1e-0000-4000-8000-000000000001")
    first = _submit(collector, body)
    assert first.status_code == 201, first.content
    stored = Response.objects.get()
    assert stored.agency.code == "TTHCC-X12133"
    assert stored.id == odk.response_id("uuid:5e1a6c1e-0000-4000-8000-000000000001")
    assert {a.item_code: a.value for a in stored.answers.all()} == {"E1.1": 4, "G": 5}
    assert stored.comment == "Nhanh gọn"
    again = _submit(collector, body)
    assert again.status_code == 202
    assert Response.objects.count() == 1
    changed = _instance(
        exit_version, instance="uuid:5e1a6c1e-0000-4000-8000-000000000001", G="1"
    )
    assert _submit(collector, changed).status_code == 409


@pytest.mark.parametrize(
    "values, status, text",
    [
        ({"E1.1": "9"}, 400, "E1.1"),
        ({"agency": "SNV-T33"}, 400, "agency"),  # a sibling, outside the subtree
        ({"agency": "SNV-T01"}, 400, "agency"),  # another province
        ({"channel": "fax"}, 400, "channel"),
    ],
)
def test_a_bad_submission_is_refused_with_its_field(
    collector, exit_version, values, status, text
):
    response = _submit(collector, _instance(exit_version, **values))
    assert response.status_code == status
    assert text in response.content.decode()
    assert Response.objects.count() == 0


def test_keys_that_may_not_submit_get_nothing(agencies, exit_version):
    _token, reader = make_token(agencies["UBND-T33"])  # no can_submit
    for key in (reader, "sipas_khong-co", "x"):
        assert Client().get(f"/openrosa/{key}/formList").status_code == 401
        assert _submit(key, _instance(exit_version)).status_code == 401
    assert Response.objects.count() == 0


def test_malformed_uploads_are_refused(collector):
    assert _submit(collector, b"<data").status_code == 400
    assert _submit(collector, b'<data id="khong-co"/>').status_code == 404
    no_file = Client().post(f"/openrosa/{collector}/submission", {})
    assert no_file.status_code == 400
    # Entity expansion ("billion laughs") is stopped by expat, not expanded.
    laughs = '<!DOCTYPE d [<!ENTITY a "ha">' + "".join(
        f'<!ENTITY {chr(98 + k)} "{("&" + chr(97 + k) + ";") * 10}">' for k in range(9)
    )
    bomb = (
        laughs + ']><data id="sipas_exit_dv_v1"><comment>&j;</comment></data>'
    ).encode()
    assert _submit(collector, bomb).status_code == 400
