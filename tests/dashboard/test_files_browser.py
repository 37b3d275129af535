"""Numbers in the charts, the raw download's progress, the sample page and the
admin home in Chromium (issue 17, items 6–8): axe-core clean, screenshots in
docs/screenshots/ (sample-page.png, admin-home.png, admin-agency-tree.png)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tests.dashboard_fixtures import *  # noqa: F403
from tests.invitations.test_browser import axe_violations

SHOTS = Path(django_settings.BASE_DIR) / "docs" / "screenshots"
LAPTOP = {"width": 1366, "height": 768}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def forget_cached_items():
    from surveys import services

    yield
    services._items_cache.clear()


@pytest.fixture(autouse=True)
def plain_http_cookies(settings):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


def _login(browser, live_server, user, next_url="/dashboard/"):
    user.set_password(PASSWORD)  # noqa: F405
    user.save()
    context = browser.new_context(
        viewport=LAPTOP, locale="vi-VN", base_url=live_server.url, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"/accounts/login/?next={next_url}")
    page.fill("#id_username", user.get_username())
    page.fill("#id_password", PASSWORD)  # noqa: F405
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}{next_url}")
    return context, page


CHART_TEXT = """
() => {
  const canvas = (name) => document.querySelector(`canvas[data-chart=${name}]`);
  const chart = (name) => Chart.getChart(canvas(name));
  const trend = chart('trend'), responses = chart('responses');
  return {
    percentTick: trend.options.scales.y.ticks.callback(70),
    percentTip: trend.options.plugins.tooltip.callbacks.label(
      {parsed: {y: 79.6}, dataset: {label: 'A_DV'}}),
    countTick: responses.options.scales.y.ticks.callback(7000),
    countTip: responses.options.plugins.tooltip.callbacks.label(
      {parsed: {y: 15808}, dataset: {label: 'Số phiếu'}}),
    fraction: responses.options.scales.y.ticks.callback(2.5),
  };
}
"""


def test_charts_write_numbers_as_the_page_does_and_the_download_shows_progress(
    browser, live_server, province_analyst, index_results, comments
):
    context, page = _login(browser, live_server, province_analyst)
    page.goto("/dashboard/?period=2026")
    page.wait_for_function(
        "() => document.querySelectorAll('canvas[data-chart]').length >= 4"
    )
    assert page.evaluate(CHART_TEXT) == {
        "percentTick": "70 %",
        "percentTip": "A_DV: 79,60 %",
        "countTick": "7.000",  # seven thousand, the Vietnamese way
        "countTip": "Số phiếu: 15.808",
        "fraction": "",  # no "2,5 phiếu" on a count axis
    }
    link = page.locator("a[data-download-progress]").first
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == (
        "sipas-UBND-T33-2026-responses-exit-dv.csv"
    )
    status = page.locator(".download-status")
    status.filter(has_text="Tệp đang được tải về").wait_for()
    assert link.get_attribute("aria-disabled") is None  # usable again
    assert axe_violations(page) == []
    context.close()


def test_the_sample_page_and_the_admin_home_are_clean_and_captured(
    browser, live_server, province_analyst, index_results
):
    from dashboard.models import TransactionVolume

    TransactionVolume.objects.create(
        agency=Agency.objects.get(code="SXD-T33"),  # noqa: F405
        period="2026",
        count=1_000_000,
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    context, page = _login(browser, live_server, province_analyst)
    page.goto("/dashboard/sample/?period=2026&kind=so")
    assert "Cần thêm 388 phiếu" in page.inner_text("table")
    page.click(".volume-import summary")
    page.locator("#volume-file").wait_for()
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "sample-page.png"), full_page=True)
    context.close()

    province_analyst.is_superuser = province_analyst.is_staff = True
    province_analyst.save()
    context, page = _login(browser, live_server, province_analyst, "/admin/")
    tasks = page.inner_text(".admin-tasks")
    for title in ("In mã QR", "Gửi lời mời", "Thêm cán bộ"):
        assert title in tasks
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "admin-home.png"))
    page.goto("/admin/agencies/agency/?province=33")
    assert page.locator(".tree-depth-2").count() >= 1  # TTHCC-X under UBND-X
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "admin-agency-tree.png"))
    context.close()
