"""Issuing invitations and answering through them (the service layer)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings

from invitations import services
from invitations.models import Invitation
from surveys.models import Response

DOSSIER = "000.00.53.H48-220921-0099"


def answer(exit_questionnaire, token: str, **extra) -> Response:
    return services.answer_invitation(
        token=token,
        version=exit_questionnaire.current_version(),
        answers={"E1.1": 4, "E3.1": 5, "G": 4},
        channel="truc_tiep",
        **extra,
    )


def test_it_stores_neither_the_dossier_code_nor_the_token(province_centre, marriage):
    issued = services.create_invitation(
        dossier_code=DOSSIER, agency=province_centre, procedure=marriage
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM invitations_invitation")
        row = " ".join(str(value) for value in cursor.fetchone())
    assert DOSSIER not in row
    assert DOSSIER.lower() not in row.lower()
    assert "220921-0099" not in row
    assert issued.token not in row
    assert issued.token in issued.url


def test_the_dossier_hash_is_keyed_with_the_pepper():
    with override_settings(HASH_PEPPER="pepper-one"):
        first = services.dossier_hash(DOSSIER)
    with override_settings(HASH_PEPPER="pepper-two"):
        second = services.dossier_hash(DOSSIER)
    assert first != second
    assert len(first) == 64


def test_it_refuses_a_second_invitation_for_the_same_dossier(province_centre):
    services.create_invitation(dossier_code=DOSSIER, agency=province_centre)
    with pytest.raises(ValidationError, match="đã có lời mời"):
        services.create_invitation(
            dossier_code=f"  {DOSSIER.lower()} ", agency=province_centre
        )
    assert Invitation.objects.count() == 1


def test_the_same_dossier_code_of_another_agency_is_another_dossier(
    province_centre, justice_department
):
    services.create_invitation(dossier_code=DOSSIER, agency=province_centre)
    services.create_invitation(dossier_code=DOSSIER, agency=justice_department)
    assert Invitation.objects.count() == 2


def test_it_refuses_a_service_point_of_another_agency(justice_department, counter):
    with pytest.raises(ValidationError, match="không thuộc cơ quan"):
        services.create_invitation(
            dossier_code=DOSSIER, agency=justice_department, service_point=counter
        )
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("code", ["", "ab", "mã hồ sơ", "x" * 80, "1;DROP TABLE"])
def test_it_refuses_a_malformed_dossier_code(province_centre, code):
    with pytest.raises(ValidationError):
        services.create_invitation(dossier_code=code, agency=province_centre)
    assert not Invitation.objects.exists()


def test_an_answer_takes_agency_point_and_procedure_from_the_invitation(
    exit_questionnaire, province_centre, counter, marriage, signature
):
    issued = services.create_invitation(
        dossier_code=DOSSIER,
        agency=province_centre,
        service_point=counter,
        procedure=marriage,
    )
    response = answer(
        exit_questionnaire, issued.token, procedure_id=signature.pk, agency_id=0
    )
    assert response.agency == province_centre
    assert response.service_point == counter
    assert response.procedure == marriage
    assert response.source == Response.Source.INVITATION
    invitation = Invitation.objects.get()
    assert invitation.used_at is not None
    assert invitation.response == response


def test_a_token_answers_once(exit_questionnaire, province_centre):
    issued = services.create_invitation(dossier_code=DOSSIER, agency=province_centre)
    answer(exit_questionnaire, issued.token, idempotency_key="first-form")
    with pytest.raises(services.InvitationUnavailable) as caught:
        answer(exit_questionnaire, issued.token, idempotency_key="second-form")
    assert caught.value.reason == "used"
    assert Response.objects.count() == 1


def test_a_repeat_of_the_same_submission_returns_the_first_response(
    exit_questionnaire, province_centre
):
    issued = services.create_invitation(dossier_code=DOSSIER, agency=province_centre)
    first = answer(exit_questionnaire, issued.token, idempotency_key="one-form")
    again = answer(exit_questionnaire, issued.token, idempotency_key="one-form")
    assert again.pk == first.pk
    assert Response.objects.count() == 1


def test_an_invalid_answer_leaves_the_token_unused(exit_questionnaire, province_centre):
    issued = services.create_invitation(dossier_code=DOSSIER, agency=province_centre)
    with pytest.raises(ValidationError):
        services.answer_invitation(
            token=issued.token,
            version=exit_questionnaire.current_version(),
            answers={"E1.1": 9},
        )
    assert Invitation.objects.get().used_at is None
    assert Response.objects.count() == 0


def test_an_expired_token_cannot_be_answered(exit_questionnaire, province_centre):
    issued = services.create_invitation(
        dossier_code=DOSSIER, agency=province_centre, expires_days=7
    )
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=8)
    with time_machine.travel(later):
        with pytest.raises(services.InvitationUnavailable) as opened:
            services.open_invitation(issued.token)
        with pytest.raises(services.InvitationUnavailable) as answered:
            answer(exit_questionnaire, issued.token)
    assert opened.value.reason == answered.value.reason == "expired"
    assert Response.objects.count() == 0


def test_an_unknown_token_is_unknown(exit_questionnaire):
    with pytest.raises(services.InvitationUnavailable) as caught:
        answer(exit_questionnaire, "no-such-token")
    assert caught.value.reason == "unknown"
