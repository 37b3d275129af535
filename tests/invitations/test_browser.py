"""An invitation link in Debian's Chromium on a phone-sized screen: it opens the
survey with the procedure already filled in, is answered once, and then shows a
polite "already used" page. axe-core checks each page; screenshots go to
docs/screenshots/invitation-*.png."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from invitations import services
from invitations.models import Invitation
from surveys.models import Response

SHOTS = Path(django_settings.BASE_DIR) / "docs" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(browser, live_server, settings):
    settings.SURVEY_MIN_FILL_SECONDS = 0
    context = browser.new_context(
        viewport={"width": 375, "height": 812},
        locale="vi-VN",
        base_url=live_server.url,
        device_scale_factor=1,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def axe_violations(page) -> list[dict]:
    """Serious and critical axe-core violations (WCAG 2.0/2.1 A and AA rules)."""
    page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact,
                nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}));
        }"""
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state("load")  # not while the next page loads
    page.screenshot(path=str(SHOTS / name))


def test_an_invitation_is_answered_once_on_a_phone(
    phone, exit_questionnaire, province_centre, counter, marriage
):
    issued = services.create_invitation(
        dossier_code="000.00.53.H48-220921-0099",
        agency=province_centre,
        service_point=counter,
        procedure=marriage,
    )
    path = f"/s/i/{issued.token}/"
    phone.goto(path)
    # The question pages, the overall question first, the procedure named.
    assert "Đăng ký kết hôn" in phone.locator(".step-meta").inner_text()
    shot(phone, "invitation-form.png")
    assert axe_violations(phone) == []
    phone.locator("fieldset:has(input[name='G'])").get_by_text(
        "Hài lòng", exact=True
    ).click()
    phone.get_by_role("button", name="Tiếp tục").click()
    phone.wait_for_url("**?buoc=2")
    # Shown, not offered: the citizen cannot pick another procedure.
    assert "Đăng ký kết hôn" in phone.locator(".fixed-procedure").inner_text()
    assert phone.locator("select[name=procedure]").count() == 0
    assert axe_violations(phone) == []
    phone.get_by_role("button", name="Tiếp tục").click()
    phone.wait_for_url("**?buoc=3")
    phone.locator("fieldset:has(input[name='E1.1'])").get_by_text(
        "Rất hài lòng", exact=True
    ).click()
    phone.get_by_role("button", name="Gửi ngay với các câu đã trả lời").click()
    phone.wait_for_url(f"**{path}cam-on/")
    assert axe_violations(phone) == []
    stored = Response.objects.get()
    assert stored.procedure == marriage and stored.source == "invitation"
    assert dict(stored.answers.values_list("item_code", "value")) == {"G": 4, "E1.1": 5}

    phone.go_back()  # back to the form, and send it once more
    phone.reload()
    assert "Đường dẫn đã được sử dụng" in phone.content()
    shot(phone, "invitation-used.png")
    assert axe_violations(phone) == []
    assert Response.objects.count() == 1


def test_the_expired_and_unknown_pages_are_accessible(
    phone, exit_questionnaire, province_centre
):
    issued = services.create_invitation(
        dossier_code="000.00.53.H48-220921-0100", agency=province_centre
    )
    Invitation.objects.update(
        expires_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )
    response = phone.goto(f"/s/i/{issued.token}/")
    assert response.status == 410
    assert "Đường dẫn đã hết hạn" in phone.content()
    assert axe_violations(phone) == []
    response = phone.goto("/s/i/nothing-here/")
    assert response.status == 404
    assert axe_violations(phone) == []
