"""Did it work? Equal windows before and after an action's start, the agency's
change against its peers' (difference-in-differences), on seeded data."""

from __future__ import annotations

import datetime

import numpy as np
import pytest
from django.urls import reverse

from improvement import effects
from improvement.models import Action, ActionEffect
from surveys.models import Answer, Response
from tests.dashboard_fixtures import VN, _agency

START = datetime.date(2026, 4, 1)
TODAY = datetime.date(2026, 7, 1)  # 91 days after the start: two 91-day windows
E4 = ["E4.1", "E4.2", "E4.3"]


@pytest.fixture
def peers(agencies):
    """Three more communes of Hưng Yên: the commune's comparable agencies."""
    unit = agencies["UBND-X12133"].unit
    return [
        _agency(
            f"UBND-X9000{k}", f"UBND xã Bạn {k}", "ubnd_xa", unit, agencies["UBND-T33"]
        )
        for k in range(3)
    ]


def _respond(agency, version, n, satisfied, days, rng) -> None:
    """n respondents spread over the given days; each E4 item satisfied (5) with
    probability ``satisfied``, else dissatisfied (2)."""
    moments = [
        datetime.datetime.combine(days[i % len(days)], datetime.time(10), tzinfo=VN)
        for i in range(n)
    ]
    responses = Response.objects.bulk_create(
        Response(
            version=version,
            submitted_at=when,
            agency=agency,
            channel="truc_tiep",
            source="web",
        )
        for when in moments
    )
    values = np.where(rng.random((n, len(E4))) < satisfied, 5, 2)
    Answer.objects.bulk_create(
        Answer(response=r, item_code=code, value=int(v))
        for r, row in zip(responses, values, strict=True)
        for code, v in zip(E4, row, strict=True)
    )


BEFORE_DAYS = [
    datetime.date(2026, 1, 5) + datetime.timedelta(days=7 * k) for k in range(12)
]
AFTER_DAYS = [
    datetime.date(2026, 4, 6) + datetime.timedelta(days=7 * k) for k in range(12)
]


def _scenario(agencies, peers, version, agency_rise, peer_rise, seed, n=800):
    rng = np.random.default_rng(seed)
    commune = agencies["UBND-X12133"]
    _respond(commune, version, n, 0.70, BEFORE_DAYS, rng)
    _respond(commune, version, n, 0.70 + agency_rise, AFTER_DAYS, rng)
    for peer in peers:
        _respond(peer, version, n, 0.70, BEFORE_DAYS, rng)
        _respond(peer, version, n, 0.70 + peer_rise, AFTER_DAYS, rng)
    return Action.objects.create(
        title="Trả kết quả đúng hẹn",
        agency=commune,
        targets=["E4", "E4.1"],
        start_date=START,
        due_date=datetime.date(2026, 6, 30),
        status=Action.Status.DONE,
    )


def test_a_10_point_rise_against_peers_rising_4_shows_about_6(
    agencies, peers, exit_version, client, province_analyst
):
    action = _scenario(agencies, peers, exit_version, 0.10, 0.04, seed=5)
    assert effects.measure_action(action, today=TODAY) == 2
    effect = ActionEffect.objects.get(action=action, indicator="E4")
    assert effect.window_days == 91 and effect.peers == 3
    assert effect.n_before == effect.n_after == 800
    assert effect.peer_n_before == effect.peer_n_after == 2400
    assert effect.diff == pytest.approx(10, abs=3)
    assert effect.peer_diff == pytest.approx(4, abs=2)
    assert effect.did == pytest.approx(6, abs=3)
    assert effect.did_low <= 6 <= effect.did_high
    assert effect.enough and effect.claimed
    client.force_login(province_analyst)
    page = client.get(reverse("improvement:action", args=[action.pk]))
    assert "Có hiệu quả" in page.content.decode()
    assert page.context["effects"][0].did == effect.did


def test_with_no_true_effect_no_effect_is_claimed(agencies, peers, exit_version):
    action = _scenario(agencies, peers, exit_version, 0.04, 0.04, seed=8)
    effects.measure_action(action, today=TODAY)
    for effect in ActionEffect.objects.filter(action=action):
        assert effect.enough and not effect.claimed, effect.indicator
        assert effect.did_low < 0 < effect.did_high


def test_too_few_responses_say_not_enough_data(
    agencies, peers, exit_version, client, province_analyst
):
    action = _scenario(agencies, peers, exit_version, 0.3, 0.0, seed=1, n=40)
    effects.measure_action(action, today=TODAY)
    effect = ActionEffect.objects.get(action=action, indicator="E4")
    assert not effect.enough and not effect.claimed
    client.force_login(province_analyst)
    body = client.get(reverse("improvement:action", args=[action.pk])).content.decode()
    assert "Chưa đủ dữ liệu" in body and "Có hiệu quả" not in body


def test_an_action_started_days_ago_is_not_measured_yet(agencies, exit_version):
    action = Action.objects.create(
        title="Mới bắt đầu",
        agency=agencies["UBND-X12133"],
        targets=["E4"],
        start_date=TODAY - datetime.timedelta(days=10),
        due_date=TODAY + datetime.timedelta(days=60),
    )
    effects.measure_action(action, today=TODAY)
    effect = ActionEffect.objects.get(action=action)
    assert effect.window_days == 0 and not effect.enough and effect.did is None


def test_the_province_table_lists_finished_actions_with_their_effects(
    agencies,
    peers,
    exit_version,
    client,
    province_analyst,
    other_analyst,
    django_assert_num_queries,
):
    action = _scenario(agencies, peers, exit_version, 0.10, 0.04, seed=5, n=150)
    effects.measure_action(action, today=TODAY)
    Action.objects.create(
        title="Đang làm",
        agency=agencies["SNV-T33"],
        start_date=START,
        due_date=TODAY,
    )
    client.force_login(province_analyst)
    url = reverse("improvement:effects")
    client.get(url)
    with django_assert_num_queries(6):
        page = client.get(url)
    body = page.content.decode()
    assert "Trả kết quả đúng hẹn" in body and "Đang làm" not in body
    [(shown, rows)] = page.context["rows"]
    assert [e.indicator for e in rows] == ["E4", "E4.1"]
    client.force_login(other_analyst)
    assert "Trả kết quả đúng hẹn" not in client.get(url).content.decode()


def test_creating_an_action_enqueues_its_measurement(
    client,
    province_analyst,
    agencies,
    exit_version,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    from improvement import tasks

    sent = []
    monkeypatch.setattr(tasks.measure_action_task, "delay", sent.append)
    client.force_login(province_analyst)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("improvement:action_new"),
            {
                "agency": "UBND-X12133",
                "title": "Thử",
                "targets": ["E4"],
                "start_date": "2026-04-01",
                "due_date": "2026-06-30",
            },
        )
    assert sent == [Action.objects.get().pk]
