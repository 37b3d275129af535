"""Every API error is JSON: {"errors": [{"code", "field", "message"}, …]}.

`field` names the input at fault with a dotted path (`invitations.3.dossier_code`),
or is null for errors about the request as a whole. Errors are returned as plain
JSON responses, whatever the operation would otherwise render (a QR image).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, parsers


def error_body(errors: list[dict]) -> dict:
    return {"errors": errors}


def error(code: str, message: str, field: str | None = None) -> dict:
    return {"code": code, "field": field, "message": str(message)}


def _flatten(detail, path: str | None, default_code: str) -> list[dict]:
    if isinstance(detail, dict):
        found = []
        for key, value in detail.items():
            name = None if key in ("non_field_errors", "detail") else str(key)
            found += _flatten(
                value, f"{path}.{name}" if path and name else name or path, default_code
            )
        return found
    if isinstance(detail, list):
        if detail and all(isinstance(d, (dict, list)) for d in detail):
            found = []
            for index, value in enumerate(detail):
                if value:
                    found += _flatten(
                        value, f"{path}.{index}" if path else str(index), default_code
                    )
            return found
        found = []
        for value in detail:
            found += _flatten(value, path, default_code)
        return found
    code = getattr(detail, "code", None) or default_code
    return [error(str(code), str(detail), path)]


def exception_handler(exc: Exception, context: dict) -> JsonResponse | None:
    """DRF's exception handler, answering in the one error format."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Không tìm thấy."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a real fault: logged and answered 500 by Django
    default_code = exc.default_code if hasattr(exc, "default_code") else "error"
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail, None, "invalid")
    else:
        errors = [
            error(str(getattr(exc.detail, "code", default_code)), str(exc.detail))
        ]
    response = JsonResponse(error_body(errors), status=exc.status_code)
    if getattr(exc, "auth_header", None):
        response["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        response["Retry-After"] = str(int(exc.wait))
    return response


@csrf_exempt
def not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Unknown URLs under /api/ answer JSON too."""
    return JsonResponse(
        error_body([error("not_found", _("Không có địa chỉ này trong API."))]),
        status=404,
    )


class JSONParser(parsers.JSONParser):
    """JSON bodies, refusing the NUL character (which PostgreSQL cannot store)
    with a 400 instead of failing later."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if _holds_nul(data):
            raise exceptions.ParseError(
                _("Dữ liệu không được chứa ký tự NUL."), code="nul_character"
            )
        return data


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False
