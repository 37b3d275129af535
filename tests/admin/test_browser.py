"""The admin in Debian's Chromium: autocomplete folds diacritics, nothing breaks CSP."""

from __future__ import annotations

import pytest

from agencies.models import Agency

PASSWORD = "browser-admin-pass-2026"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff_page(browser, live_server, django_user_model, reference_data):
    """A superuser's browser, logged in to the admin, collecting CSP violations."""
    django_user_model.objects.create_superuser("alice", "alice@example.org", PASSWORD)
    context = browser.new_context(locale="vi-VN", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.console_errors = []
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text
            and page.console_errors.append(message.text)
        ),
    )
    page.goto("/admin/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    yield page
    context.close()


def test_the_parent_autocomplete_finds_an_agency_typed_without_diacritics(staff_page):
    centre = Agency.objects.get(code="TTHCC-T33")
    staff_page.goto(f"/admin/agencies/agency/{centre.pk}/change/")
    staff_page.click("#select2-id_parent-container")
    staff_page.fill(".select2-search__field", "uy ban nhan dan tinh hung yen")
    option = staff_page.locator(
        ".select2-results__option", has_text="UBND-T33 – Ủy ban nhân dân tỉnh Hưng Yên"
    )
    option.wait_for()  # fails after 10 s if the folded search finds nothing
    assert option.count() == 1
    assert staff_page.console_errors == []


def test_the_period_box_filters_the_agency_list(staff_page):
    staff_page.goto("/admin/agencies/agency/?q=UBND-T3")
    staff_page.fill("#period-filter-active_in", "2024-Q2")
    staff_page.click(".period-filter input[type=submit]")
    staff_page.wait_for_url("**active_in=2024-Q2**")
    rows = staff_page.locator("#result_list tbody th a").all_inner_texts()
    assert "UBND-T34" in rows
    assert "q=UBND-T3" in staff_page.url  # the search was kept
    assert staff_page.console_errors == []


def test_the_language_switch_in_the_admin_header_turns_it_english(staff_page):
    staff_page.goto("/admin/")
    staff_page.click("#language-form button")
    staff_page.wait_for_load_state()
    assert "SIPAS portal administration" in staff_page.content()
    assert staff_page.console_errors == []
