"""The survey page: finding the place, rendering the form, storing one response."""

from __future__ import annotations

import pytest
from django.urls import reverse

from surveys.models import Response
from tests.surveys.conftest import filled_form


@pytest.fixture(autouse=True)
def one_page_form(settings):
    """These tests read the one-page form (kiosks; SURVEY_QUESTION_PAGES off).
    The question pages: tests/surveys/test_question_pages.py."""
    settings.SURVEY_QUESTION_PAGES = False


def test_the_counter_code_opens_the_exit_survey_with_its_procedures(citizen, counter):
    page = citizen.get("/s/TTHCC-T33-Q1/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Quầy 1" in html
    assert "Đăng ký kết hôn" in html
    assert 'name="E1.1"' in html and 'name="G"' in html
    assert "Rất không hài lòng" in html and "Rất hài lòng" in html
    assert '<html lang="vi">' in html


def test_an_agency_code_opens_the_survey_of_the_agency(citizen, centre, exit_version):
    page = citizen.get("/s/TTHCC-T33/")
    assert page.status_code == 200
    assert "Trung tâm Phục vụ hành chính công tỉnh Hưng Yên" in page.content.decode()


def test_an_unknown_code_gets_a_polite_page_with_a_search(citizen, db):
    page = citizen.get("/s/KHONG-CO/")
    html = page.content.decode()
    assert page.status_code == 404
    assert "KHONG-CO" in html
    assert 'role="search"' in html


def test_a_household_campaign_uses_the_household_form(citizen, counter):
    page = citizen.get("/s/TTHCC-T33-Q1/?q=hh-1001")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="P1.1"' in html and 'name="N2"' in html


def test_an_unknown_questionnaire_is_a_polite_404(citizen, counter):
    assert citizen.get("/s/TTHCC-T33-Q1/?q=nope").status_code == 404


def test_a_submitted_form_is_stored_once_pinned_to_its_version(
    citizen, counter, exit_version, procedures
):
    url = "/s/TTHCC-T33-Q1/"
    data = filled_form(citizen, url, procedure=str(procedures[0].pk), gender="nu")
    sent = citizen.post(url, data)
    assert sent.status_code == 302
    assert sent["Location"] == reverse("surveys:thanks", args=["TTHCC-T33-Q1"])
    response = Response.objects.get()
    assert response.version == exit_version
    assert response.service_point == counter
    assert response.agency == counter.agency
    assert response.procedure == procedures[0]
    assert response.channel == "truc_tiep"
    assert response.gender == "nu"
    assert response.source == "web"
    assert not response.flagged
    assert {(a.item_code, a.value) for a in response.answers.all()} == {
        ("E1.1", 4),
        ("E3.1", 5),
        ("G", 4),
    }


def test_the_thank_you_page_says_what_happens_next_and_where_to_complain(
    citizen, counter
):
    html = citizen.get("/s/TTHCC-T33-Q1/cam-on/").content.decode()
    assert "Cảm ơn" in html
    assert "Phản ánh, kiến nghị" in html
    assert "Trung tâm Phục vụ hành chính công tỉnh Hưng Yên" in html


def test_answers_are_kept_and_errors_summarised_when_the_channel_is_missing(
    citizen, counter
):
    url = "/s/TTHCC-T33-Q1/"
    data = filled_form(citizen, url, channel=None, comment="Rất tốt")
    page = citizen.post(url, data)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'class="error-summary"' in html
    assert 'href="#id_channel_0"' in html
    assert (
        'value="4" id="id_E1.1_3" checked' in html or 'id="id_E1.1_3" checked' in html
    )
    assert "Rất tốt</textarea>" in html
    assert Response.objects.count() == 0


def test_a_form_without_any_answer_is_returned_with_an_error(citizen, counter):
    url = "/s/TTHCC-T33-Q1/"
    data = filled_form(citizen, url, **{"E1.1": None, "E3.1": None, "G": None})
    page = citizen.post(url, data)
    assert page.status_code == 200
    assert 'href="#id_E1.1_0"' in page.content.decode()
    assert Response.objects.count() == 0


def test_english_shows_the_questionnaire_in_english(citizen, counter):
    citizen.post("/i18n/setlang/", {"language": "en", "next": "/s/TTHCC-T33-Q1/"})
    html = citizen.get("/s/TTHCC-T33-Q1/").content.decode()
    assert '<html lang="en">' in html
    assert "Very satisfied" in html
    assert "Access to the service" in html


def test_a_procedure_named_in_the_link_is_preselected(citizen, counter, procedures):
    html = citizen.get("/s/TTHCC-T33-Q1/?thu_tuc=1.000894").content.decode()
    assert f'<option value="{procedures[0].pk}" selected>' in html


def test_the_survey_page_needs_a_fixed_handful_of_queries(
    citizen, counter, django_assert_max_num_queries
):
    citizen.get("/s/TTHCC-T33-Q1/")  # warm the published items cache
    with django_assert_max_num_queries(4):
        assert citizen.get("/s/TTHCC-T33-Q1/").status_code == 200


def test_storing_a_response_needs_a_fixed_handful_of_queries(
    citizen, counter, django_assert_max_num_queries
):
    data = filled_form(citizen, "/s/TTHCC-T33-Q1/")
    # place, questionnaire, version, procedures, one key look-up, savepoints,
    # one INSERT for the response and one for all its answers: none per answer;
    # one look-up of webhook subscriptions (api.receivers).
    with django_assert_max_num_queries(14):
        assert citizen.post("/s/TTHCC-T33-Q1/", data).status_code == 302


def test_a_submission_reads_its_idempotency_key_only_when_repeated(citizen, counter):
    """A new form is stored without looking its key up (the unique key decides);
    the same form again reads it once and stores nothing."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = "/s/TTHCC-T33-Q1/"
    data = filled_form(citizen, url)

    def lookups() -> list[str]:
        return [
            q["sql"]
            for q in queries.captured_queries
            if q["sql"].startswith("SELECT") and "idempotency_key" in q["sql"]
        ]

    with CaptureQueriesContext(connection) as queries:
        assert citizen.post(url, data).status_code == 302
    assert lookups() == []
    assert Response.objects.count() == 1
    with CaptureQueriesContext(connection) as queries:
        assert citizen.post(url, data).status_code == 302
    assert len(lookups()) == 1
    assert Response.objects.count() == 1
