"""Bad input gets a 400 with a clear message, never a 500, and stores nothing."""

from __future__ import annotations

from urllib.parse import urlencode

from surveys.models import Response
from tests.surveys.conftest import filled_form

URL = "/s/TTHCC-T33-Q1/"


def post_raw(client, body: bytes, content_type="application/x-www-form-urlencoded"):
    return client.generic("POST", URL, body, content_type=content_type)


def test_an_unknown_field_is_refused(citizen, counter):
    data = filled_form(citizen, URL, is_admin="1")
    page = citizen.post(URL, data)
    assert page.status_code == 400
    assert "is_admin" in page.content.decode()
    assert Response.objects.count() == 0


def test_an_out_of_range_answer_is_refused(citizen, counter):
    page = citizen.post(URL, filled_form(citizen, URL, **{"E1.1": "7"}))
    assert page.status_code == 400
    assert "E1.1" in page.content.decode()
    assert Response.objects.count() == 0


def test_a_non_numeric_answer_is_refused(citizen, counter):
    page = citizen.post(URL, filled_form(citizen, URL, G="abc"))
    assert page.status_code == 400
    assert Response.objects.count() == 0


def test_two_answers_to_a_single_choice_question_are_refused(citizen, counter):
    data = filled_form(citizen, URL)
    body = urlencode(data) + "&G=5"
    page = post_raw(citizen, body.encode())
    assert page.status_code == 400
    assert Response.objects.count() == 0


def test_an_unknown_channel_is_refused(citizen, counter):
    page = citizen.post(URL, filled_form(citizen, URL, channel="pigeon"))
    assert page.status_code == 400
    assert Response.objects.count() == 0


def test_a_procedure_not_handled_here_is_refused(citizen, counter, procedures):
    page = citizen.post(URL, filled_form(citizen, URL, procedure="999999"))
    assert page.status_code == 400
    assert Response.objects.count() == 0


def test_an_oversized_comment_is_refused(citizen, counter):
    page = citizen.post(URL, filled_form(citizen, URL, comment="x" * 4001))
    assert page.status_code == 400
    assert "comment" in page.content.decode()
    assert Response.objects.count() == 0


def test_a_comment_at_the_limit_with_line_breaks_is_accepted(citizen, counter):
    # 4,000 characters as the browser counts them, 4,039 as they are sent
    comment = ("a" * 99 + "\r\n") * 39 + "a" * 100
    page = citizen.post(URL, filled_form(citizen, URL, comment=comment))
    assert page.status_code == 302
    assert len(Response.objects.get().comment) == 4000


def test_control_characters_are_refused(citizen, counter):
    page = citizen.post(URL, filled_form(citizen, URL, comment="ok\x00ok"))
    assert page.status_code == 400
    assert Response.objects.count() == 0


def test_invalid_utf8_is_refused(citizen, counter):
    data = filled_form(citizen, URL)
    data.pop("comment")
    body = urlencode(data).encode() + b"&comment=%C3%28%FF"
    page = post_raw(citizen, body)
    assert page.status_code == 400
    assert "UTF-8" in page.content.decode()
    assert Response.objects.count() == 0


def test_a_huge_post_is_refused(citizen, counter):
    data = filled_form(citizen, URL)
    body = urlencode(data).encode() + b"&" + b"a" * (3 * 1024 * 1024)
    page = post_raw(citizen, body)
    assert page.status_code == 400
    assert "quá lớn" in page.content.decode()  # templates/400.html, never a 500
    assert Response.objects.count() == 0


def test_a_large_but_not_huge_post_is_refused_by_the_survey_itself(citizen, counter):
    data = filled_form(citizen, URL)
    body = urlencode(data).encode() + b"&pad=" + b"a" * (200 * 1024)
    page = post_raw(citizen, body)
    assert page.status_code == 400
    assert "quá lớn" in page.content.decode()
    assert Response.objects.count() == 0


def test_an_attached_file_is_refused(citizen, counter):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = filled_form(citizen, URL)
    upload = SimpleUploadedFile("a.txt", b"hello")
    page = citizen.post(URL, {**data, "comment": upload})
    assert page.status_code == 400
    assert Response.objects.count() == 0


def test_a_json_body_is_refused(citizen, counter):
    page = post_raw(citizen, b'{"G": 5}', content_type="application/json")
    assert page.status_code == 400
    assert Response.objects.count() == 0


def test_a_forged_token_is_refused(citizen, counter):
    page = citizen.post(URL, filled_form(citizen, URL, token="forged:token"))
    assert page.status_code == 400
    assert Response.objects.count() == 0


def test_a_token_made_for_another_place_is_refused(citizen, counter, centre):
    other = filled_form(citizen, "/s/TTHCC-T33/")
    page = citizen.post(URL, filled_form(citizen, URL, token=other["token"]))
    assert page.status_code == 400
    assert Response.objects.count() == 0


def test_an_expired_form_comes_back_with_its_answers_and_a_fresh_token(
    citizen, counter, settings
):
    data = filled_form(citizen, URL, comment="Giữ lại")
    settings.SURVEY_FORM_MAX_AGE_SECONDS = -1
    page = citizen.post(URL, data)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Giữ lại</textarea>" in html
    assert data["token"] not in html
    assert Response.objects.count() == 0


def test_a_malformed_reply_contact_comes_back_as_a_human_error(citizen, counter):
    page = citizen.post(
        URL, filled_form(citizen, URL, comment="Gọi tôi", reply_contact="abc")
    )
    assert page.status_code == 200
    assert 'href="#id_reply_contact"' in page.content.decode()
    assert Response.objects.count() == 0


def test_a_get_with_odd_parameters_never_fails(citizen, counter):
    for query in ("?q=%FF", "?tim=%00", "?thu_tuc=" + "x" * 500, "?kiosk=yes"):
        # A NUL anywhere in a request is refused by sipas.middleware (400).
        assert citizen.get(URL + query).status_code in (200, 400, 404)


def test_a_post_without_the_csrf_token_gets_a_plain_explanation(counter, settings):
    from django.test import Client

    settings.SURVEY_MIN_FILL_SECONDS = 0
    browser = Client(enforce_csrf_checks=True)
    data = filled_form(browser, URL)
    page = browser.post(URL, data)  # no csrfmiddlewaretoken field
    assert page.status_code == 403
    assert "Không gửi được biểu mẫu" in page.content.decode()
    assert Response.objects.count() == 0
