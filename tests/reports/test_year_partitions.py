"""A year's repair reads one answer partition, and a year's purge removes its raw
responses and answers (on PostgreSQL by emptying one partition) while its
indices and aggregates stay; refused inside the retention period, all or
nothing."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from audit.models import AuditEvent
from dashboard.models import CommentReview
from reports import purge
from reports.engine import recompute
from reports.models import AnswerCount, IndexResult
from surveys.models import Answer, PurgedYear, ReplyContact, Response
from surveys.partitions import partition_name
from surveys.services import attach_reply_contact
from tests.reports.engine_fixtures import KEPT, OLD
from tests.reports.engine_fixtures import TWO_YEARS_ANSWERS as ANSWERS
from tests.reports.engine_fixtures import mid_year as _at


def _staged_plans(run) -> list[str]:
    """EXPLAIN of every query that reads answer rows for the engine: a sweep's
    staged batch, a repair's responses with their answers
    (reports.engine.rebuild)."""
    plans: list[str] = []

    def explain(execute, sql, params, many, context):
        select = None
        if sql.lstrip().startswith("CREATE TEMPORARY TABLE reports_engine_batch AS"):
            select = sql.split(" AS ", 1)[1]
        elif sql.lstrip().startswith("SELECT") and "string_agg(" in sql:
            select = sql
        if select is not None:
            with connection.cursor() as cursor:  # not the repair's named cursor
                cursor.execute("EXPLAIN " + select, params)
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(explain):
        run()
    return plans


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
def test_the_repair_and_the_sweep_read_only_their_years_partitions(two_years):
    def partitions_in(plan: str) -> set[str]:
        return set(re.findall(r"surveys_answer_y\d{4}", plan))

    # the sweep counts the pending responses of both years: both partitions
    (sweep_plan,) = _staged_plans(lambda: recompute.recompute_periods([str(KEPT)]))
    assert partitions_in(sweep_plan) == {partition_name(OLD), partition_name(KEPT)}
    (repair_plan,) = _staged_plans(
        lambda: recompute.recompute_periods([str(OLD)], rebuild=True)
    )
    assert partitions_in(repair_plan) == {partition_name(OLD)}


def _counted() -> None:
    call_command("compute_indices", sync=True, verbosity=0)
    assert not Response.objects.filter(counted=False).exists()


def _old_rows():
    start, end = (_at(OLD).replace(month=1, day=1), _at(KEPT).replace(month=1, day=1))
    return Response.objects.filter(submitted_at__gte=start, submitted_at__lt=end)


def test_a_purge_removes_the_years_raw_rows_and_keeps_its_indices(two_years, capsys):
    _counted()
    first = _old_rows().first()
    attach_reply_contact(first, kind="phone", value="0912345678")
    CommentReview.objects.create(response=first)
    aggregates = AnswerCount.objects.filter(month__year=OLD).count()
    indices = IndexResult.objects.filter(period=str(OLD)).count()
    assert aggregates and indices

    call_command("purge_responses", year=OLD, dry_run=True)
    assert "would lose 3 responses and 18 answers" in capsys.readouterr().out
    assert _old_rows().count() == 3 and not PurgedYear.objects.exists()

    call_command("purge_responses", year=OLD)
    out = capsys.readouterr().out
    assert "deleted 3 responses and 18 answers" in out
    assert "1 surveys.ReplyContact" in out and "1 dashboard.CommentReview" in out
    assert not _old_rows().exists() and not ReplyContact.objects.exists()
    assert set(Answer.objects.values_list("year", flat=True)) == {KEPT}
    assert Answer.objects.count() == 2 * len(ANSWERS)
    assert AnswerCount.objects.filter(month__year=OLD).count() == aggregates
    assert IndexResult.objects.filter(period=str(OLD)).count() == indices
    assert PurgedYear.objects.get().answers == 18
    assert AuditEvent.objects.filter(object_type="responses", object_id="2019")
    if connection.vendor == "postgresql":
        assert "partition surveys_answer_y2019" in out
    # the repair of a purged year would rebuild from nothing: refused
    with pytest.raises(CommandError, match="purged"):
        call_command("compute_indices", period=[str(OLD)], rebuild=True)
    with pytest.raises(CommandError, match="purged already"):
        call_command("purge_responses", year=OLD)


@pytest.mark.parametrize(
    "year, why",
    [
        (datetime.date.today().year, "current year"),
        (datetime.date.today().year - 4, "within the retention period"),
    ],
)
def test_recent_years_are_refused(year, why, province_33):
    with pytest.raises(CommandError, match=why):
        call_command("purge_responses", year=year)


def test_uncounted_responses_are_refused(two_years):
    with pytest.raises(CommandError, match="3 response.s. not yet counted"):
        call_command("purge_responses", year=OLD)
    assert _old_rows().count() == 3


def test_a_failing_purge_changes_nothing(two_years, monkeypatch):
    _counted()

    def fail(*args, **kwargs):
        raise RuntimeError("the audit log is down")

    monkeypatch.setattr(purge, "record", fail)
    with pytest.raises(RuntimeError):
        purge.purge_year(OLD)
    assert _old_rows().count() == 3
    assert Answer.objects.filter(year=OLD).count() == 3 * len(ANSWERS)
    assert not PurgedYear.objects.exists()
