"""Security headers on every response; kiosk pages alone may be framed (same origin)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from sipas.middleware import SecurityHeadersMiddleware, kiosk_frame_allowed


def _directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in policy.split(";")
        if part.strip()
    }


def test_every_page_carries_a_content_security_policy_without_inline_script(client):
    response = client.get("/healthz")
    directives = _directives(response)
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


def test_pages_forbid_sniffing_framing_and_cross_site_referrers(client):
    response = client.get("/healthz")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
def test_https_responses_carry_strict_transport_security(client):
    response = client.get("/healthz", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_production_defaults_turn_on_hsts_and_secure_cookies():
    # The test run has DEBUG off, like production: these are the shipped defaults.
    assert settings.DEBUG is False
    assert settings.SECURE_HSTS_SECONDS >= 31536000
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE


def test_a_kiosk_view_may_be_framed_by_the_portal_itself_only():
    view = kiosk_frame_allowed(lambda request: HttpResponse("kiosk"))
    middleware = SecurityHeadersMiddleware(view)
    response = middleware(RequestFactory().get("/s/X/?kiosk=1"))
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert _directives(response)["frame-ancestors"] == "'self'"


def test_an_ordinary_view_through_the_same_middleware_stays_unframeable():
    middleware = SecurityHeadersMiddleware(lambda request: HttpResponse("page"))
    response = middleware(RequestFactory().get("/"))
    assert _directives(response)["frame-ancestors"] == "'none'"


# <script> with code in it, or on…= handler attributes, would be blocked by the CSP.
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>")
_HANDLER_ATTRIBUTE = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)
_JS_URL = re.compile(r"href\s*=\s*[\"']\s*javascript:", re.IGNORECASE)


def _project_templates() -> list[Path]:
    base = Path(settings.BASE_DIR)
    found = list((base / "templates").rglob("*.html"))
    for app_dir in base.iterdir():
        if (app_dir / "templates").is_dir() and app_dir.name != ".venv":
            found += list((app_dir / "templates").rglob("*.html"))
    return found


def test_no_template_of_the_portal_has_inline_script_the_policy_would_block():
    offenders = []
    for path in _project_templates():
        text = path.read_text(encoding="utf-8")
        for pattern in (_INLINE_SCRIPT, _HANDLER_ATTRIBUTE, _JS_URL):
            for match in pattern.finditer(text):
                offenders.append(f"{path.relative_to(settings.BASE_DIR)}: {match[0]}")
    assert offenders == []


@pytest.mark.parametrize("url", ["/dashboard/?agency=%00", "/s/X%00Y/", "/?q=a%00b"])
def test_a_nul_character_in_the_url_is_a_bad_request(client, db, url):
    # PostgreSQL cannot compare text holding NUL: refuse it before any query.
    assert client.get(url).status_code == 400


@pytest.mark.django_db
def test_a_nul_character_in_a_posted_form_is_a_bad_request(client):
    response = client.post(
        "/accounts/login/",
        "username=a%00b&password=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
