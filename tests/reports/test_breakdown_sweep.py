"""The breakdown sweep rewrites only the dimension values its responses have:
a batch of counter responses leaves the online channel's rows, the other
procedures' and the other respondent groups' as they are, neither read nor
computed, and the rows it leaves equal a full recompute's."""

import datetime

from agencies.models import Procedure
from reports.engine import recompute, results, setup, sweep
from reports.engine.setup import BREAKDOWNS
from reports.models import IndexResult
from sipas.periods import local_tz, periods_of_year
from surveys.services import ResponseDraft, store_responses
from tests.reliability.engine import snapshot

JUNE = datetime.datetime(2026, 6, 15, 9, tzinfo=local_tz())
ANSWERS = {"E1.1": 4, "E2.1": 5, "E3.1": 3, "G": 4}


def _draft(version, agency, channel, gender, procedure, day=0):
    return ResponseDraft(
        version=version,
        agency_id=agency.pk,
        answers=ANSWERS,
        submitted_at=JUNE + datetime.timedelta(days=day),
        channel=channel,
        procedure_id=procedure.pk,
        respondent={"gender": gender},
    )


def test_the_sweeps_fields_are_the_breakdown_dimensions():
    assert set(setup.DIMENSION_FIELDS) == set(setup.DIMENSIONS)


def test_a_breakdown_sweep_touches_only_its_responses_dimension_values(
    exit_version, commune_centre, monkeypatch
):
    first, other = Procedure.objects.exclude(field="").order_by("code")[:2]
    assert first.field and other.field
    store_responses(
        [
            _draft(exit_version, commune_centre, "truc_tiep", "nu", first),
            _draft(exit_version, commune_centre, "truc_tuyen", "nam", other),
        ]
    )
    recompute.recompute_periods(periods_of_year(2026))
    # a new counter response of the first procedure, by a woman
    store_responses([_draft(exit_version, commune_centre, "truc_tiep", "nu", first, 1)])
    assert sweep.sweep_dirty() == 1

    computed: set[tuple[str, str]] = set()
    result_rows = results._result_rows

    def spy(period, setup_, groups):
        computed.update((dim, dv) for _a, _s, _q, dim, dv in groups)
        return result_rows(period, setup_, groups)

    monkeypatch.setattr(results, "_result_rows", spy)
    assert sweep.sweep_breakdowns() == 1
    wanted = {
        ("channel", "truc_tiep"),
        ("gender", "nu"),
        ("procedure", first.code),
        ("field", first.field),
    }
    assert computed == wanted
    # what the sweep wrote is what a full recompute of the breakdowns writes,
    # and the rows it did not look at are still there
    swept = snapshot()
    online = IndexResult.objects.filter(
        dimension="channel", dimension_value="truc_tuyen", agency=commune_centre
    )
    assert online.filter(period="2026", indicator="G").get().n == 1
    monkeypatch.undo()
    recompute.recompute_periods(periods_of_year(2026), parts=(BREAKDOWNS,))
    assert snapshot() == swept
    counter = IndexResult.objects.get(
        period="2026",
        dimension="channel",
        dimension_value="truc_tiep",
        indicator="G",
        agency=commune_centre,
    )
    assert counter.n == 2


def test_a_breakdown_sweep_of_responses_without_breakdown_values_writes_nothing(
    exit_version, commune_centre, monkeypatch
):
    store_responses(
        [
            ResponseDraft(
                version=exit_version,
                agency_id=commune_centre.pk,
                answers=ANSWERS,
                submitted_at=JUNE,
                channel="",
            )
        ]
    )
    assert sweep.sweep_dirty() == 1
    written = []
    monkeypatch.setattr(
        results, "_insert_results", lambda rows: written.extend(rows) or 0
    )
    assert sweep.sweep_breakdowns() == 1
    assert written == []
    assert not IndexResult.objects.exclude(dimension="").exists()
