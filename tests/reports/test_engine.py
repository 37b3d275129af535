"""The engine's moving parts: the queue of uncounted responses, the debounced
sweep, flagged responses, idempotent tasks, breakdown rows for dashboards."""

import datetime

from django.core.cache import cache

from agencies.models import Agency
from reports import tasks
from reports.engine import recompute, results, sweep
from reports.models import AnswerCount, IndexResult
from sipas.periods import local_tz
from surveys import services as survey_services
from surveys.models import Response
from surveys.services import ResponseDraft, store_responses

ALL_FIVE = {code: 5 for code in ["E1.1", "E2.1", "E3.1", "E4.1", "E5.1", "G"]}


def draft(version, agency, answers, at, **extra) -> ResponseDraft:
    return ResponseDraft(
        version=version, agency_id=agency.pk, answers=answers, submitted_at=at, **extra
    )


def headline(agency, period="2026", scope="own", indicator="E1.1"):
    return IndexResult.objects.filter(
        agency=agency, period=period, scope=scope, indicator=indicator, dimension=""
    ).first()


JUNE = datetime.datetime(2026, 6, 15, 9, tzinfo=local_tz())


def uncounted():
    return Response.objects.filter(counted=False, flagged=False).count()


def test_new_responses_are_stored_uncounted_and_a_sweep_is_scheduled(
    exit_version, commune_centre, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        store_responses([draft(exit_version, commune_centre, ALL_FIVE, JUNE)])
    assert uncounted() == 1
    assert tasks.enqueue_sweep in callbacks
    assert not AnswerCount.objects.exists()


def test_the_sweep_counts_each_response_exactly_once(exit_version, commune_centre):
    store_responses([draft(exit_version, commune_centre, {"E1.1": 5}, JUNE)])
    assert sweep.sweep_dirty() == 1
    assert sweep.sweep_dirty() == 0  # nothing left: counts are not added twice
    store_responses([draft(exit_version, commune_centre, {"E1.1": 5}, JUNE)])
    assert sweep.sweep_dirty() == 1
    assert uncounted() == 0
    june = AnswerCount.objects.get(
        agency=commune_centre, item_code="E1.1", value=5, dimension=""
    )
    assert (june.month, june.count) == (datetime.date(2026, 6, 1), 2)
    assert headline(commune_centre).n == 2


def test_breakdowns_follow_in_their_own_sweep_exactly_once(
    exit_version, commune_centre, django_capture_on_commit_callbacks, monkeypatch
):
    """The official sweep queues what it counted for the breakdown sweep and its
    task enqueues that sweep after commit; the breakdown sweep counts each queued
    response once into the breakdowns and empties the queue."""
    from reports.models import PendingBreakdown

    sent = []
    monkeypatch.setattr(
        tasks.sweep_breakdowns_task, "apply_async", lambda **kw: sent.append(kw)
    )
    cache.delete(tasks.BREAKDOWN_LOCK_KEY)
    store_responses(
        [draft(exit_version, commune_centre, ALL_FIVE, JUNE, channel="truc_tiep")]
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_dirty_task() == 1
    assert sent and sent[0]["countdown"] == tasks.BREAKDOWN_DEBOUNCE_SECONDS
    assert headline(commune_centre).value == 100.0  # official: current at once
    assert PendingBreakdown.objects.count() == 1
    by_channel = IndexResult.objects.filter(dimension="channel")
    assert not by_channel.exists()  # breakdowns: after their sweep

    assert sweep.sweep_breakdowns() == 1
    assert sweep.sweep_breakdowns() == 0
    assert not PendingBreakdown.objects.exists()
    sat = AnswerCount.objects.get(
        agency=commune_centre,
        pooled=False,
        dimension="channel",
        dimension_value="truc_tiep",
        item_code="E1.1",
    )
    assert (sat.value, sat.count) == (5, 1)
    rows = by_channel.filter(agency=commune_centre, scope="subtree", indicator="A_DV")
    assert {r.period: r.value for r in rows} == {
        "2026": 100.0,
        "2026-Q2": 100.0,
        "2026-06": 100.0,
    }
    cache.delete(tasks.BREAKDOWN_LOCK_KEY)


def test_many_responses_enqueue_one_debounced_sweep(
    exit_version, commune_centre, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(
        tasks.sweep_dirty_task, "apply_async", lambda **kw: sent.append(kw)
    )
    cache.delete(tasks.SWEEP_LOCK_KEY)
    cache.delete(tasks.SWEEP_SECONDS_KEY)  # no sweep ran yet: the debounce
    for hour in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            at = JUNE + datetime.timedelta(hours=hour)
            store_responses([draft(exit_version, commune_centre, ALL_FIVE, at)])
    assert len(sent) == 1 and sent[0]["countdown"] == tasks.SWEEP_DEBOUNCE_SECONDS
    cache.delete(tasks.SWEEP_LOCK_KEY)


def test_a_submission_succeeds_when_the_broker_is_unreachable(
    exit_version, commune_centre, django_capture_on_commit_callbacks, monkeypatch
):
    def unreachable(**kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.sweep_dirty_task, "apply_async", unreachable)
    cache.delete(tasks.SWEEP_LOCK_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        stored = store_responses([draft(exit_version, commune_centre, ALL_FIVE, JUNE)])
    assert len(stored) == 1
    assert uncounted() == 1  # the periodic sweep will take it
    assert sweep.sweep_dirty() == 1
    assert headline(commune_centre).value == 100.0
    assert uncounted() == 0


def test_the_sweep_updates_own_and_every_ancestor_subtree(exit_version, commune_centre):
    store_responses([draft(exit_version, commune_centre, ALL_FIVE, JUNE)])
    sweep.sweep_dirty()
    root = Agency.objects.get(code="UBND-T33")
    assert headline(commune_centre).n == 1
    assert headline(root, scope="subtree").n == 1
    assert headline(root, scope="own") is None  # no response of its own
    for period in ["2026", "2026-Q2", "2026-06"]:
        assert headline(commune_centre, period=period).value == 100.0


def test_flagged_responses_count_only_once_accepted(exit_version, commune_centre):
    store_responses([draft(exit_version, commune_centre, {"E1.1": 5}, JUNE)])
    suspicious = store_responses(
        [
            draft(
                exit_version,
                commune_centre,
                {"E1.1": 1},
                JUNE,
                flagged=True,
                flag_reason="too fast",
            )
        ]
    )[0]
    recompute.recompute_periods(["2026"])
    assert (headline(commune_centre).value, headline(commune_centre).n) == (100.0, 1)

    assert survey_services.accept_flagged([suspicious.pk]) == 1
    sweep.sweep_dirty()
    assert (headline(commune_centre).value, headline(commune_centre).n) == (50.0, 2)


def test_a_period_task_run_twice_gives_the_same_rows(exit_version, commune_centre):
    store_responses(
        [
            draft(exit_version, commune_centre, {"E1.1": v, "G": v}, JUNE, channel=c)
            for v, c in [(5, "truc_tiep"), (3, "truc_tuyen"), (4, "truc_tiep")]
        ]
    )

    def rows():
        return sorted(
            IndexResult.objects.values_list(
                "period",
                "agency_id",
                "scope",
                "dimension",
                "dimension_value",
                "indicator",
                "value",
                "n",
                "ci_low",
                "ci_high",
                "flag",
            )
        )

    tasks.recompute_period_task("2026")
    first = rows()
    tasks.recompute_period_task("2026")
    assert rows() == first and first


def test_dashboard_breakdowns_are_computed_for_headline_indicators(
    exit_version, commune_centre
):
    store_responses(
        [
            draft(
                exit_version,
                commune_centre,
                {"E1.1": v, "G": v},
                JUNE,
                channel=channel,
                respondent={"gender": "nu", "age_group": "60+"},
            )
            for v, channel in [(5, "truc_tiep"), (1, "truc_tuyen"), (4, "truc_tiep")]
        ]
    )
    recompute.recompute_periods(["2026", "2026-06"])
    in_person = IndexResult.objects.filter(
        agency=commune_centre,
        period="2026",
        scope="subtree",
        dimension="channel",
        dimension_value="truc_tiep",
    )
    by_indicator = {r.indicator: (r.value, r.n) for r in in_person}
    assert by_indicator["G"] == (100.0, 2)
    assert by_indicator["A_DV"] == (100.0, 2)
    assert by_indicator["E1"] == (100.0, 2)
    assert "E1.1" not in by_indicator  # items stay out of breakdowns
    women = IndexResult.objects.get(
        agency=commune_centre,
        period="2026",
        scope="subtree",
        dimension="gender",
        dimension_value="nu",
        indicator="A_DV",
    )
    assert (round(women.value, 2), women.n) == (66.67, 3)
    # respondent groups carry only the headline (the agency page's tables)
    assert set(
        IndexResult.objects.filter(dimension="gender").values_list(
            "indicator", flat=True
        )
    ) == {"A_DV"}
    # dashboards read breakdowns of the subtree scope only; months get no
    # respondent-group rows (BREAKDOWN_GRANULARITIES keeps the table small)
    assert not IndexResult.objects.exclude(dimension="").filter(scope="own").exists()
    assert not IndexResult.objects.filter(period="2026-06", dimension="gender").exists()
    assert IndexResult.objects.filter(period="2026-06", dimension="channel").exists()


def test_breakdowns_by_procedure_and_its_field(exit_version, commune_centre):
    from agencies.models import Procedure

    procedure = Procedure.objects.exclude(field="").order_by("code").first()
    store_responses(
        [
            draft(
                exit_version,
                commune_centre,
                {"E2.1": g, "G": g},
                JUNE,
                procedure_id=procedure.pk,
            )
            for g in (5, 2)
        ]
    )
    recompute.recompute_periods(["2026"])
    for dimension, value, indicator in [
        ("procedure", procedure.code, "A_DV"),
        ("field", procedure.field, "G"),
        ("field", procedure.field, "E2"),
    ]:
        row = IndexResult.objects.get(
            agency=commune_centre,
            period="2026",
            scope="subtree",
            dimension=dimension,
            dimension_value=value,
            indicator=indicator,
        )
        assert (row.value, row.n) == (50.0, 2)
    # fields are broken down for years and quarters, not months
    assert IndexResult.objects.filter(period="2026-Q2", dimension="field").exists()
    assert not IndexResult.objects.filter(period="2026-06", dimension="field").exists()


def test_the_recent_periods_task_covers_current_and_previous_periods(
    exit_version, commune_centre, time_machine
):
    time_machine.move_to(datetime.datetime(2026, 7, 2, 3, tzinfo=local_tz()))
    store_responses([draft(exit_version, commune_centre, ALL_FIVE, JUNE)])
    written = tasks.recompute_recent_periods_task()
    assert set(written) == {"2026", "2026-Q3", "2026-07", "2025", "2026-Q2", "2026-06"}
    assert written["2026-06"] > 0 and written["2026-07"] == 0


def test_counting_by_sweeps_and_rebuilding_from_raw_answers_agree(exit_version):
    """The deltas the sweep adds (own and pooled rows) equal a rebuild from raw
    answers, row for row, and so do the indices."""
    from reports.models import MaskCount
    from tests.reliability.engine import snapshot

    agencies = list(
        Agency.objects.filter(province_code="33", valid_until__isnull=True)
        .exclude(parent=None)
        .order_by("code")[:6]
    )
    for batch, start in enumerate((0, 3)):
        store_responses(
            [
                draft(
                    exit_version,
                    agency,
                    {"E1.1": 1 + (i + batch) % 5, "E3.2": 4, "G": 5 - i % 2},
                    JUNE + datetime.timedelta(days=40 * i, hours=batch),
                    channel=["truc_tiep", "truc_tuyen", ""][i % 3],
                    respondent={"gender": ["nu", "nam", ""][i % 3]},
                )
                for i, agency in enumerate(agencies[start:] + agencies[:start])
            ]
        )
        assert sweep.sweep_dirty() == len(agencies)
        assert sweep.sweep_breakdowns() == len(agencies)
        assert sweep.sweep_breakdowns() == 0  # the queue is empty again

    def aggregates():
        return (
            sorted(
                AnswerCount.objects.values_list(
                    "agency_id",
                    "pooled",
                    "month",
                    "dimension",
                    "dimension_value",
                    "item_code",
                    "value",
                    "count",
                )
            ),
            sorted(
                MaskCount.objects.values_list(
                    "agency_id", "pooled", "month", "dimension", "mask", "count"
                )
            ),
        )

    swept, swept_indices = aggregates(), snapshot()
    assert any(pooled for _a, pooled, *_rest in swept[0])
    from sipas.periods import periods_of_year

    recompute.recompute_periods(periods_of_year(2026), rebuild=True)
    assert aggregates() == swept
    assert snapshot() == swept_indices


def test_an_agency_without_a_materialised_path_still_counts(
    exit_version, commune_centre
):
    Agency.objects.filter(pk=commune_centre.pk).update(path="")
    store_responses([draft(exit_version, commune_centre, {"E1.1": 5}, JUNE)])
    assert sweep.sweep_dirty() == 1
    assert headline(commune_centre).n == 1
    assert headline(commune_centre, scope="subtree").n == 1


def test_index_rows_are_formatted_for_copy_like_any_copy_line():
    """The writer's fast formatter gives exactly sipas.pgcopy.copy_line's text."""
    from django.utils import timezone

    from sipas.pgcopy import copy_line

    now = timezone.now()
    head = ("sipas-1001", "2026-Q2", 7, "subtree", "exit-dv")
    rows = [
        (*head, "", "", "item", "E1.1", 66.67, 3, 20.77, 93.85, "small_sample", now)
        + (2, 27.2166, ""),
        (*head, "channel", "a\tb\\c\nd", "element", "E1", None, 0, None, None, "", now)
        + (2, None, ""),
        (*head, "", "", "sipas", "SIPAS", 100.0, 1234, 99.5, 100.0, "", now)
        + (2, 0.1, "E5,P1"),
    ]
    assert list(results._result_lines(rows)) == [copy_line(row) for row in rows]
