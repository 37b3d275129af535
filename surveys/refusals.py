"""Refusal pages of the survey form: a POST that is not read (too big, not UTF-8,
not a web form, files attached), a rate limit, a tampered form."""

from __future__ import annotations

from urllib.parse import parse_qsl

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

MAX_BODY_BYTES = 64 * 1024  # a full hh-1001 form with a 4,000-character comment < 40 KB


def refuse(request: HttpRequest) -> HttpResponse | None:
    """A 400 page for a POST we will not read, else None."""
    content_type = request.content_type or ""
    if content_type == "application/x-www-form-urlencoded":
        # Django parsed this body from request.body, which it keeps.
        if len(request.body) > MAX_BODY_BYTES:
            return bad_request(request, _("Biểu mẫu gửi lên quá lớn."))
        try:
            # Django replaces undecodable bytes silently; a real browser never
            # sends them, so decode once more, strictly.
            parse_qsl(request.body.decode("ascii"), encoding="utf-8", errors="strict")
        except (UnicodeDecodeError, ValueError):
            return bad_request(request, _not_utf8())
    elif content_type == "multipart/form-data":
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES:
            return bad_request(request, _("Biểu mẫu gửi lên quá lớn."))
        if request.FILES:
            return bad_request(request, _("Phiếu khảo sát không nhận tệp đính kèm."))
        if any(
            "\ufffd" in value
            for _key, values in request.POST.lists()
            for value in values
        ):
            return bad_request(request, _not_utf8())
    else:
        return bad_request(
            request, _("Biểu mẫu phải được gửi như một biểu mẫu web thường.")
        )
    return None


def rate_limited(request: HttpRequest) -> HttpResponse:
    response = render(request, "surveys/rate_limited.html", status=429)
    response["Retry-After"] = str(settings.SURVEY_RATE_WINDOW_SECONDS)
    return response


def _not_utf8() -> str:
    return _("Biểu mẫu có ký tự không đọc được (không phải UTF-8).")


def bad_request(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "surveys/bad_request.html", {"message": message}, status=400)
