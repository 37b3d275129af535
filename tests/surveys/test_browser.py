"""The citizen survey in Debian's Chromium on a phone-sized screen (375 x 812).

Each test drives the real pages through the live server; screenshots of the steps
go to docs/screenshots/. axe-core (vendored under static/vendor/axe-core) checks
every citizen page for serious or critical WCAG 2.1 AA violations.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings

from surveys.models import Response

PlaywrightError = pytest.importorskip("playwright.sync_api").Error

PHONE = {"width": 375, "height": 812}
SHOTS = Path(django_settings.BASE_DIR) / "docs" / "screenshots"
COUNTER = "/s/TTHCC-T33-Q1/"
KIOSK = "/s/TTHCC-T33-KIOSK/"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def one_page_form(settings):
    """These tests drive the one-page form (kiosks; SURVEY_QUESTION_PAGES off).
    The question pages: tests/surveys/test_question_pages_browser.py."""
    settings.SURVEY_QUESTION_PAGES = False


@pytest.fixture
def phone(browser, live_server, settings):
    """A phone's browser in Vietnamese, pointed at the live server."""
    settings.SURVEY_MIN_FILL_SECONDS = 0
    context = browser.new_context(
        viewport=PHONE, locale="vi-VN", base_url=live_server.url, device_scale_factor=1
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def phone_without_js(browser, live_server, settings):
    settings.SURVEY_MIN_FILL_SECONDS = 0
    context = browser.new_context(
        viewport=PHONE,
        locale="vi-VN",
        base_url=live_server.url,
        java_script_enabled=False,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def shot(page, name: str, full_page: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    # A click that submits a form may still be loading the next page: Chromium
    # then refuses the capture ("Unable to capture screenshot").
    page.wait_for_load_state("load")
    page.screenshot(path=str(SHOTS / name), full_page=full_page)


def axe_violations(page) -> list[dict]:
    """Serious and critical axe-core violations (WCAG 2.0/2.1 A and AA rules)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Loaded by URL: the pages' CSP allows scripts from 'self' only.
        page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")
    result = page.evaluate(
        """async () => {
            // Colours are read once transitions (a button's hover) are over.
            await Promise.all(document.getAnimations()
                .filter(a => a.effect.getComputedTiming().endTime !== Infinity)
                .map(a => a.finished.catch(() => null)));
            const r = await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact,
                nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}));
        }"""
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def answer(page, code: str, label: str) -> None:
    page.locator(f"fieldset:has(input[name='{code}'])").get_by_text(
        label, exact=True
    ).click()


def test_a_citizen_finds_the_counter_and_answers_in_vietnamese(phone, counter):
    phone.goto("/")
    assert phone.locator("html").get_attribute("lang") == "vi"
    shot(phone, "survey-start.png")
    assert axe_violations(phone) == []

    phone.get_by_label("Tên cơ quan, xã/phường, điểm tiếp nhận hoặc thủ tục").fill(
        "quay 1 trung tam"
    )
    phone.get_by_role("button", name="Tìm").click()
    phone.wait_for_url("**/?q=*")
    shot(phone, "survey-search.png")
    assert axe_violations(phone) == []
    phone.get_by_role(
        "link", name="Quầy 1 – Trung tâm Phục vụ hành chính công tỉnh"
    ).click()

    assert phone.url.endswith(COUNTER)
    assert no_horizontal_scroll(phone)
    shot(phone, "survey-form.png")
    assert axe_violations(phone) == []
    phone.get_by_label("Thủ tục (chọn trong danh sách)").select_option(
        label="Đăng ký kết hôn"
    )
    answer(phone, "E1.1", "Hài lòng")
    answer(phone, "E3.1", "Rất hài lòng")
    answer(phone, "G", "Hài lòng")
    assert "Đã trả lời 3/20 câu" in phone.locator("[data-progress]").inner_text()
    shot(phone, "survey-form-full.png", full_page=True)
    phone.get_by_role("button", name="Gửi đánh giá").click()

    phone.wait_for_url("**/cam-on/")
    assert "Cảm ơn Ông/Bà đã đánh giá!" in phone.content()
    assert no_horizontal_scroll(phone)
    shot(phone, "survey-thanks.png")
    assert axe_violations(phone) == []
    response = Response.objects.get()
    assert response.procedure.code == "1.000894"
    assert {(a.item_code, a.value) for a in response.answers.all()} == {
        ("E1.1", 4),
        ("E3.1", 5),
        ("G", 4),
    }


def test_a_citizen_answers_in_english(phone, counter):
    phone.goto(COUNTER)
    answer(phone, "E2.1", "Hài lòng")  # then switches language half-way
    phone.get_by_role("button", name="English").click()
    phone.wait_for_load_state()
    assert phone.locator("html").get_attribute("lang") == "en"
    assert phone.locator("input[name='E2.1'][value='4']").is_checked()
    assert "Access to the service" in phone.content()
    shot(phone, "survey-form-en.png")
    assert axe_violations(phone) == []
    answer(phone, "E1.1", "Very satisfied")
    answer(phone, "G", "Satisfied")
    phone.get_by_role("button", name="Send").click()
    phone.wait_for_url("**/cam-on/")
    assert "Thank you" in phone.content()
    shot(phone, "survey-thanks-en.png")
    assert Response.objects.get().answers.count() == 3


def test_a_procedure_is_found_by_typing_without_diacritics(phone, counter, centre):
    from agencies.models import Procedure

    for n in range(10):  # enough procedures for the search box to appear
        Procedure.objects.create(
            code=f"9.{n:06d}", name=f"Thủ tục thử số {n}", field="Khác", levels="tinh"
        )
    phone.goto(COUNTER)
    phone.get_by_role("searchbox", name="Tìm thủ tục").fill("dang ky ket hon")
    options = phone.locator("#id_procedure option").all_inner_texts()
    assert options[1:] == ["Đăng ký kết hôn"]
    phone.select_option("#id_procedure", label="Đăng ký kết hôn")
    phone.get_by_role("searchbox", name="Tìm thủ tục").fill("")
    assert phone.locator("#id_procedure option").count() == 14
    assert phone.input_value("#id_procedure") != ""  # the choice survives

    # Without JavaScript the same search reloads the page with the list filtered.
    phone.goto("/s/TTHCC-T33/?tim=chung+thuc")
    options = phone.locator("#id_procedure option").all_inner_texts()
    assert options[1:] == ["Chứng thực chữ ký trong các giấy tờ, văn bản"]


def test_errors_are_summarised_at_the_top_and_link_to_the_question(phone, counter):
    phone.goto(COUNTER)
    phone.fill("#id_reply_contact", "không phải số")
    phone.get_by_role("button", name="Gửi đánh giá").click()
    summary = phone.locator("#error-summary")
    summary.wait_for()
    assert phone.evaluate("document.activeElement.id") == "error-summary"
    assert "Xin trả lời ít nhất một câu" in summary.inner_text()
    assert no_horizontal_scroll(phone)
    shot(phone, "survey-errors.png")
    assert axe_violations(phone) == []
    summary.get_by_role("link").first.click()
    assert phone.evaluate("document.activeElement.id") == "id_E1.1_0"
    assert phone.input_value("#id_reply_contact") == "không phải số"
    assert Response.objects.count() == 0


def test_the_survey_can_be_done_with_the_keyboard_alone(phone, counter):
    phone.goto(COUNTER)
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.className") == "skip"
    outline = phone.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"

    def tab_to(selector: str, limit: int = 80) -> None:
        for _ in range(limit):
            if phone.evaluate(f"document.activeElement.matches({selector!r})"):
                return
            phone.keyboard.press("Tab")
        raise AssertionError(f"Tab never reached {selector}")

    tab_to("input[name='E1.1']")
    phone.keyboard.press("ArrowDown")  # radio groups move with the arrows
    phone.keyboard.press("ArrowDown")
    phone.keyboard.press("ArrowDown")
    tab_to("input[name='E1.2']")
    phone.keyboard.press("Space")
    tab_to("button[data-submit]", limit=200)
    phone.keyboard.press("Enter")
    phone.wait_for_url("**/cam-on/")
    answers = dict(Response.objects.get().answers.values_list("item_code", "value"))
    assert answers == {"E1.1": 4, "E1.2": 1}


def test_a_double_submit_refresh_and_back_resubmit_store_one_response(
    phone_without_js, counter
):
    page = phone_without_js
    page.goto(COUNTER)
    answer(page, "G", "Rất hài lòng")
    page.get_by_role("button", name="Gửi đánh giá").dblclick()
    try:
        page.wait_for_url("**/cam-on/")
    except PlaywrightError as error:
        # The second click's POST may cancel the first one's navigation, which
        # the wait reports; the browser then lands on the second one's page.
        assert "ERR_ABORTED" in str(error)
        page.wait_for_url("**/cam-on/")
    page.reload()
    page.go_back()  # without a back/forward cache the form is fetched again
    assert "Ông/Bà vừa gửi đánh giá cho nơi này" in page.content()
    answer(page, "G", "Không hài lòng")
    page.get_by_role("button", name="Gửi đánh giá").click()
    page.wait_for_url("**/cam-on/")
    assert Response.objects.count() == 1
    assert Response.objects.get().answers.get().value == 5


def test_two_posts_of_one_rendered_form_store_one_response(phone, counter):
    phone.goto(COUNTER)
    answer(phone, "G", "Hài lòng")
    # form.submit() skips the page's double-tap guard: two real POSTs leave.
    with phone.expect_navigation(url="**/cam-on/"):
        phone.evaluate(
            "() => { const f = document.getElementById('survey');"
            " f.submit(); f.submit(); }"
        )
    assert Response.objects.count() == 1


def test_the_kiosk_returns_to_a_fresh_vietnamese_start_after_submitting(
    phone, kiosk_point
):
    phone.goto(KIOSK)
    phone.evaluate("sessionStorage.setItem('left-behind', '1')")
    phone.get_by_role("button", name="English").click()
    phone.wait_for_load_state()
    assert phone.locator("html").get_attribute("lang") == "en"
    shot(phone, "survey-kiosk.png")
    assert axe_violations(phone) == []
    answer(phone, "G", "Very satisfied")
    phone.fill("#id_comment", "Thank you")
    phone.get_by_role("button", name="Send").click()
    phone.wait_for_url("**/cam-on/?kiosk=1")
    shot(phone, "survey-kiosk-thanks.png")
    assert axe_violations(phone) == []
    history_before = phone.evaluate("history.length")

    phone.wait_for_url(f"**{KIOSK}?kiosk=1", timeout=12_000)
    assert phone.locator("html").get_attribute("lang") == "vi"
    assert phone.locator("input:checked[name='G']").count() == 0
    assert phone.input_value("#id_comment") == ""
    assert phone.evaluate("sessionStorage.length") == 0
    assert phone.evaluate("history.length") == history_before  # replaced, not pushed
    assert Response.objects.get().source == "kiosk"


def test_the_kiosk_forgets_an_abandoned_form_after_the_idle_time(
    phone, kiosk_point, monkeypatch
):
    from surveys import pages

    # Asked "Ông/Bà còn tiếp tục không?" after 3 x 1 s, nobody answers for 1 s.
    monkeypatch.setattr(pages, "KIOSK_COUNTDOWN_SECONDS", 1)
    kiosk_point.kiosk_idle_seconds = 1
    kiosk_point.save(update_fields=["kiosk_idle_seconds"])
    phone.goto(KIOSK)
    answer(phone, "E1.1", "Không hài lòng")
    phone.fill("#id_comment", "Bỏ dở")
    # The page's CSP forbids eval, so poll from here rather than wait_for_function.
    for _ in range(100):
        phone.wait_for_timeout(100)
        try:
            if phone.locator("input:checked[name='E1.1']").count() == 0:
                break
        except Exception:  # the page is being replaced
            continue
    phone.wait_for_load_state()
    assert phone.locator("input:checked[name='E1.1']").count() == 0
    assert phone.input_value("#id_comment") == ""
    assert Response.objects.count() == 0


def test_the_polite_404_page_is_accessible(phone, db):
    phone.goto("/s/KHONG-CO/")
    assert "Không tìm thấy phiếu khảo sát" in phone.content()
    shot(phone, "survey-404.png")
    assert axe_violations(phone) == []


@pytest.mark.parametrize(
    "path", ["/", "/?q=trung+tam", COUNTER, COUNTER + "?q=hh-1001", COUNTER + "cam-on/"]
)
def test_pages_reflow_at_200_percent_zoom_without_horizontal_scrolling(
    browser, live_server, counter, path
):
    """A 375 px phone zoomed to 200 % lays pages out in 187 CSS pixels."""
    context = browser.new_context(
        viewport={"width": 187, "height": 406}, device_scale_factor=2, locale="vi-VN"
    )
    page = context.new_page()
    page.goto(live_server.url + path)
    assert no_horizontal_scroll(page)
    context.close()


def test_the_household_form_is_accessible(phone, counter):
    phone.goto(COUNTER + "?q=hh-1001")
    assert phone.locator("input[name='N2']").count() == 7  # multiple choice
    assert axe_violations(phone) == []


def test_the_refusal_pages_are_accessible_and_store_nothing(phone, counter, settings):
    phone.goto(COUNTER)
    phone.evaluate(
        "() => document.getElementById('survey').insertAdjacentHTML("
        "'beforeend', '<input type=hidden name=is_admin value=1>')"
    )
    answer(phone, "G", "Hài lòng")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Gửi đánh giá").click()
    assert "Không thể nhận biểu mẫu" in phone.content()
    assert axe_violations(phone) == []

    settings.SURVEY_RATE_LIMIT = 0
    phone.goto(COUNTER)
    answer(phone, "G", "Hài lòng")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Gửi đánh giá").click()
    assert "Xin thử lại sau ít phút" in phone.content()
    assert axe_violations(phone) == []
    assert Response.objects.count() == 0
