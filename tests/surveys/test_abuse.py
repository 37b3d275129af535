"""Ballot-stuffing defences: rate limit, honeypot, idempotency, fill time."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from sipas.clientip import client_ip
from surveys import abuse
from surveys.models import Response
from tests.surveys.conftest import filled_form

URL = "/s/TTHCC-T33-Q1/"


def test_a_double_click_stores_one_response_and_shows_the_same_thank_you(
    citizen, counter
):
    data = filled_form(citizen, URL)
    first = citizen.post(URL, data)
    second = citizen.post(URL, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Response.objects.count() == 1


def test_back_and_resubmit_with_other_answers_keeps_the_first_response(
    citizen, counter
):
    data = filled_form(citizen, URL)
    citizen.post(URL, data)
    citizen.post(URL, {**data, "G": "1"})
    assert Response.objects.count() == 1
    assert Response.objects.get().answers.get(item_code="G").value == 4


def test_the_form_fetched_again_after_sending_keeps_the_key_and_says_so(
    citizen, counter
):
    citizen.post(URL, filled_form(citizen, URL))
    again = filled_form(citizen, URL, G="1")  # back: the browser fetches the form
    assert "Ông/Bà vừa gửi đánh giá cho nơi này" in citizen.get(URL).content.decode()
    citizen.post(URL, again)
    assert Response.objects.count() == 1
    citizen.post(URL, filled_form(citizen, URL + "?moi=1"))
    assert Response.objects.count() == 2


def test_a_kiosk_never_reuses_the_previous_citizens_key(citizen, kiosk_point):
    url = "/s/TTHCC-T33-KIOSK/"
    citizen.post(url, filled_form(citizen, url))
    citizen.post(url, filled_form(citizen, url))
    assert Response.objects.count() == 2
    assert "sipas_sent" not in citizen.cookies


def test_two_rendered_forms_store_two_responses(citizen, counter):
    citizen.post(URL, filled_form(citizen, URL))
    citizen.post(URL, filled_form(citizen, URL + "?moi=1"))
    assert Response.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_of_one_form_store_one_response(counter, settings):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite locks concurrent writers; the race runs on PostgreSQL")
    settings.SURVEY_MIN_FILL_SECONDS = 0
    data = filled_form(Client(), URL)
    results = []

    def send():
        results.append(Client().post(URL, data).status_code)
        connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [302, 302, 302, 302]
    assert Response.objects.count() == 1


def test_a_bot_filling_the_honeypot_is_thanked_and_nothing_is_stored(citizen, counter):
    data = filled_form(citizen, URL, website="http://spam.example")
    sent = citizen.post(URL, data)
    assert sent.status_code == 302
    assert "cam-on" in sent["Location"]
    assert Response.objects.count() == 0


def test_a_form_sent_back_too_fast_is_stored_but_flagged(citizen, counter, settings):
    settings.SURVEY_MIN_FILL_SECONDS = 60
    citizen.post(URL, filled_form(citizen, URL))
    response = Response.objects.get()
    assert response.flagged is True
    assert response.flag_reason.startswith("fill_time")


def test_a_form_filled_at_human_speed_is_not_flagged(citizen, counter, time_machine):
    time_machine.move_to("2026-11-27 09:00:00+07:00", tick=False)
    data = filled_form(citizen, URL)
    time_machine.move_to("2026-11-27 09:03:00+07:00", tick=False)
    citizen.post(URL, data)
    assert Response.objects.get().flagged is False


def test_the_rate_limit_refuses_a_client_after_too_many_submissions(
    citizen, counter, settings
):
    settings.SURVEY_RATE_LIMIT = 2
    fresh = URL + "?moi=1"
    for _ in range(2):
        assert citizen.post(URL, filled_form(citizen, fresh)).status_code == 302
    refused = citizen.post(URL, filled_form(citizen, fresh))
    assert refused.status_code == 429
    assert "thử lại" in refused.content.decode()
    assert Response.objects.count() == 2


def test_the_rate_limit_counts_each_client_apart(counter, settings):
    settings.SURVEY_RATE_LIMIT = 1
    settings.SURVEY_MIN_FILL_SECONDS = 0
    alice = Client(REMOTE_ADDR="203.0.113.7")
    bob = Client(REMOTE_ADDR="203.0.113.8")
    assert alice.post(URL, filled_form(alice, URL)).status_code == 302
    assert bob.post(URL, filled_form(bob, URL)).status_code == 302
    assert alice.post(URL, filled_form(alice, URL + "?moi=1")).status_code == 429
    assert Response.objects.count() == 2


def test_the_rate_limit_counts_under_a_keyed_hash_not_the_address(
    counter, settings, rf
):
    settings.SURVEY_MIN_FILL_SECONDS = 0
    alice = Client(REMOTE_ADDR="203.0.113.7")
    alice.post(URL, filled_form(alice, URL))
    hashed = abuse.client_key(rf.get("/", REMOTE_ADDR="203.0.113.7"))
    window = int(time.time()) // settings.SURVEY_RATE_WINDOW_SECONDS
    assert cache.get(f"surveys:rate:{hashed}:{window}") == 1
    assert "203" not in hashed
    settings.HASH_PEPPER = "another pepper"
    assert abuse.client_key(rf.get("/", REMOTE_ADDR="203.0.113.7")) != hashed


BEHIND_NGINX = {"REMOTE_ADDR": "127.0.0.1"}


def test_behind_the_trusted_proxy_each_forwarded_client_has_its_own_bucket(
    counter, settings
):
    # Before: every citizen behind nginx shared the proxy's one bucket.
    settings.TRUSTED_PROXIES = ["127.0.0.1", "::1"]
    settings.SURVEY_RATE_LIMIT = 1
    settings.SURVEY_MIN_FILL_SECONDS = 0
    alice = Client(HTTP_X_FORWARDED_FOR="203.0.113.7", **BEHIND_NGINX)
    bob = Client(HTTP_X_FORWARDED_FOR="203.0.113.8", **BEHIND_NGINX)
    assert alice.post(URL, filled_form(alice, URL)).status_code == 302
    assert bob.post(URL, filled_form(bob, URL)).status_code == 302
    assert alice.post(URL, filled_form(alice, URL + "?moi=1")).status_code == 429
    assert Response.objects.count() == 2


def test_a_forged_forwarded_address_from_outside_the_proxy_is_ignored(
    counter, settings
):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    settings.SURVEY_RATE_LIMIT = 1
    settings.SURVEY_MIN_FILL_SECONDS = 0
    mallory = Client(REMOTE_ADDR="198.51.100.66")
    data = filled_form(mallory, URL)
    assert mallory.post(URL, data, HTTP_X_FORWARDED_FOR="10.9.9.1").status_code == 302
    again = filled_form(mallory, URL + "?moi=1")
    refused = mallory.post(URL, again, HTTP_X_FORWARDED_FOR="10.9.9.2")
    assert refused.status_code == 429


def test_only_the_hops_our_proxies_appended_are_believed(rf, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    request = rf.get(
        "/",
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9, 10.1.2.3",
    )
    # 1.2.3.4 is the client's own word; 10.1.2.3 is a proxy of ours.
    assert client_ip(request) == "198.51.100.9"
    assert client_ip(rf.get("/", REMOTE_ADDR="::ffff:127.0.0.1")) == "::ffff:127.0.0.1"
    settings.TRUSTED_PROXIES = []
    assert client_ip(request) == "127.0.0.1"


def test_junk_posts_do_not_use_up_the_limit_of_a_shared_address(counter, settings):
    # A commune's NAT: one client sends junk, a citizen behind the same address
    # must still be able to answer.
    settings.SURVEY_RATE_LIMIT = 2
    settings.SURVEY_MIN_FILL_SECONDS = 0
    junk = Client(REMOTE_ADDR="203.0.113.50")
    valid = filled_form(junk, URL)
    for _ in range(10):
        assert junk.post(URL, {"token": "forged"}).status_code == 400
        assert junk.post(URL, {}).status_code == 400
        assert junk.post(URL, {**valid, "channel": ""}).status_code == 200  # mistakes
    citizen = Client(REMOTE_ADDR="203.0.113.50")
    assert citizen.post(URL, filled_form(citizen, URL)).status_code == 302
    assert Response.objects.count() == 1


def test_one_rendered_form_may_be_posted_only_so_often(counter, settings):
    settings.SURVEY_TOKEN_POST_LIMIT = 3
    settings.SURVEY_MIN_FILL_SECONDS = 0
    client = Client()
    data = filled_form(client, URL)
    for _ in range(3):
        assert client.post(URL, {**data, "channel": ""}).status_code == 200
    assert client.post(URL, data).status_code == 429
    assert not Response.objects.exists()
    other = Client()
    assert other.post(URL, filled_form(other, URL)).status_code == 302


def test_forms_fetched_ahead_past_the_budget_are_stored_but_flagged(
    counter, settings, time_machine
):
    # Fetch many forms now, send them back later: each one passes the fill-time
    # check, so the forms past the client's budget are flagged for review.
    settings.SURVEY_TOKEN_ISSUE_LIMIT = 3
    settings.SURVEY_MIN_FILL_SECONDS = 15
    time_machine.move_to("2026-11-27 09:00:00+07:00", tick=False)
    script = Client(REMOTE_ADDR="198.51.100.77")
    forms = [filled_form(script, URL + "?moi=1") for _ in range(5)]
    time_machine.move_to("2026-11-27 09:01:00+07:00", tick=False)
    for data in forms:
        assert script.post(URL, data).status_code == 302
    flags = list(
        Response.objects.order_by("submitted_at", "pk").values_list(
            "flagged", "flag_reason"
        )
    )
    assert sorted(flags) == sorted(
        [(False, "")] * 3 + [(True, abuse.FLAG_OVER_ISSUED)] * 2
    )
    # Another client has its own budget.
    other = Client(REMOTE_ADDR="203.0.113.78")
    data = filled_form(other, URL)
    time_machine.move_to("2026-11-27 09:02:00+07:00", tick=False)
    other.post(URL, data)
    assert Response.objects.filter(flagged=False).count() == 4


def test_a_form_token_is_bound_to_its_page_and_stores_one_response(
    counter, kiosk_point, settings
):
    # Invitations: tests/invitations/test_views.py.
    settings.SURVEY_MIN_FILL_SECONDS = 0
    client = Client()
    data = filled_form(client, URL)
    assert client.post("/s/TTHCC-T33-KIOSK/", data).status_code == 400
    assert client.post(URL, data).status_code == 302
    assert client.post(URL, {**data, "G": "1"}).status_code == 302
    assert Response.objects.count() == 1


def test_a_double_click_on_the_last_allowed_answer_still_gets_its_thank_you(
    citizen, counter, settings
):
    settings.SURVEY_RATE_LIMIT = 1
    data = filled_form(citizen, URL)
    first = citizen.post(URL, data)
    second = citizen.post(URL, data)
    assert first.status_code == second.status_code == 302
    assert Response.objects.count() == 1
    assert citizen.post(URL, filled_form(citizen, URL + "?moi=1")).status_code == 429
