"""The citizen's side of an invitation: `/s/i/<token>/` answered once."""

from __future__ import annotations

import datetime
import re
from urllib.parse import urlencode

import pytest
import time_machine
from django.core.cache import cache

from invitations import services
from invitations.models import Invitation
from surveys.models import Response

DOSSIER = "000.00.53.H48-220921-0099"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    """Each test starts with an empty rate-limit counter."""
    cache.clear()


@pytest.fixture
def invitation(exit_questionnaire, province_centre, counter, marriage):
    """An invitation for a marriage registration at the provincial centre's counter."""
    return services.create_invitation(
        dossier_code=DOSSIER,
        agency=province_centre,
        service_point=counter,
        procedure=marriage,
        expires_days=7,
    )


def path_of(issued) -> str:
    return f"/s/i/{issued.token}/"


def form_token(client, url: str) -> str:
    page = client.get(url).content.decode()
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def post(client, url: str, token: str, **extra):
    data = {
        "token": token,
        "channel": "truc_tiep",
        "E1.1": "4",
        "E3.1": "5",
        "G": "4",
        **extra,
    }
    return client.post(url, urlencode(data), content_type=FORM)


def test_the_link_opens_the_survey_of_the_invited_place(client, invitation):
    response = client.get(path_of(invitation))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Quầy số 1 – Tư pháp, hộ tịch" in page
    assert "Đăng ký kết hôn" in page
    assert 'name="token"' in page


def test_an_answer_is_stored_for_the_invited_agency_and_procedure(
    client, invitation, counter, marriage
):
    url = path_of(invitation)
    response = post(client, url, form_token(client, url))
    assert response.status_code == 302
    assert response["Location"] == f"{url}cam-on/"
    stored = Response.objects.get()
    assert stored.agency == counter.agency
    assert stored.service_point == counter
    assert stored.procedure == marriage
    assert stored.source == Response.Source.INVITATION
    assert Invitation.objects.get().response == stored
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200


def test_the_link_works_once(client, invitation):
    url = path_of(invitation)
    second_form = form_token(client, url)
    post(client, url, form_token(client, url))
    again = client.get(url)
    assert again.status_code == 410
    assert "Đường dẫn đã được sử dụng" in again.content.decode()
    resent = post(client, url, second_form)
    assert resent.status_code == 410
    incomplete = client.post(url, urlencode({"token": second_form}), content_type=FORM)
    assert incomplete.status_code == 410
    assert Response.objects.count() == 1


def test_a_double_submit_stores_one_response_and_thanks_twice(client, invitation):
    url = path_of(invitation)
    token = form_token(client, url)
    first = post(client, url, token)
    second = post(client, url, token)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Response.objects.count() == 1


def test_the_citizen_cannot_change_the_procedure(
    client, invitation, signature, marriage
):
    url = path_of(invitation)
    tampered = post(client, url, form_token(client, url), procedure=str(signature.pk))
    assert tampered.status_code == 400
    assert Response.objects.count() == 0
    assert Invitation.objects.get().used_at is None
    blank = post(client, url, form_token(client, url), procedure="")
    assert blank.status_code == 302
    assert Response.objects.get().procedure == marriage


def test_a_form_with_mistakes_keeps_the_link_usable(client, invitation):
    url = path_of(invitation)
    response = client.post(
        url,
        urlencode({"token": form_token(client, url), "E1.1": "4"}),
        content_type=FORM,
    )
    assert response.status_code == 200  # the form again, with an error summary
    assert Invitation.objects.get().used_at is None
    assert post(client, url, form_token(client, url)).status_code == 302


def test_an_expired_link_gets_a_polite_410(client, invitation):
    url = path_of(invitation)
    token = form_token(client, url)
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=8)
    with time_machine.travel(later):
        page = client.get(url)
        sent = post(client, url, token)
    assert page.status_code == sent.status_code == 410
    assert "Đường dẫn đã hết hạn" in page.content.decode()
    assert Response.objects.count() == 0


def test_an_unknown_link_gets_a_polite_404(client, exit_questionnaire):
    page = client.get("/s/i/not-a-real-token/")
    assert page.status_code == 404
    assert "Không tìm thấy lời mời" in page.content.decode()
    sent = client.post("/s/i/not-a-real-token/", "token=x", content_type=FORM)
    assert sent.status_code == 404
    assert client.get("/s/i/not-a-real-token/cam-on/").status_code == 404
    assert Response.objects.count() == 0


def test_the_used_link_page_speaks_english_when_asked(client, invitation):
    url = path_of(invitation)
    post(client, url, form_token(client, url))
    client.cookies["sipas_language"] = "en"
    page = client.get(url)
    assert page.status_code == 410
    assert "This link has already been used" in page.content.decode()


def test_the_page_is_rendered_outside_the_transaction_that_stores_the_answer(
    transactional_db, client, invitation
):
    from django.db import connection
    from django.test.signals import template_rendered

    url = path_of(invitation)
    token = form_token(client, url)
    in_transaction: list[bool] = []

    def note(sender, **kwargs) -> None:
        in_transaction.append(connection.in_atomic_block)

    template_rendered.connect(note)
    try:
        # A form without any answer comes back with an error summary.
        data = urlencode({"token": token, "channel": "truc_tiep"})
        assert client.post(url, data, content_type=FORM).status_code == 200
        assert post(client, url, token).status_code == 302
    finally:
        template_rendered.disconnect(note)
    assert in_transaction and not any(in_transaction)
    assert Invitation.objects.get().response == Response.objects.get()


def test_the_public_form_of_the_same_place_cannot_use_up_an_invitation(
    client, invitation, counter
):
    # The public page of the counter signs its tokens for the place; an invitation
    # only takes the tokens of its own page.
    public_token = form_token(client, f"/s/{counter.code}/")
    response = post(client, path_of(invitation), public_token)
    assert response.status_code == 400
    assert not Response.objects.exists()
    assert Invitation.objects.get().used_at is None


def test_one_invitations_form_sent_to_another_invitation_is_refused_not_a_500(
    client, invitation, province_centre, counter, marriage
):
    other = services.create_invitation(
        dossier_code="000.00.53.H48-220921-0100",
        agency=province_centre,
        service_point=counter,
        procedure=marriage,
        expires_days=7,
    )
    token = form_token(client, path_of(invitation))
    assert post(client, path_of(invitation), token).status_code == 302
    response = post(client, path_of(other), token)
    assert response.status_code == 400
    assert Response.objects.count() == 1
    assert Invitation.objects.get(pk=other.invitation.pk).used_at is None
