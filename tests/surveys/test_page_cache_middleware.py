"""CachedPageMiddleware serves a kept survey page before the rest of the middleware,
with the headers that middleware gave the first page (surveys/pagecache.py)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from surveys import pagecache
from surveys.models import Response
from tests.surveys.conftest import filled_form, form_token

URL = "/s/TTHCC-T33-Q1/"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Headers that are each request's own.
OWN = {"Set-Cookie", "Content-Length"}


@pytest.fixture(autouse=True)
def one_page_form(settings):
    settings.SURVEY_QUESTION_PAGES = False


@pytest.fixture
def served(monkeypatch) -> list[bool]:
    """For each survey GET the middleware looked at: whether it served the page."""
    answers: list[bool] = []
    real = pagecache.serve

    def spy(request, *, final=False):
        response = real(request, final=final)
        if final:
            answers.append(response is not None)
        return response

    monkeypatch.setattr(pagecache, "serve", spy)
    return answers


def headers(response) -> dict[str, str]:
    return {name: value for name, value in response.items() if name not in OWN}


def test_the_next_citizen_gets_the_first_pages_headers_from_the_middleware(
    citizen, counter, served, django_assert_num_queries
):
    first = citizen.get(URL)
    assert served == [False]  # rendered, then kept with its final headers
    with django_assert_num_queries(0):
        second = Client().get(URL)
    assert served == [False, True]
    assert second.status_code == 200
    assert headers(second) == headers(first)
    for name in ("Content-Security-Policy", "X-Frame-Options", "Content-Language"):
        assert second[name] == first[name]
    assert "Accept-Language" in second["Vary"]
    assert form_token(second.content.decode()) != form_token(first.content.decode())
    assert int(second["Content-Length"]) == len(second.content)


def test_the_middlewares_page_sets_the_csrf_cookie_its_token_needs(
    citizen, counter, served
):
    # Storing once, double clicks and forged tokens through the cached page:
    # tests/surveys/test_page_cache.py (served by this middleware too).
    citizen.get(URL)
    browser = Client(enforce_csrf_checks=True)
    assert browser.get(URL).cookies["csrftoken"].value
    # The browser now has the cookie: the next page's token matches it.
    page = browser.get(URL).content.decode()
    assert served == [False, True, True]
    data = filled_form(citizen, URL, token=form_token(page))
    data["csrfmiddlewaretoken"] = CSRF.search(page).group(1)
    assert browser.post(URL, data).status_code == 302
    assert Response.objects.count() == 1


def test_english_citizens_get_the_english_page_and_header(citizen, counter, served):
    english = Client()
    english.cookies["sipas_language"] = "en"
    english.get(URL)
    page = Client(headers={"accept-language": "en"}).get(URL)
    assert served[-1] is True
    assert page["Content-Language"] == "en"
    assert "Very satisfied" in page.content.decode()
    vietnamese = Client().get(URL)
    assert vietnamese["Content-Language"] == "vi"
    assert "Very satisfied" not in vietnamese.content.decode()


def test_an_http_request_is_still_redirected_to_https(citizen, counter, settings):
    citizen.get(URL)
    settings.SECURE_SSL_REDIRECT = True
    redirect = Client().get(URL)
    assert redirect.status_code == 301
    assert redirect["Location"].startswith("https://")


def test_a_page_kept_over_http_is_not_served_as_is_over_https(
    citizen, counter, served, settings
):
    settings.SECURE_HSTS_SECONDS = 3600
    citizen.get(URL)  # http: no HSTS header in what is kept
    secure = Client().get(URL, secure=True)
    assert served[-1] is False  # rendered down the stack: HSTS added there
    assert secure["Strict-Transport-Security"].startswith("max-age=3600")


def test_an_unknown_host_gets_the_usual_400(citizen, counter, settings):
    citizen.get(URL)
    settings.ALLOWED_HOSTS = ["sipas.example.vn"]
    assert Client().get(URL).status_code == 400


def test_other_pages_and_posts_go_down_the_stack(citizen, counter, served):
    citizen.get(URL)
    assert Client().get("/").status_code == 200
    data = filled_form(citizen, URL)
    assert Client().post(URL, data).status_code == 302
    assert served == [False, True]  # the second: filled_form's page
