"""A clerk keys ten paper questionnaires with the keyboard only; a second clerk's
entry differs on one form, which blocks the batch until it is resolved."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from api.models import PaperBatch, PaperEntry
from surveys import services
from surveys.models import Response
from tests.dashboard_fixtures import PASSWORD

SHOTS = Path(django_settings.BASE_DIR) / "docs" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def forget_cached_items():
    """Versions get new ids in every transactional test; forget cached items."""
    services._items_cache.clear()
    yield
    services._items_cache.clear()


@pytest.fixture(autouse=True)
def plain_http_cookies(settings):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


def _forms(version, n=10, seed=3) -> list[dict]:
    """What ten paper forms say: digits in the order of the entry screen."""
    rng = random.Random(seed)
    codes = [item.code for item in version.items.order_by("position")]
    made = []
    for k in range(n):
        answers = {code: str(rng.randint(1, 5)) for code in codes}
        answers[codes[rng.randrange(len(codes))]] = "0"  # one question left blank
        made.append(
            {
                "serial": f"TTHCC-X12133-{k + 1:06d}",
                "channel": str(rng.randint(1, 3)),
                "answers": answers,
                "respondent": [str(rng.randint(1, 2)), "0", "1", "0", "0", "2", "0"],
                "comment": "Cán bộ nhiệt tình" if k % 3 == 0 else "",
            }
        )
    return made


def test_ten_paper_forms_are_keyed_with_the_keyboard_only(
    browser, live_server, province_analyst, commune_manager, agencies, exit_version
):
    batch = PaperBatch.objects.create(
        agency=agencies["TTHCC-X12133"],
        version=exit_version,
        label="Lô giấy tháng 7",
        double_entry=True,
    )
    province_analyst.set_password(PASSWORD)
    province_analyst.save()
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        locale="vi-VN",
        base_url=live_server.url,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/accounts/login/?next=/paper/")
    page.fill("#id_username", province_analyst.get_username())
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/paper/")
    page.goto(f"/paper/{batch.pk}/")

    forms = _forms(exit_version)
    codes = [item.code for item in exit_version.items.order_by("position")]
    keyboard = page.keyboard
    for number, form in enumerate(forms, start=1):
        page.locator("#id_serial").wait_for()
        assert page.evaluate("document.activeElement.id") == "id_serial"
        keyboard.type(form["serial"])
        keyboard.press("Enter")  # to the procedure box
        keyboard.press("Enter")  # no procedure: to the first key box
        keyboard.type(form["channel"])
        for code in codes:
            keyboard.type(form["answers"][code])
        for digit in form["respondent"]:
            keyboard.type(digit)
        assert page.evaluate("document.activeElement.id") == "id_comment"
        if form["comment"]:
            keyboard.type(form["comment"])
        if number == 10:
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "paper-entry.png"), full_page=True)
            page.locator("#id_comment").focus()
        keyboard.press("Enter")
        page.get_by_text(f"Đã lưu phiếu số {form['serial']}.").wait_for()

    entries = {e.serial: e for e in PaperEntry.objects.filter(batch=batch, round=1)}
    assert len(entries) == 10
    first = entries[forms[0]["serial"]]
    assert first.answers == {
        code: int(value) for code, value in forms[0]["answers"].items() if value != "0"
    }
    assert first.respondent["gender"] in ("nam", "nu")
    assert (
        first.respondent["ethnicity"] == "kinh"
        and first.respondent["area"] == "nong_thon"
    )
    assert first.comment == "Cán bộ nhiệt tình"

    # The second clerk keys the same ten; form 4 differs on G.
    second = Client()
    second.force_login(commune_manager)
    for k, form in enumerate(forms):
        data = {"serial": form["serial"], "procedure": "", "channel": form["channel"]}
        data.update({c: v for c, v in form["answers"].items() if v != "0"})
        if k == 3:
            data["G"] = "1" if form["answers"]["G"] != "1" else "2"
        names = ["gender", "age_group", "ethnicity", "education", "occupation"]
        names += ["area", "terrain"]
        data.update(
            {n: d for n, d in zip(names, form["respondent"], strict=True) if d != "0"}
        )
        data["comment"] = form["comment"]
        saved = second.post(f"/paper/{batch.pk}/?lan=2", data)
        assert saved.status_code == 302, saved.context["form"].errors

    page.goto(f"/paper/{batch.pk}/")
    page.locator("#commit").focus()
    keyboard.press("Enter")
    page.get_by_text("1 phiếu hai lần nhập khác nhau").wait_for()
    assert Response.objects.count() == 0

    page.goto(f"/paper/{batch.pk}/compare/")
    mismatch = page.locator(".mismatch")
    assert mismatch.count() == 1
    assert mismatch.get_attribute("data-serial") == forms[3]["serial"]
    mismatch.locator("input[value='1']").first.check()  # the first clerk was right
    mismatch.locator("button[type=submit]").click()
    page.locator("#no-mismatch").wait_for()
    page.locator("#commit").click()
    page.get_by_text("Đã tính 10 phiếu của lô.").wait_for()
    assert Response.objects.filter(source="paper").count() == 10
    context.close()
