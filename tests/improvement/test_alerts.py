"""Early warnings on seeded data: a bounded false-alarm rate, real drops found,
deduplication, targets, the inbox and the daily digest."""

from __future__ import annotations

import datetime

import numpy as np
import pytest
from django.core import mail
from django.urls import reverse

from improvement import alerts
from improvement.models import Action, Alert, DigestPreference, Target
from reports.indices import wilson
from reports.models import IndexResult
from surveys.models import Answer, Response
from tests.dashboard_fixtures import VN, _agency

NOW, PREVIOUS, LAST_YEAR = "2026-Q2", "2026-Q1", "2025-Q2"
INDICATORS = {"A_DV": 0.85, "E1": 0.86, "E2": 0.83, "E3": 0.88, "E4": 0.84, "E5": 0.80}


def _row(agency, period, indicator, hits, n, kind="element"):
    low, high = wilson(hits, n)
    return IndexResult(
        methodology="sipas-1001",
        period=period,
        agency=agency,
        scope="subtree",
        questionnaire="exit-dv",
        kind=kind,
        indicator=indicator,
        value=100 * hits / n,
        n=n,
        ci_low=low,
        ci_high=high,
    )


def _indices(agency, period, rng, n=400, shift=None):
    """Index rows of one agency and period drawn from the true rates (shifted
    for the indicators in ``shift``), and the G distribution."""
    shift = shift or {}
    rows = []
    for indicator, rate in INDICATORS.items():
        p = rate + shift.get(indicator, 0)
        rows.append(_row(agency, period, indicator, int(rng.binomial(n, p)), n))
    for level, p in ((1, 0.03), (2, 0.05)):
        hits = int(rng.binomial(n, p))
        row = _row(agency, period, f"G:{level}", hits, n, kind="share")
        row.ci_low = row.ci_high = None
        rows.append(row)
    return rows


@pytest.fixture
def many_communes(agencies):
    unit = agencies["UBND-X12133"].unit
    return [
        _agency(
            f"UBND-X7{k:04d}", f"UBND xã Thử {k}", "ubnd_xa", unit, agencies["UBND-T33"]
        )
        for k in range(200)
    ]


def _alerted_agencies() -> set[int]:
    return set(Alert.objects.values_list("agency_id", flat=True))


def test_with_no_true_change_at_most_5_percent_of_agencies_are_alerted(many_communes):
    rng = np.random.default_rng(2026)
    rows = []
    for agency in many_communes:
        for period in (NOW, PREVIOUS, LAST_YEAR):
            rows += _indices(agency, period, rng)
    IndexResult.objects.bulk_create(rows)
    alerts.detect(NOW)
    assert len(_alerted_agencies()) <= 0.05 * len(many_communes)


def test_a_true_8_point_drop_at_n_400_is_alerted(many_communes):
    rng = np.random.default_rng(7)
    dropped = many_communes[0]
    rows = []
    for agency in many_communes[:20]:
        shift = {"A_DV": -0.08} if agency == dropped else {}
        rows += _indices(agency, NOW, rng, shift=shift)
        rows += _indices(agency, PREVIOUS, rng) + _indices(agency, LAST_YEAR, rng)
    IndexResult.objects.bulk_create(rows)
    alerts.detect(NOW)
    alert = Alert.objects.get(agency=dropped, indicator="A_DV")
    assert "drop_previous" in alert.reasons or "drop_last_year" in alert.reasons
    assert alert.detail[alert.reasons[0]]["p"] < 0.01


def test_alerts_are_deduplicated_and_handled_ones_stay_handled(many_communes):
    rng = np.random.default_rng(7)
    agency = many_communes[0]
    IndexResult.objects.bulk_create(
        _indices(agency, NOW, rng, shift={"A_DV": -0.15})
        + _indices(agency, PREVIOUS, rng)
        + _indices(agency, LAST_YEAR, rng)
    )
    assert alerts.detect(NOW) >= 1
    alert = Alert.objects.get(agency=agency, indicator="A_DV")
    alert.status = Alert.Status.RESOLVED
    alert.save()
    Target.objects.create(province_code="33", year=2026, indicator="A_DV", value=95)
    assert alerts.detect(NOW) == 0  # nothing new: the same alert gains a reason
    alert.refresh_from_db()
    assert alert.status == "resolved" and "below_target" in alert.reasons
    assert Alert.objects.filter(agency=agency, indicator="A_DV").count() == 1


def test_the_most_specific_target_applies(agencies, many_communes):
    rng = np.random.default_rng(3)
    for agency in many_communes[:2]:
        IndexResult.objects.bulk_create(_indices(agency, NOW, rng))
    Target.objects.create(province_code="33", year=2026, indicator="A_DV", value=99)
    Target.objects.create(
        province_code="33",
        year=2026,
        indicator="A_DV",
        agency_kind="ubnd_xa",
        value=80,
    )
    Target.objects.create(
        province_code="33",
        year=2026,
        indicator="A_DV",
        agency=many_communes[1],
        value=99,
    )
    alerts.detect(NOW)
    # Read in Python: SQLite has no JSON containment lookup.
    below = {
        agency_id
        for agency_id, reasons in Alert.objects.values_list("agency_id", "reasons")
        if "below_target" in reasons
    }
    assert below == {many_communes[1].pk}


def test_a_rise_in_negative_comments_is_alerted(agencies, exit_version):
    commune = agencies["TTHCC-X12133"]
    for day, negative in (
        (datetime.date(2026, 2, 10), 10),
        (datetime.date(2026, 5, 10), 70),
    ):
        when = datetime.datetime.combine(day, datetime.time(9), tzinfo=VN)
        responses = Response.objects.bulk_create(
            Response(
                version=exit_version,
                submitted_at=when,
                agency=commune,
                channel="truc_tiep",
                source="web",
                comment="Chờ quá lâu." if k < negative else "",
            )
            for k in range(300)
        )
        Answer.objects.bulk_create(
            Answer(response=r, item_code="G", value=1 if k < negative else 4)
            for k, r in enumerate(responses)
        )
    alerts.detect(NOW)
    flagged = Alert.objects.get(agency=commune, indicator="comments")
    assert flagged.reasons == ["negative_comments"]
    # Spread up the tree: the commune's People's Committee sees the same rise.
    assert Alert.objects.filter(
        agency=agencies["UBND-X12133"], indicator="comments"
    ).exists()


@pytest.fixture
def two_alerts(agencies):
    commune = Alert.objects.create(
        agency=agencies["TTHCC-X12133"],
        period=NOW,
        indicator="A_DV",
        reasons=["drop_previous"],
        value=71.0,
    )
    foreign = Alert.objects.create(
        agency=agencies["SNV-T01"],
        period=NOW,
        indicator="E4",
        reasons=["drop_last_year"],
        value=60.0,
    )
    return commune, foreign


def test_the_digest_is_sent_once_per_person_per_day(
    settings,
    two_alerts,
    province_analyst,
    commune_manager,
    other_analyst,
    national_viewer,
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    DigestPreference.objects.create(user=national_viewer, daily_digest=False)
    now = datetime.datetime(2026, 7, 1, 0, 30, tzinfo=datetime.UTC)
    Alert.objects.update(created_at=now - datetime.timedelta(hours=5))
    assert alerts.send_digests(now) == 3
    assert alerts.send_digests(now + datetime.timedelta(hours=3)) == 0
    by_person = {m.to[0]: m for m in mail.outbox}
    assert set(by_person) == {
        "analyst33@example.vn",
        "manager_x@example.vn",
        "analyst01@example.vn",
    }
    assert "Trung tâm PVHCC xã Mẫu" in by_person["manager_x@example.vn"].body
    assert "Xa Lạ" not in by_person["analyst33@example.vn"].body
    assert "Xa Lạ" in by_person["analyst01@example.vn"].body
    # The next day brings only what is new since.
    assert alerts.send_digests(now + datetime.timedelta(days=1)) == 0


def test_the_inbox_lists_the_scope_and_acknowledges_resolves_and_opens_an_action(
    client, province_analyst, other_analyst, two_alerts, django_assert_num_queries
):
    commune, foreign = two_alerts
    client.force_login(province_analyst)
    url = reverse("improvement:alerts")
    client.get(url)
    with django_assert_num_queries(7):
        page = client.get(url)
    assert [a.pk for a in page.context["alerts"]] == [commune.pk]
    status = reverse("improvement:alert_status", args=[commune.pk])
    client.post(status, {"status": "acknowledged"})
    commune.refresh_from_db()
    assert commune.status == "acknowledged" and commune.handled_by == province_analyst
    response = client.post(
        reverse("improvement:action_new") + f"?alert={commune.pk}",
        {
            "agency": "TTHCC-X12133",
            "alert": commune.pk,
            "title": "Xử lý cảnh báo",
            "start_date": "2026-07-01",
            "due_date": "2026-09-30",
        },
    )
    assert response.status_code == 302
    commune.refresh_from_db()
    assert commune.action == Action.objects.get()
    client.post(status, {"status": "resolved"})
    commune.refresh_from_db()
    assert commune.status == "resolved"
    client.force_login(other_analyst)
    assert client.post(status, {"status": "open"}).status_code == 404
    commune.refresh_from_db()
    assert commune.status == "resolved"


def test_opting_out_of_the_digest(client, commune_manager):
    client.force_login(commune_manager)
    client.post(reverse("improvement:digest_preference"), {"daily_digest": "0"})
    assert not DigestPreference.objects.get(user=commune_manager).daily_digest
    assert commune_manager not in alerts.digest_recipients()


def test_analysts_set_targets_and_see_progress(
    client, province_analyst, commune_manager, index_results, django_assert_num_queries
):
    client.force_login(province_analyst)
    url = reverse("improvement:targets")
    response = client.post(
        url,
        {
            "province_code": "33",
            "year": "2026",
            "indicator": "A_DV",
            "agency_kind": "so",
            "value": "85",
        },
    )
    assert response.status_code == 302
    assert Target.objects.get().agency_kind == "so"
    foreign = client.post(
        url, {"province_code": "01", "year": "2026", "indicator": "A_DV", "value": "85"}
    )
    assert foreign.status_code == 403 and Target.objects.count() == 1
    client.get(url + "?year=2026")
    with django_assert_num_queries(5):
        page = client.get(url + "?year=2026")
    progress = {
        (a.code, value >= t.value) for a, _i, value, _n, t in page.context["progress"]
    }
    assert progress == {("SNV-T33", True), ("STP-T33", False)}
    client.force_login(commune_manager)
    refused = client.post(
        url, {"province_code": "33", "year": "2026", "indicator": "A_DV", "value": "1"}
    )
    assert refused.status_code == 403
    assert Target.objects.count() == 1
