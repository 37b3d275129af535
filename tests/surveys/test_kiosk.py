"""Kiosk mode on the server side: no caching, language reset, refresh without JS."""

from __future__ import annotations

from django.conf import settings

from surveys.models import Response
from tests.surveys.conftest import filled_form

KIOSK = "/s/TTHCC-T33-KIOSK/"


def test_a_kiosk_point_is_in_kiosk_mode_without_a_parameter(citizen, kiosk_point):
    page = citizen.get(KIOSK)
    html = page.content.decode()
    assert 'data-kiosk="1"' in html and 'data-idle="60"' in html
    assert page["Cache-Control"] == "no-store"
    assert 'autocomplete="off"' in html


def test_kiosk_1_turns_any_survey_into_kiosk_mode(citizen, counter):
    html = citizen.get("/s/TTHCC-T33-Q1/?kiosk=1").content.decode()
    assert 'data-kiosk="1"' in html


def test_a_kiosk_response_is_stored_as_kiosk_and_thanks_returns_to_the_start(
    citizen, kiosk_point
):
    sent = citizen.post(KIOSK, filled_form(citizen, KIOSK))
    assert sent["Location"] == f"{KIOSK}cam-on/?kiosk=1"
    assert Response.objects.get().source == "kiosk"
    thanks = citizen.get(sent["Location"])
    html = thanks.content.decode()
    assert thanks["Cache-Control"] == "no-store"
    # Without JavaScript the page still goes back to the start after 5 seconds.
    assert '<noscript><meta http-equiv="refresh" content="5;url=' in html
    assert "reset=1" in html


def test_the_reset_link_restores_vietnamese_and_a_fresh_form(citizen, kiosk_point):
    citizen.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    reset = citizen.get(KIOSK + "?kiosk=1&reset=1")
    assert reset.status_code == 302
    assert reset["Location"] == KIOSK + "?kiosk=1"
    assert reset.cookies[settings.LANGUAGE_COOKIE_NAME].value == "vi"
    assert '<html lang="vi">' in citizen.get(reset["Location"]).content.decode()
