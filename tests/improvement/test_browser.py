"""The improvement loop in Debian's Chromium: an analyst goes from an alert to
the agency page, to its importance–performance matrix, opens an action linked to
two citizens' comments and lands on the action page. Saves the screenshots the
README shows (docs/screenshots/improvement-*.png)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from improvement.models import Action, Alert
from surveys.models import Answer, Response
from tests.dashboard_fixtures import PASSWORD, VN
from tests.improvement.simulate import respondents, store

SHOTS = Path(django_settings.BASE_DIR) / "docs" / "screenshots"
LAPTOP = {"width": 1366, "height": 900}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Drawn (non-transparent) pixels of the matrix canvas.
DRAWN_PIXELS = """
() => {
  const canvas = document.getElementById('driver-matrix');
  const context = canvas.getContext('2d');
  const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let drawn = 0;
  for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) drawn++; }
  return drawn;
}
"""


@pytest.fixture(autouse=True)
def forget_cached_items():
    from surveys import services

    yield
    services._items_cache.clear()


@pytest.fixture(autouse=True)
def plain_http_cookies(settings):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture
def commune_with_drivers(agencies, exit_version, comments):
    """600 respondents at the commune's centre (G driven by E2 and E5), a second
    commented response, the indices and drivers computed, and an alert."""
    store(
        agencies["TTHCC-X12133"],
        exit_version,
        respondents(600, {"E2": 0.6, "E5": 0.5}, seed=7),
        datetime.date(2026, 5, 12),
    )
    second = Response.objects.create(
        version=exit_version,
        submitted_at=datetime.datetime(2026, 7, 8, 10, tzinfo=VN),
        agency=agencies["UBND-X12133"],
        channel="truc_tiep",
        comment="Bảng niêm yết thủ tục khó đọc, phải hỏi nhiều lần.",
        source="web",
    )
    Answer.objects.create(response=second, item_code="G", value=2)
    call_command("compute_indices", period=["2026"], sync=True)
    return Alert.objects.create(
        agency=agencies["UBND-X12133"],
        period="2026",
        indicator="A_DV",
        reasons=["drop_previous", "below_target"],
        value=71.5,
    )


def test_an_analyst_goes_from_an_alert_to_a_new_action(
    browser, live_server, province_analyst, commune_with_drivers
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    province_analyst.set_password(PASSWORD)
    province_analyst.save()
    context = browser.new_context(
        viewport=LAPTOP, locale="vi-VN", base_url=live_server.url
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/accounts/login/?next=/dashboard/improvement/alerts/")
    page.fill("#id_username", province_analyst.get_username())
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/dashboard/improvement/alerts/")

    # 1. The alert in the inbox.
    row = page.locator("#alerts-table tbody tr", has_text="UBND xã Mẫu")
    assert "Giảm có ý nghĩa so với kỳ trước" in row.inner_text()
    page.screenshot(path=str(SHOTS / "improvement-alerts.png"), full_page=True)

    # 2. The agency page, from the alert.
    row.get_by_role("link", name="UBND xã Mẫu").click()
    page.wait_for_url("**/dashboard/agency/UBND-X12133/**")
    assert "UBND xã Mẫu" in page.inner_text("h1")

    # 3. Its importance–performance matrix.
    page.get_by_role("link", name="Cần cải thiện gì trước?").click()
    page.wait_for_url("**/dashboard/improvement/drivers/UBND-X12133/**")
    page.wait_for_function("() => document.getElementById('driver-matrix') !== null")
    assert page.evaluate(DRAWN_PIXELS) > 2000
    table = page.inner_text("#driver-table")
    first_two = page.locator("#driver-table tbody tr th").all_inner_texts()[:2]
    assert {text[:2] for text in first_two} == {"E2", "E5"}
    assert "Động lực chính" in table
    page.screenshot(path=str(SHOTS / "improvement-matrix.png"), full_page=True)

    # 4. A new action from the top driver, linked to two comments.
    page.locator("#driver-table tbody tr").first.get_by_role(
        "link", name="Tạo giải pháp"
    ).click()
    page.wait_for_url("**/dashboard/improvement/actions/new/**")
    page.fill("#id_title", "Niêm yết lại thủ tục và hướng dẫn tại quầy")
    page.fill("#id_description", "In lại bảng niêm yết; thêm một cán bộ hướng dẫn.")
    page.fill("#id_due_date", "2026-12-31")
    page.get_by_label("Cán bộ xã hướng dẫn rất tận tình.", exact=False).check()
    page.get_by_label("Bảng niêm yết thủ tục khó đọc", exact=False).check()
    page.screenshot(path=str(SHOTS / "improvement-new-action.png"), full_page=True)
    page.get_by_role("button", name="Lưu").click()

    # 5. The action page.
    page.wait_for_url("**/dashboard/improvement/actions/*/")
    linked = page.inner_text("#linked-comments")
    assert "Cán bộ xã hướng dẫn rất tận tình." in linked
    assert "Bảng niêm yết thủ tục khó đọc" in linked
    assert "Từ phân tích động lực kỳ 2026" in page.inner_text("main")
    page.screenshot(path=str(SHOTS / "improvement-action.png"), full_page=True)
    action = Action.objects.get()
    assert action.comments.count() == 2 and action.finding["indicator"] in ("E2", "E5")
    assert errors == []
    context.close()
