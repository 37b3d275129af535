"""The dashboards in Debian's Chromium at 1366×768 and on a tablet.

Logs in through the real login page, checks that every chart canvas of the
overview has actually been drawn (non-blank pixels), and saves the screenshots
the README shows (docs/screenshots/dashboard-*.png).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tests.dashboard_fixtures import *  # noqa: F403

SHOTS = Path(django_settings.BASE_DIR) / "docs" / "screenshots"
LAPTOP = {"width": 1366, "height": 768}
TABLET = {"width": 768, "height": 1024}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Counts the drawn (non-transparent) pixels of each chart canvas.
DRAWN_PIXELS = """
() => [...document.querySelectorAll('canvas[data-chart]')].map((canvas) => {
  const context = canvas.getContext('2d');
  const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let drawn = 0;
  for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) drawn++; }
  return [canvas.dataset.chart, canvas.width, drawn];
})
"""


@pytest.fixture(autouse=True)
def forget_cached_items():
    """These tests flush the database, so questionnaire version ids are reused by
    later tests; surveys.services caches items by version id for the process."""
    from surveys import services

    yield
    services._items_cache.clear()


@pytest.fixture(autouse=True)
def plain_http_cookies(settings):
    """The live server speaks plain HTTP: secure-only cookies would not come back."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


def _login(browser, live_server, user, viewport):
    user.set_password(PASSWORD)  # noqa: F405
    user.save()
    context = browser.new_context(
        viewport=viewport,
        locale="vi-VN",
        base_url=live_server.url,
        # Bootstrap's colour transitions off: axe reads a button's colours
        # as they are, not half way from outline to filled under the pointer.
        reduced_motion="reduce",
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/accounts/login/?next=/dashboard/")
    page.fill("#id_username", user.get_username())
    page.fill("#id_password", PASSWORD)  # noqa: F405
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    return context, page


def test_the_overview_draws_its_charts_and_the_pages_are_captured(
    browser, live_server, province_analyst, index_results, comments
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context, page = _login(browser, live_server, province_analyst, LAPTOP)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.goto("/dashboard/?period=2026")
    page.wait_for_function(
        "() => document.querySelectorAll('canvas[data-chart]').length >= 4"
    )
    drawn = page.evaluate(DRAWN_PIXELS)
    assert {name for name, _w, _d in drawn} == {
        "trend",
        "elements",
        "overall",
        "responses",
    }
    for name, width, pixels in drawn:
        assert width > 0, name
        assert pixels > 500, f"chart {name} looks blank ({pixels} drawn pixels)"
    assert "84,00 %" in page.inner_text(".headline")
    page.screenshot(path=str(SHOTS / "dashboard-overview.png"), full_page=True)

    page.goto("/dashboard/ranking/?period=2026&kind=so")
    assert "Sở Nội vụ tỉnh Hưng Yên" in page.inner_text("table.ranking-table")
    page.screenshot(path=str(SHOTS / "dashboard-ranking.png"), full_page=True)

    page.goto("/dashboard/agency/UBND-T33/?period=2026")
    page.wait_for_function(
        "() => document.querySelectorAll('canvas[data-chart]').length >= 2"
    )
    assert all(pixels > 500 for _n, _w, pixels in page.evaluate(DRAWN_PIXELS))
    page.screenshot(path=str(SHOTS / "dashboard-agency.png"), full_page=True)

    page.goto("/dashboard/comments/?period=2026")
    assert "Phải chờ quá lâu ở quầy." in page.inner_text(".comment-list")
    page.screenshot(path=str(SHOTS / "dashboard-comments.png"), full_page=True)
    assert errors == []
    context.close()


def test_the_overview_fits_a_tablet_without_horizontal_scrolling(
    browser, live_server, province_analyst, index_results
):
    context, page = _login(browser, live_server, province_analyst, TABLET)
    page.goto("/dashboard/?period=2026")
    page.wait_for_function(
        "() => document.querySelectorAll('canvas[data-chart]').length >= 3"
    )
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    context.close()


def test_the_ranking_page_draws_the_funnel_and_rank_intervals(
    browser, live_server, province_analyst, agencies, index_results
):
    """Twelve departments of very different sizes: the funnel narrows with n,
    the rank intervals widen for the small ones. The README's screenshot."""
    import random

    from dashboard.models import TransactionVolume
    from reports.models import IndexResult
    from tests.dashboard_fixtures import _agency, result

    rng = random.Random(12)
    hy, root = agencies["UBND-T33"].unit, agencies["UBND-T33"]
    names = ["SCT", "SYT", "STC", "SGDDT", "SKHCN", "SVHTTDL", "SNNMT", "VPUBND", "TTr"]
    rows = []
    for k, code in enumerate(names):
        agency = _agency(f"{code}-T33", f"Sở {code} tỉnh Hưng Yên", "so", hy, root)
        n = [45, 80, 150, 300, 600, 1200][k % 6]
        value = round(min(98.0, rng.gauss(82, 5)), 2)
        row = result(agency, "A_DV", value, n)
        row.se = round(100 * (0.22 / n) ** 0.5, 4)
        row.ci_low, row.ci_high = value - 1.96 * row.se, min(100, value + 1.96 * row.se)
        rows.append(row)
        rows.append(
            result(agency, "A_DV", value - rng.uniform(-4, 6), n, period="2025")
        )
        TransactionVolume.objects.create(agency=agency, period="2026", count=n * 9)
    IndexResult.objects.bulk_create(rows)
    SHOTS.mkdir(parents=True, exist_ok=True)
    context, page = _login(browser, live_server, province_analyst, LAPTOP)
    page.goto("/dashboard/ranking/?period=2026&kind=so")
    page.wait_for_function("() => document.querySelector('canvas[data-chart=funnel]')")
    ((name, width, pixels),) = page.evaluate(DRAWN_PIXELS)
    assert name == "funnel" and width > 0 and pixels > 500
    table = page.inner_text("table.ranking-table")
    assert "không phân biệt được với trung bình" in table
    assert "Sở Nội vụ tỉnh Hưng Yên" in table
    page.screenshot(path=str(SHOTS / "dashboard-ranking-funnel.png"), full_page=True)
    context.close()


def _axe(page) -> list[dict]:
    from tests.surveys.test_browser import axe_violations

    return axe_violations(page)


PHONE = {"width": 375, "height": 812}


def test_the_heatmap_is_coloured_labelled_and_the_agency_is_picked_by_name(
    browser, live_server, province_analyst, index_results, exit_version
):
    """Issue 17: the bands used to be painted over by Bootstrap's table-cell
    rule (every cell white); item labels were tooltips; the agency was a code."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    context, page = _login(browser, live_server, province_analyst, LAPTOP)
    page.goto("/dashboard/agency/UBND-T33/?period=2026")
    colours = page.evaluate(
        """() => [...document.querySelectorAll('.heatmap td.heat-value')].map(
            (td) => [td.className, getComputedStyle(td).backgroundColor])"""
    )
    assert colours
    for classes, colour in colours:
        assert colour not in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)"), classes
    assert len({colour for _c, colour in colours}) >= 2
    label = page.locator(".heatmap th.item-label", has_text="E3.1")
    assert "Tiêu chí E3.1" in label.inner_text()
    assert label.is_visible()
    assert page.locator(".heat-legend .heat-swatch").count() == 8
    page.screenshot(path=str(SHOTS / "dashboard-heatmap.png"), full_page=True)
    assert _axe(page) == []

    page.goto("/dashboard/?period=2026")
    page.fill("#f-agency", "so noi vu")
    page.wait_for_function(
        "() => document.querySelectorAll('#f-agency-options option').length > 0"
    )
    assert page.eval_on_selector_all(
        "#f-agency-options option", "(os) => os.map((o) => o.value)"
    ) == ["SNV-T33"]
    page.fill("#f-agency", "SNV-T33")
    page.get_by_role("button", name="Xem").click()
    page.wait_for_url("**agency=SNV-T33**")
    assert "Sở Nội vụ tỉnh Hưng Yên" in page.inner_text("h1")
    assert _axe(page) == []
    context.close()


def test_a_mistyped_agency_on_a_phone_keeps_the_filters_and_suggests(
    browser, live_server, province_analyst, index_results
):
    context, page = _login(browser, live_server, province_analyst, PHONE)
    page.goto("/dashboard/ranking/?period=2026-Q3&kind=so&agency=hung yen")
    note = page.locator("#f-agency-missing")
    assert "Không tìm thấy cơ quan “hung yen”" in note.inner_text()
    assert page.locator("#f-period").input_value() == "2026-Q3"
    note.get_by_role("link", name="Sở Tư pháp tỉnh Hưng Yên (STP-T33)").click()
    page.wait_for_url("**agency=STP-T33**")
    assert page.locator("#f-period").input_value() == "2026-Q3"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(SHOTS / "dashboard-agency-not-found-phone.png"))
    assert _axe(page) == []
    context.close()


def test_a_comment_is_saved_in_place_and_bulk_changed_on_a_phone(
    browser, live_server, province_analyst, commune_manager, index_results, comments
):
    from dashboard.models import CommentReview

    SHOTS.mkdir(parents=True, exist_ok=True)
    context, page = _login(browser, live_server, province_analyst, LAPTOP)
    page.goto("/dashboard/comments/?period=2026")
    cards = page.locator("li.comment")
    assert "G: 2/5" in cards.nth(0).inner_text()  # worst first
    assert "Đăng ký kết hôn" in cards.nth(0).inner_text()
    commune = page.locator(f"#c-{comments['commune'].pk}")
    commune.scroll_into_view_if_needed()
    options = commune.locator("select[name=assignee] option").all_inner_texts()
    assert options == ["—", "analyst33", "manager_x"]
    page.evaluate("window.__same_page = true")
    commune.locator("select[name=status]").select_option("in_progress")
    commune.locator("input[name=note]").fill("Đã gọi lại cho người dân")
    commune.get_by_role("button", name="Lưu").click()
    commune.locator(".save-status", has_text="Đã cập nhật ý kiến.").wait_for()
    assert page.evaluate("window.__same_page === true")  # no reload, no jump
    assert commune.locator(".status-badge").inner_text() == "Đang xử lý"
    review = CommentReview.objects.get(response=comments["commune"])
    assert (review.status, review.note) == ("in_progress", "Đã gọi lại cho người dân")
    # A move the workflow refuses: the error in the card, the note still there.
    commune.locator("select[name=status]").select_option("new")
    commune.locator("select[name=status]").select_option("replied")
    commune.get_by_role("button", name="Lưu").click()
    commune.locator(".save-status", has_text="Đã cập nhật").wait_for()
    commune.locator("select[name=status]").select_option("new")
    commune.locator("input[name=note]").fill("Ghi chú mới chưa lưu")
    commune.get_by_role("button", name="Lưu").click()
    commune.locator(".save-status.text-danger").wait_for()
    assert commune.locator("input[name=note]").input_value() == "Ghi chú mới chưa lưu"
    page.screenshot(path=str(SHOTS / "dashboard-comments-triage.png"), full_page=True)
    assert _axe(page) == []
    context.close()

    context, page = _login(browser, live_server, province_analyst, PHONE)
    page.goto("/dashboard/comments/?period=2026&sort=newest")
    page.locator("#bulk-all").check()
    page.locator("#bulk-status").select_option("in_progress")
    page.get_by_role("button", name="Áp dụng").click()
    page.locator(".alert-success", has_text="Đã cập nhật").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(SHOTS / "dashboard-comments-phone.png"))
    assert _axe(page) == []
    context.close()


def test_the_overview_kpis_and_priorities_read_on_a_phone(
    browser, live_server, province_analyst, index_results
):
    from improvement.models import Target

    Target.objects.create(province_code="33", year=2026, indicator="A_DV", value=90)
    SHOTS.mkdir(parents=True, exist_ok=True)
    context, page = _login(browser, live_server, province_analyst, PHONE)
    page.goto("/dashboard/?period=2026")
    headline = page.locator(".card.headline.kpi")
    assert "▲ +6,00" in headline.inner_text()
    assert "Mục tiêu năm: 90,00 %" in headline.inner_text()
    priorities = page.locator("section.priorities")
    assert "UBND xã Mẫu" in priorities.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    priorities.screenshot(path=str(SHOTS / "dashboard-priorities-phone.png"))
    assert _axe(page) == []
    context.close()
