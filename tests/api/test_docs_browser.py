"""The API documentation page renders in a real browser from our own assets
(no CDN, no CSP violation) and its screenshot goes into the README."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings

SHOTS = Path(django_settings.BASE_DIR) / "docs" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_documentation_page_renders_the_schema(browser, live_server):
    context = browser.new_context(
        viewport={"width": 1366, "height": 900}, locale="vi-VN"
    )
    page = context.new_page()
    problems, outside = [], []
    page.on(
        "console",
        lambda m: problems.append(m.text) if m.type == "error" else None,
    )
    # ReDoc's footer refers to its logo on a CDN; the page's CSP (img-src 'self')
    # stops it, so nothing outside this site may ever be fetched.
    page.on(
        "requestfinished",
        lambda r: (
            outside.append(r.url)
            if not r.url.startswith((live_server.url, "data:", "blob:"))
            else None
        ),
    )
    page.goto(f"{live_server.url}/api/docs/")
    page.locator("h2", has_text="Invite the citizen of one returned dossier").wait_for(
        timeout=20_000
    )
    assert page.locator("h1", has_text="SIPAS API").is_visible()
    assert outside == []
    blocked = [
        p for p in problems if "Content Security Policy" in p and "logo-mini" not in p
    ]
    assert blocked == [], problems
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "api-docs.png"))
    context.close()
