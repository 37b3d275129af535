"""What a citizen's submission does not need to do (issue #16): no session for a
survey sent from its first page, form fields built once per questionnaire
version and language, one Redis client per process. The guarantees stay: each
sent survey is stored once, a repeat is acknowledged, a mistake keeps the answers.
"""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.utils import translation

from sipas.cache import RedisCache
from surveys import forms as survey_forms
from surveys import steps
from surveys.models import Response
from tests.surveys.conftest import form_token
from tests.surveys.test_question_pages import COUNTER, post


def test_a_survey_sent_from_its_first_page_writes_no_session(citizen, counter):
    token = form_token(citizen.get(COUNTER).content.decode())
    sent = post(citizen, COUNTER, 1, token, action="send", G="4")
    assert sent.status_code == 302 and sent["Location"].endswith("/cam-on/")
    assert Response.objects.count() == 1
    assert not Session.objects.exists()
    # the same form sent again (a double tap, or back and send): acknowledged,
    # stored once, still no session
    again = post(citizen, COUNTER, 1, token, action="send", G="4")
    assert again.status_code == 302 and again["Location"].endswith("/cam-on/")
    assert Response.objects.count() == 1
    assert not Session.objects.exists()
    # and the next visit knows it was just sent (the cookie, not a session)
    next_visit = citizen.get(COUNTER).content.decode()
    assert "Ông/Bà vừa gửi đánh giá cho nơi này" in next_visit


def state_of(session: Session) -> dict:
    (state,) = [
        value
        for name, value in session.get_decoded().items()
        if name.startswith(steps.STATE_PREFIX)
    ]
    return state


def test_a_send_with_a_mistake_keeps_its_answers_in_the_session(citizen, counter):
    """With no session yet (e.g. it expired on the last page), a send that comes
    back with a mistake keeps what was given, and the corrected send stores it."""
    token = form_token(citizen.get(COUNTER).content.decode())
    page = post(citizen, COUNTER, 8, token, "send", comment="Tốt")
    assert page.status_code == 200
    assert "Xin trả lời ít nhất một câu" in page.content.decode()
    assert Response.objects.count() == 0
    state = state_of(Session.objects.get())
    assert state["data"]["comment"] == ["Tốt"] and state["sent"] is False
    fixed = post(citizen, COUNTER, 1, token, "send", G="4")
    assert fixed.status_code == 302
    assert Response.objects.get().comment == "Tốt"
    assert state_of(Session.objects.get()) == {
        "token": token,
        "key": state["key"],
        "data": {},
        "sent": True,
    }


def test_forms_of_one_version_share_no_field_state(exit_version, procedures):
    one = survey_forms.SurveyForm(version=exit_version, procedures=procedures)
    two = survey_forms.SurveyForm(version=exit_version, procedures=procedures)
    assert one.fields["G"] is not two.fields["G"]
    one.fields["G"].widget.attrs["class"] = "changed"
    one.fields["G"].error_messages["required"] = "changed"
    one.fields["channel"].required = not two.fields["channel"].required
    assert "class" not in two.fields["G"].widget.attrs
    assert two.fields["G"].error_messages["required"] != "changed"
    three = survey_forms.SurveyForm(version=exit_version, procedures=procedures)
    assert three.fields["channel"].required == two.fields["channel"].required
    assert "class" not in three.fields["G"].widget.attrs
    assert list(three.fields)[:4] == ["token", "website", "procedure", "channel"]


def test_form_fields_follow_the_language_and_the_procedures(exit_version, procedures):
    vietnamese = survey_forms.SurveyForm(version=exit_version, procedures=procedures)
    with translation.override("en"):
        english = survey_forms.SurveyForm(version=exit_version, procedures=procedures)
        labels = str(english.fields["G"].label), str(english.fields["channel"].label)
    assert str(vietnamese.fields["G"].label) != labels[0]
    assert "How" in labels[1] or "how" in labels[1]
    fewer = survey_forms.SurveyForm(version=exit_version, procedures=procedures[:1])
    assert len(fewer.fields["procedure"].choices) == 2
    assert len(vietnamese.fields["procedure"].choices) == len(procedures) + 1


def test_the_redis_cache_keeps_one_client_per_process(settings):
    backend = RedisCache("redis://127.0.0.1:6379/9", {})
    client = backend._cache.get_client("a", write=True)
    assert backend._cache.get_client("b") is client  # one server: one pool
    if not isinstance(caches["default"], RedisCache):
        pytest.skip("no Redis configured (REDIS_URL unset): nothing to talk to")
    caches["default"].set("sipas-test-shared-client", 7, 30)
    assert caches["default"].get("sipas-test-shared-client") == 7


def _field_state(fields: dict) -> dict:
    """What a form could change in a field: its widget's attributes, its
    messages, whether it is required, its label and its choices."""
    return {
        name: (
            dict(field.widget.attrs),
            dict(field.error_messages),
            field.required,
            str(field.label),
            list(getattr(field, "choices", [])),
        )
        for name, field in fields.items()
    }


def test_checking_a_send_with_the_shared_fields_leaves_them_as_they_were(
    citizen, counter
):
    """A send is checked with the cached fields themselves (no copies); a
    mistake shows the form again with fields of its own, and neither changes
    what the next citizen's form is built from."""
    token = form_token(citizen.get(COUNTER).content.decode())
    cached = dict(survey_forms._FIELDS_CACHE)
    assert cached, "the first page built the version's fields"
    before = {key: _field_state(fields) for key, fields in cached.items()}
    wrong = post(citizen, COUNTER, 8, token, "send", comment="Tốt")
    assert wrong.status_code == 200
    assert "Xin trả lời ít nhất một câu" in wrong.content.decode()
    sent = post(citizen, COUNTER, 1, token, action="send", G="4")
    assert sent.status_code == 302 and Response.objects.count() == 1
    for key, fields in cached.items():
        assert survey_forms._FIELDS_CACHE[key] is fields
        assert _field_state(fields) == before[key]


def test_a_procedure_list_is_keyed_once_per_list(exit_version, procedures):
    first = survey_forms._procedures_key(procedures)
    assert survey_forms._procedures_key(procedures) is first
    # another list with the same procedures: the same key, built again
    again = survey_forms._procedures_key(list(procedures))
    assert again == first and again is not first
    changed = [*procedures[:-1]]
    assert survey_forms._procedures_key(changed) != first


def test_a_send_checks_both_limits_in_one_cache_round_trip(settings, rf, monkeypatch):
    """The form's own POST count and the client's stored count come together;
    both limits still hold."""
    import redis

    from surveys import abuse

    if not isinstance(caches["default"], RedisCache):
        pytest.skip("no Redis configured (REDIS_URL unset)")
    settings.SURVEY_TOKEN_POST_LIMIT = 2
    settings.SURVEY_RATE_LIMIT = 1
    request = rf.post("/s/X/", REMOTE_ADDR="203.0.113.77")
    caches["default"].delete(abuse._rate_key(request))
    token = abuse.read_token(abuse.make_token("X:1"), "X:1")
    sent = []
    original = redis.client.Pipeline.execute

    def counting(self, *args, **kwargs):
        sent.append(len(self.command_stack))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(redis.client.Pipeline, "execute", counting)
    assert abuse.post_limits(request, token) == (False, False)
    abuse.count_stored_response(request)
    assert abuse.post_limits(request, token) == (False, True)
    assert abuse.post_limits(request, token) == (True, True)
    # three checks and one count: four round trips, the checks three commands each
    assert sent == [3, 2, 3, 3]
