"""The question pages in Chromium (issue #17): the exit survey completed on a phone
(375 x 812) and measured in screens and taps against the one-page form, without
JavaScript, with the browser's back button, on a laptop; axe-core on every page.

Screens: how far each page is scrolled to reach its button ("Tiếp tục", "Gửi
đánh giá"), in viewport heights, summed over the pages (a page that fits counts
one). Taps: every click or choice, including "Tiếp tục" and a native select
(open + choose = 2).
The figures are printed (`pytest -s`) and written to docs/survey-measure.json;
README's citizen section quotes them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache

from surveys.models import Response
from tests.surveys.test_browser import COUNTER, PHONE, answer, axe_violations, shot

LAPTOP = {"width": 1366, "height": 768}
MEASURE = Path(django_settings.BASE_DIR) / "docs" / "survey-measure.json"
# Reading and tapping pace for the time estimate: 180 words a minute for short
# Vietnamese sentences on a phone, 1.5 s a tap (choosing, not just touching); a
# model, not a stopwatch (docs/survey-measure.json says which).
WORDS_PER_MINUTE = 180
SECONDS_PER_TAP = 1.5

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _context(browser, live_server, viewport, **options):
    context = browser.new_context(
        viewport=viewport,
        locale="vi-VN",
        base_url=live_server.url,
        device_scale_factor=1,
        **options,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


@pytest.fixture
def phone(browser, live_server, settings):
    settings.SURVEY_MIN_FILL_SECONDS = 0
    context, page = _context(browser, live_server, PHONE)
    yield page
    context.close()


@pytest.fixture
def phone_without_js(browser, live_server, settings):
    settings.SURVEY_MIN_FILL_SECONDS = 0
    context, page = _context(browser, live_server, PHONE, java_script_enabled=False)
    yield page
    context.close()


@pytest.fixture
def laptop(browser, live_server, settings):
    settings.SURVEY_MIN_FILL_SECONDS = 0
    context, page = _context(browser, live_server, LAPTOP)
    yield page
    context.close()


def screens(page, button: str) -> float:
    """Screens scrolled to reach the page's button (the footer below it unread)."""
    box = page.get_by_role("button", name=button).bounding_box()
    bottom = box["y"] + box["height"] + page.evaluate("window.scrollY") + 16
    return max(1.0, bottom / page.viewport_size["height"])


def words(page) -> int:
    """Words a citizen reads on a page: headings, questions and field labels (the
    answer scale is read once per survey, added by the caller)."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll(
              'main h1, main legend, main label:not(.choice), main .preamble'))
            .map(e => e.innerText.split(/\\s+/).filter(Boolean).length)
            .reduce((a, b) => a + b, 0)"""
    )


def complete(page, one_page: bool) -> dict:
    """Answer every question of the exit survey (procedure, 20 items, one comment
    word, no "about you"), counting screens, taps and words read."""
    # The five answers of the satisfaction scale, read once.
    seen = {"pages": 0, "screens": 0.0, "taps": 0, "words": 11, "radios": 0}

    def look() -> None:
        seen["pages"] += 1
        last = page.get_by_role("button", name="Gửi đánh giá").count()
        seen["screens"] += screens(page, "Gửi đánh giá" if last else "Tiếp tục")
        seen["words"] += words(page)
        seen["radios"] += page.locator("input[type=radio]").count()

    def fill_in_view() -> None:
        if page.locator("#id_procedure").count():
            page.select_option("#id_procedure", label="Đăng ký kết hôn")
            seen["taps"] += 2
        for fieldset in page.locator("fieldset[data-item]").all():
            fieldset.get_by_text("Hài lòng", exact=True).click()
            seen["taps"] += 1

    page.goto(COUNTER)
    if one_page:
        look()
        fill_in_view()
        page.get_by_role("button", name="Gửi đánh giá").click()
        seen["taps"] += 1
        page.wait_for_url("**/cam-on/")
        return seen
    while True:
        look()
        assert axe_violations(page) == [], page.url
        shot(page, f"survey-step-{seen['pages']}.png")
        fill_in_view()
        send = page.get_by_role("button", name="Gửi đánh giá")
        if send.count():
            send.click()
            seen["taps"] += 1
            page.wait_for_url("**/cam-on/")
            return seen
        page.get_by_role("button", name="Tiếp tục").click()
        seen["taps"] += 1
        page.wait_for_load_state()


def minutes(seen: dict) -> float:
    return seen["words"] / WORDS_PER_MINUTE + seen["taps"] * SECONDS_PER_TAP / 60


def test_the_exit_survey_is_completed_on_a_phone_in_fewer_screens(
    phone, counter, settings
):
    # The first screen shows the question, whole, with its five answers.
    phone.goto(COUNTER)
    last_choice = phone.locator("fieldset:has(input[name='G']) .choice").last
    assert last_choice.bounding_box()["y"] + 44 <= PHONE["height"]
    assert phone.locator("input[name='E1.1']").count() == 0
    words_first = words(phone)

    pages = complete(phone, one_page=False)
    response = Response.objects.get()
    assert response.answers.count() == 20
    assert response.procedure.code == "1.000894"

    settings.SURVEY_QUESTION_PAGES = False
    cache.clear()  # the first page as kept by surveys.pagecache
    phone.context.clear_cookies()
    one_page = complete(phone, one_page=True)
    assert Response.objects.count() == 2

    figures = {
        "viewport": "375x812",
        "question_pages": {**pages, "screens": round(pages["screens"], 1)},
        "one_page_form": {**one_page, "screens": round(one_page["screens"], 1)},
    }
    for kind in ("question_pages", "one_page_form"):
        figures[kind]["estimated_minutes"] = round(minutes(figures[kind]), 1)
    MEASURE.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(figures, ensure_ascii=False))
    assert pages["screens"] < one_page["screens"]
    assert pages["radios"] == one_page["radios"]  # the same questions asked
    # What posters and the start page promise: the first question is enough,
    # every question takes about four minutes.
    assert minutes(pages) <= 4.5
    quick = {"words": 11 + words_first, "taps": 2}
    assert minutes(quick) < 0.5


def test_the_question_pages_work_without_javascript(phone_without_js, counter):
    page = phone_without_js
    page.goto(COUNTER)
    answer(page, "G", "Rất hài lòng")
    page.get_by_role("button", name="Tiếp tục").click()
    page.wait_for_url("**?buoc=2")
    answer(page, "channel", "Trực tuyến")
    page.get_by_role("button", name="Quay lại").click()
    page.wait_for_url("**?buoc=1")
    assert page.locator("input[name='G'][value='5']").is_checked()
    page.get_by_role("button", name="Tiếp tục").click()
    assert page.locator("input[name='channel'][value='truc_tuyen']").is_checked()
    page.get_by_role("button", name="Gửi ngay với các câu đã trả lời").click()
    page.wait_for_url("**/cam-on/")
    response = Response.objects.get()
    assert response.channel == "truc_tuyen"
    assert dict(response.answers.values_list("item_code", "value")) == {"G": 5}


def test_the_browser_back_button_keeps_the_answers(phone, counter):
    phone.goto(COUNTER)
    answer(phone, "G", "Không hài lòng")
    phone.get_by_role("button", name="Tiếp tục").click()
    phone.wait_for_url("**?buoc=2")
    phone.get_by_role("button", name="Tiếp tục").click()
    phone.wait_for_url("**?buoc=3")
    answer(phone, "E1.1", "Bình thường")
    phone.get_by_role("button", name="Tiếp tục").click()
    phone.wait_for_url("**?buoc=4")
    phone.go_back()
    phone.wait_for_url("**?buoc=3")
    assert phone.locator("input[name='E1.1'][value='3']").is_checked()
    phone.go_back()
    phone.go_back()
    assert phone.locator("input[name='G'][value='2']").is_checked()
    assert Response.objects.count() == 0


def test_a_double_tap_on_send_stores_one_response(phone, counter):
    phone.goto(COUNTER)
    answer(phone, "G", "Hài lòng")
    # form.submit() skips the page's double-tap guard: two real POSTs leave.
    with phone.expect_navigation(url="**/cam-on/"):
        phone.evaluate(
            "() => { const f = document.getElementById('survey');"
            " const b = document.querySelector('[data-send-now]');"
            " f.requestSubmit(b); f.requestSubmit(b); }"
        )
    assert Response.objects.count() == 1


def test_a_quick_answer_on_a_laptop_in_english(laptop, counter):
    laptop.goto(COUNTER)
    laptop.get_by_role("button", name="English").click()
    laptop.wait_for_load_state()
    assert "Overall" in laptop.locator("h1").inner_text()
    answer(laptop, "G", "Very satisfied")
    shot(laptop, "survey-step-laptop-en.png")
    assert axe_violations(laptop) == []
    laptop.get_by_role("button", name="Send now with the answers given").click()
    laptop.wait_for_url("**/cam-on/")
    assert Response.objects.get().answers.get().value == 5


def test_the_household_form_as_question_pages_is_accessible(phone, counter):
    phone.goto(COUNTER + "?q=hh-1001")
    assert phone.locator("input[name='P1.1']").count() == 5
    assert axe_violations(phone) == []
    for _ in range(30):
        if phone.get_by_role("button", name="Gửi đánh giá").count():
            break
        phone.get_by_role("button", name="Tiếp tục").click()
        phone.wait_for_load_state()
        if phone.locator("input[name='channel']").count():
            assert "không bắt buộc" in phone.locator("legend").first.inner_text()
            assert axe_violations(phone) == []
    assert phone.locator("details.about").count() == 1
    assert axe_violations(phone) == []
