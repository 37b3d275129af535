"""The survey as question pages (issue #17): the overall question first, one section
per page, back without losing answers, no JavaScript needed, and every sent survey
stored once through the one submit path."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from surveys import steps
from surveys.models import Response
from tests.surveys.conftest import form_token

COUNTER = "/s/TTHCC-T33-Q1/"
KIOSK = "/s/TTHCC-T33-KIOSK/"
FORM = "application/x-www-form-urlencoded"


def post(client, url: str, number: int, token: str, action: str = "next", **answers):
    data = {"token": token, "website": "", "buoc": str(number), "action": action}
    data.update(answers)
    return client.post(url, urlencode(data, doseq=True), content_type=FORM)


def names_asked(html: str) -> list[str]:
    """The answer fields a page asks, in order."""
    form = html.split('id="survey"', 1)[1]
    names = re.findall(r'<(?:input|select|textarea)[^>]*name="([^"]+)"', form)
    control = {"csrfmiddlewaretoken", "token", "website", "buoc"}
    return list(dict.fromkeys(n for n in names if n not in control))


def test_the_first_page_asks_the_overall_question_after_one_line(citizen, counter):
    html = citizen.get(COUNTER).content.decode()
    assert names_asked(html) == ["G"]
    before_question = html.split("<fieldset", 1)[0].split('id="main"', 1)[1]
    text = re.sub(r"<[^>]+>", " ", before_question)
    # Place, "Phần 1/8", one line on privacy (a link), the heading: no title,
    # no intro paragraph, no privacy paragraph before the question.
    assert len(text.split()) < 40
    assert "Kính chào Ông/Bà" not in html
    assert 'href="/quyen-rieng-tu/"' in before_question
    assert "Phần 1/8" in html


def test_a_quick_answer_to_the_overall_question_is_stored(citizen, counter):
    token = form_token(citizen.get(COUNTER).content.decode())
    sent = post(citizen, COUNTER, 1, token, action="send", G="4")
    assert sent.status_code == 302 and sent["Location"].endswith("/cam-on/")
    response = Response.objects.get()
    assert dict(response.answers.values_list("item_code", "value")) == {"G": 4}
    assert response.channel == "truc_tiep"  # the counter's likely channel


def test_answers_survive_going_back_and_forth(citizen, counter):
    token = form_token(citizen.get(COUNTER).content.decode())
    to_two = post(citizen, COUNTER, 1, token, G="5")
    assert to_two["Location"] == f"{COUNTER}?buoc=2"
    page_two = citizen.get(to_two["Location"]).content.decode()
    assert names_asked(page_two) == ["procedure", "channel"]
    to_three = post(citizen, COUNTER, 2, token, channel="truc_tuyen")
    page_three = citizen.get(to_three["Location"]).content.decode()
    assert names_asked(page_three) == ["E1.1", "E1.2", "E1.3", "E1.4"]
    back = post(citizen, COUNTER, 3, token, action="back", **{"E1.2": "2"})
    assert back["Location"] == f"{COUNTER}?buoc=2"
    page_two_again = citizen.get(back["Location"]).content.decode()
    assert re.search(
        r'value="truc_tuyen" id="[^"]+"( required)? checked', page_two_again
    )
    again = citizen.get(f"{COUNTER}?buoc=3").content.decode()
    assert re.search(r'name="E1\.2" value="2" id="[^"]+" checked', again)
    first = citizen.get(f"{COUNTER}?buoc=1").content.decode()
    assert re.search(r'name="G" value="5" id="[^"]+" checked', first)
    assert Response.objects.count() == 0  # nothing stored before sending


def test_every_page_in_turn_stores_one_response_with_every_answer(citizen, counter):
    token = form_token(citizen.get(COUNTER).content.decode())
    given = {"G": "4", "channel": "truc_tiep", "comment": "Nhanh gọn", "gender": "nu"}
    number, url = 1, COUNTER
    seen = []
    while True:
        html = citizen.get(url).content.decode()
        asked = names_asked(html)
        seen.append(asked)
        answers = {name: given.get(name, "5") for name in asked if name.startswith("E")}
        answers.update({name: given[name] for name in asked if name in given})
        last = 'value="send" data-submit' in html
        sent = post(citizen, COUNTER, number, token, **answers)
        assert sent.status_code == 302
        if last:
            break
        number += 1
        url = sent["Location"]
        assert url.endswith(f"?buoc={number}")
    assert sent["Location"].endswith("/cam-on/")
    assert len(seen) == 8 and seen[0] == ["G"] and "comment" in seen[-1]
    response = Response.objects.get()
    answers = dict(response.answers.values_list("item_code", "value"))
    assert len(answers) == 20 and answers["G"] == 4 and answers["E3.5"] == 5
    assert response.comment == "Nhanh gọn" and response.gender == "nu"

    # The last page sent again (a double tap): acknowledged, nothing new stored.
    again = post(citizen, COUNTER, number, token, action="send")
    assert again.status_code == 302 and again["Location"].endswith("/cam-on/")
    assert Response.objects.count() == 1
    # The session no longer holds the answers, only that the form was sent.
    kept = [v for k, v in citizen.session.items() if k.startswith(steps.STATE_PREFIX)]
    assert kept and kept[0]["data"] == {} and kept[0]["sent"] is True


def test_sending_with_no_answer_points_to_the_overall_question(citizen, counter):
    token = form_token(citizen.get(COUNTER).content.decode())
    page = post(citizen, COUNTER, 1, token, action="send")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Xin trả lời ít nhất một câu" in html and 'href="#id_G_0"' in html
    assert Response.objects.count() == 0


def test_a_mistake_keeps_the_citizen_on_the_page_with_the_answers(citizen, counter):
    token = form_token(citizen.get(COUNTER).content.decode())
    post(citizen, COUNTER, 1, token, G="3")
    page = post(citizen, COUNTER, 8, token, action="send", reply_contact="abc")
    html = page.content.decode()
    assert page.status_code == 200 and "Phần 8/8" in html
    assert "Số điện thoại hoặc thư điện tử chưa đúng" in html
    assert 'value="abc"' in html
    assert Response.objects.count() == 0


@pytest.mark.parametrize(
    "extra",
    [{"E1.1": "4"}, {"buoc": "99"}, {"action": "delete"}, {"G": "9"}],
    ids=["field of another page", "no such page", "no such action", "bad value"],
)
def test_a_page_that_sends_what_it_does_not_ask_is_refused(citizen, counter, extra):
    token = form_token(citizen.get(COUNTER).content.decode())
    data = {"token": token, "website": "", "buoc": "1", "action": "next", "G": "4"}
    data.update(extra)
    page = citizen.post(COUNTER, urlencode(data), content_type=FORM)
    assert page.status_code == 400
    assert Response.objects.count() == 0


def test_a_bot_filling_the_honeypot_is_thanked_and_nothing_is_stored(citizen, counter):
    token = form_token(citizen.get(COUNTER).content.decode())
    page = post(citizen, COUNTER, 1, token, action="send", G="5", website="x")
    assert page.status_code == 302
    assert Response.objects.count() == 0


def test_a_new_transaction_starts_afresh(citizen, counter):
    token = form_token(citizen.get(COUNTER).content.decode())
    post(citizen, COUNTER, 1, token, action="send", G="2")
    sent_note = citizen.get(COUNTER).content.decode()
    assert "Ông/Bà vừa gửi đánh giá cho nơi này" in sent_note
    fresh = citizen.get(f"{COUNTER}?moi=1").content.decode()
    assert form_token(fresh) != token
    post(citizen, COUNTER, 1, form_token(fresh), action="send", G="5")
    assert Response.objects.count() == 2


def test_the_kiosk_keeps_the_one_page_form(citizen, kiosk_point):
    html = citizen.get(KIOSK).content.decode()
    assert 'name="E1.1"' in html and 'name="G"' in html and "buoc" not in html


def test_the_one_page_form_can_be_chosen_for_every_place(citizen, counter, settings):
    settings.SURVEY_QUESTION_PAGES = False
    html = citizen.get(COUNTER).content.decode()
    assert 'name="E1.1"' in html and 'name="G"' in html and "buoc" not in html


def test_a_one_page_form_sent_to_a_question_page_address_is_still_stored(
    citizen, counter
):
    """A page rendered before the switch (or a one-page client) still counts."""
    from tests.surveys.conftest import filled_form

    sent = citizen.post(COUNTER, filled_form(citizen, COUNTER))
    assert sent.status_code == 302
    assert Response.objects.count() == 1


def test_the_household_form_asks_its_channel_last_and_optionally(citizen, counter):
    url = f"{COUNTER}?q=hh-1001"
    html = citizen.get(url).content.decode()
    assert names_asked(html)[0] == "P1.1"
    token = form_token(html)
    sent = post(citizen, url, 1, token, action="send", **{"P1.1": "4"})
    assert sent.status_code == 302
    response = Response.objects.get()
    assert response.channel == ""


def test_the_household_one_page_form_needs_no_channel(citizen, counter, settings):
    settings.SURVEY_QUESTION_PAGES = False
    url = f"{COUNTER}?q=hh-1001"
    token = form_token(citizen.get(url).content.decode())
    data = {"token": token, "website": "", "P1.1": "4"}
    sent = citizen.post(url, urlencode(data), content_type=FORM)
    assert sent.status_code == 302
    assert Response.objects.get().channel == ""


def test_a_quick_answer_at_human_speed_is_not_flagged(
    citizen, counter, settings, time_machine
):
    settings.SURVEY_MIN_FILL_SECONDS = 15
    time_machine.move_to("2026-11-27 09:00:00+07:00", tick=False)
    token = form_token(citizen.get(COUNTER).content.decode())
    time_machine.move_to("2026-11-27 09:00:06+07:00", tick=False)
    post(citizen, COUNTER, 1, token, action="send", G="5")
    assert Response.objects.get().flagged is False
    # One answer within a second is still a script's pace.
    fresh = form_token(citizen.get(f"{COUNTER}?moi=1").content.decode())
    time_machine.move_to("2026-11-27 09:00:07+07:00", tick=False)
    post(citizen, COUNTER, 1, fresh, action="send", G="5")
    assert Response.objects.filter(flagged=True).count() == 1
