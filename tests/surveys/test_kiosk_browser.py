"""The kiosk in Chromium (issue #17): a started form is never wiped without asking
"Ông/Bà còn tiếp tục không?" with a countdown; a started form waits longer than an
untouched one; a tablet (1280 x 800) gets larger type than a phone."""

from __future__ import annotations

import pytest

from surveys import pages
from surveys.models import Response
from tests.surveys.test_browser import KIOSK, PHONE, answer, axe_violations, shot

TABLET = {"width": 1280, "height": 800}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tablet(browser, live_server, settings):
    settings.SURVEY_MIN_FILL_SECONDS = 0
    context = browser.new_context(
        viewport=TABLET, locale="vi-VN", base_url=live_server.url, device_scale_factor=1
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _poll(page, check, seconds: float) -> bool:
    """Poll `check()` from here (the page's CSP forbids eval in wait_for_function)."""
    for _ in range(int(seconds * 10)):
        try:
            if check():
                return True
        except Exception:  # the page is being replaced
            pass
        page.wait_for_timeout(100)
    return False


def test_a_started_kiosk_form_asks_before_it_is_wiped(tablet, kiosk_point, monkeypatch):
    monkeypatch.setattr(pages, "KIOSK_COUNTDOWN_SECONDS", 3, raising=False)
    kiosk_point.kiosk_idle_seconds = 1
    kiosk_point.save(update_fields=["kiosk_idle_seconds"])
    tablet.goto(KIOSK)
    dialog = tablet.get_by_role("alertdialog", name="Ông/Bà còn tiếp tục không?")
    answer(tablet, "E1.1", "Không hài lòng")
    tablet.fill("#id_comment", "Đang viết dở")

    # Once answers exist, the idle time is longer than the untouched form's.
    tablet.wait_for_timeout(1800)
    assert not dialog.is_visible()
    assert tablet.locator("input:checked[name='E1.1']").count() == 1

    assert _poll(tablet, dialog.is_visible, 6)
    assert "giây" in dialog.inner_text()
    shot(tablet, "survey-kiosk-still-there.png")
    assert axe_violations(tablet) == []
    dialog.get_by_role("button", name="Tiếp tục trả lời").click()
    assert not dialog.is_visible()
    assert tablet.locator("input:checked[name='E1.1']").count() == 1
    assert tablet.input_value("#id_comment") == "Đang viết dở"

    # Nobody answers the question: the countdown ends in a fresh form.
    assert _poll(tablet, dialog.is_visible, 6)
    assert _poll(
        tablet, lambda: tablet.locator("input:checked[name='E1.1']").count() == 0, 8
    )
    tablet.wait_for_load_state()
    assert tablet.input_value("#id_comment") == ""
    assert Response.objects.count() == 0


def test_an_untouched_kiosk_form_is_never_interrupted(tablet, kiosk_point):
    kiosk_point.kiosk_idle_seconds = 1
    kiosk_point.save(update_fields=["kiosk_idle_seconds"])
    tablet.goto(KIOSK)
    tablet.wait_for_timeout(2500)
    assert not tablet.get_by_role("alertdialog").is_visible()


def test_the_kiosk_on_a_tablet_has_larger_type_than_on_a_phone(
    tablet, browser, live_server, kiosk_point
):
    def sizes(page) -> tuple[float, float]:
        return page.evaluate(
            "() => [document.querySelector('fieldset.q legend'),"
            " document.querySelector('.choice')].map("
            "e => parseFloat(getComputedStyle(e).fontSize))"
        )

    tablet.goto(KIOSK)
    legend, choice = sizes(tablet)
    assert legend >= 24 and choice >= 22  # read standing, at arm's length
    assert tablet.evaluate("document.documentElement.scrollWidth <= innerWidth")
    shot(tablet, "survey-kiosk-tablet.png")
    assert axe_violations(tablet) == []

    phone = browser.new_context(viewport=PHONE, base_url=live_server.url).new_page()
    phone.goto(KIOSK)
    assert sizes(phone)[1] < choice
    phone.context.close()
