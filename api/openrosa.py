"""OpenRosa: ODK Collect and Enketo fetch the forms from the portal and submit
straight to it.

ODK Collect cannot send a bearer token, so, as ODK Central does for its app
users, the token is part of the server URL: `/openrosa/<token>/`. A token with
the `can_submit` permission sees every published questionnaire version in its
form list and may submit for the agencies of its subtree. Submissions go
through `api.odk.import_rows` — the same mapping, validation and write path as
an imported export — and are idempotent by instance id (a resent submission is
answered 202 and stored once).
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from email.utils import formatdate
from xml.sax.saxutils import escape

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from api import odk, tokens, xlsform
from api.models import ApiToken
from surveys.models import QuestionnaireVersion

MAX_SUBMISSION_BYTES = 1_000_000
_xforms: dict[int, str] = {}


def xform(version: QuestionnaireVersion) -> str:
    """The XForm of a published version (immutable, so converted once)."""
    if version.pk not in _xforms:
        from pyxform.xls2xform import convert

        _xforms[version.pk] = convert(xlsform=xlsform.xlsform_workbook(version)).xform
    return _xforms[version.pk]


def _published() -> list[QuestionnaireVersion]:
    return list(
        QuestionnaireVersion.objects.filter(published_at__isnull=False)
        .select_related("questionnaire")
        .prefetch_related("items")
        .order_by("questionnaire__code", "number")
    )


def _openrosa(
    body: str, status: int = 200, content_type: str = "text/xml"
) -> HttpResponse:
    response = HttpResponse(
        body, status=status, content_type=f"{content_type}; charset=utf-8"
    )
    response["X-OpenRosa-Version"] = "1.0"
    response["Date"] = formatdate(usegmt=True)
    return response


def _message(text: str, status: int) -> HttpResponse:
    nature = "submit_success" if status < 300 else "error"
    body = (
        '<OpenRosaResponse xmlns="http://openrosa.org/http/response">'
        f'<message nature="{nature}">{escape(text)}</message></OpenRosaResponse>'
    )
    return _openrosa(body, status)


def _token(raw: str) -> ApiToken | None:
    token = tokens.find_token(raw)
    if token is None or token.is_revoked or token.is_expired or not token.can_submit:
        return None
    tokens.touch(token)
    return token


@require_GET
def form_list(request: HttpRequest, key: str) -> HttpResponse:
    """The OpenRosa form list: every published questionnaire version."""
    if _token(key) is None:
        return _message("Unknown or revoked token.", 401)
    entries = []
    for version in _published():
        document = xform(version)
        url = request.build_absolute_uri(
            reverse(
                "openrosa:form",
                kwargs={"key": key, "form_id": xlsform.form_id(version)},
            )
        )
        digest = hashlib.md5(document.encode(), usedforsecurity=False).hexdigest()
        entries.append(
            "<xform>"
            f"<formID>{xlsform.form_id(version)}</formID>"
            f"<name>{escape(version.title)}</name>"
            f"<version>{version.number}</version>"
            f"<hash>md5:{digest}</hash>"
            f"<downloadUrl>{escape(url)}</downloadUrl>"
            "</xform>"
        )
    body = '<xforms xmlns="http://openrosa.org/xforms/xformsList">' + "".join(entries)
    return _openrosa(body + "</xforms>")


@require_GET
def form(request: HttpRequest, key: str, form_id: str) -> HttpResponse:
    if _token(key) is None:
        return _message("Unknown or revoked token.", 401)
    for version in _published():
        if xlsform.form_id(version) == form_id:
            return _openrosa(xform(version))
    return _message("No such form.", 404)


def _leaves(element: ET.Element, path: str = "") -> list[tuple[str, str]]:
    found = []
    for child in element:
        name = child.tag.split("}")[-1]
        where = f"{path}/{name}" if path else name
        if len(child):
            found += _leaves(child, where)
        else:
            found.append((where, (child.text or "").strip()))
    return found


@csrf_exempt
@require_http_methods(["HEAD", "POST"])
def submission(request: HttpRequest, key: str) -> HttpResponse:
    """Receive one filled form (multipart, `xml_submission_file`)."""
    token = _token(key)
    if token is None:
        return _message("Unknown or revoked token.", 401)
    if request.method == "HEAD":
        response = _openrosa("", 204)
        response["X-OpenRosa-Accept-Content-Length"] = str(MAX_SUBMISSION_BYTES)
        return response
    upload = request.FILES.get("xml_submission_file")
    if upload is None or upload.size > MAX_SUBMISSION_BYTES:
        return _message("Send the form as xml_submission_file (at most 1 MB).", 400)
    try:
        root = ET.fromstring(upload.read())
    except ET.ParseError as exc:
        return _message(f"Not a well-formed XML instance: {exc}", 400)
    form_id = root.get("id", "")
    version = next((v for v in _published() if xlsform.form_id(v) == form_id), None)
    if version is None:
        return _message(f"Unknown form {form_id!r}.", 404)
    leaves = [(name, value) for name, value in _leaves(root) if name != "start"]
    header = [name for name, _value in leaves]
    agencies = set(token.agencies().values_list("pk", flat=True))
    try:
        report = odk.import_rows(
            "submission",
            header,
            [(2, [value for _name, value in leaves])],
            version=version,
            allowed_agencies=agencies,
        )
    except odk.OdkImportError as exc:
        text = str(exc).removeprefix("submission: row 2, ")
        status = 409 if "already stored" in text else 400
        return _message(text, status)
    if report.skipped:
        return _message("This form was already received.", 202)
    return _message("Thank you: the form was received.", 201)
