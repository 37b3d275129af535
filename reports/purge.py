"""A year's purge: its raw responses and answers go, its published indices and
aggregates stay (manage.py purge_responses --year YYYY; docs/formats.md,
"Purging a year").

One transaction, all or nothing. On PostgreSQL the year's answer partition is
emptied with TRUNCATE (surveys.partitions: instant, the space is returned at
once, however many million rows) rather than deleted row by row; the empty
partition stays, so an import of that year's paper forms still finds it. Rows
elsewhere that reference the year's responses follow their foreign key's
on_delete: deleted (CASCADE: reply contacts, comment reviews, links from
improvement actions, the breakdown queue), emptied (SET_NULL: invitations), or
the purge is refused (PROTECT and the like).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from audit.services import record
from reports.engine.setup import lock_engine
from reports.models import PendingBreakdown
from sipas.periods import parse_period
from surveys.models import Answer, PurgedYear, Response
from surveys.partitions import TABLE, is_partitioned, partition_name, year_partitions


class PurgeRefused(Exception):
    """The year may not be purged (the message says why); nothing changed."""


@dataclass
class Purge:
    year: int
    responses: int = 0
    answers: int = 0
    # "app.Model": rows deleted or (SET_NULL) emptied
    related: dict[str, int] = field(default_factory=dict)
    partition: str = ""  # the partition emptied (PostgreSQL)


def _refuse_if_kept(year: int, today: datetime.date) -> None:
    keep = settings.RESPONSE_RETENTION_YEARS
    if year >= today.year:
        raise PurgeRefused(
            f"{year} is the current year or later: its responses are still coming in."
        )
    if year > today.year - keep:
        raise PurgeRefused(
            f"{year} is within the retention period: raw responses are kept "
            f"{keep} years (RESPONSE_RETENTION_YEARS), the latest year that may be "
            f"purged now is {today.year - keep}."
        )
    if PurgedYear.objects.filter(year=year).exists():
        raise PurgeRefused(f"{year} was purged already.")


def _refuse_if_uncounted(responses: models.QuerySet) -> None:
    """Purged responses must all be in the aggregates, or their counts are lost."""
    uncounted = responses.filter(counted=False, flagged=False).count()
    queued = PendingBreakdown.objects.filter(response__in=responses).count()
    if uncounted or queued:
        raise PurgeRefused(
            f"{uncounted} response(s) not yet counted and {queued} waiting for the "
            "breakdowns: run `manage.py compute_indices --sync` first."
        )


def _relations():
    """The foreign keys to responses other than answers' (hidden ones included)."""
    return [
        r
        for r in Response._meta.get_fields(include_hidden=True)
        if r.auto_created
        and not r.concrete
        and not r.many_to_many  # its through model's foreign key is listed
        and r.related_model is not Answer
    ]


def _purge_related(responses: models.QuerySet, purge: Purge) -> None:
    for relation in _relations():
        model, name = relation.related_model, relation.field.name
        rows = model._base_manager.filter(**{f"{name}__in": responses})
        label = model._meta.label
        if relation.on_delete is models.CASCADE:
            deleted, _by_model = rows.delete()
            purge.related[label] = deleted
        elif relation.on_delete is models.SET_NULL:
            purge.related[label] = rows.update(**{name: None})
        elif rows.exists():
            raise PurgeRefused(
                f"{label} rows reference responses of {purge.year} "
                f"({relation.on_delete.__name__}): remove them first."
            )


def _purge_answers(year: int, purge: Purge) -> None:
    if is_partitioned():
        name = year_partitions().get(year)
        if name is None:
            return
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT COUNT(*) FROM "{name}"')
            purge.answers = cursor.fetchone()[0]
            # deferred foreign-key checks of rows written earlier in this
            # transaction must run first (TRUNCATE refuses pending ones)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # only the partition is locked: other years' writers go on
            cursor.execute(f'TRUNCATE "{name}"')
        purge.partition = name
        return
    purge.answers, _by_model = Answer.objects.filter(year=year).delete()


def purge_year(year: int, *, dry_run: bool = False, today=None) -> Purge:
    """Purge a year's raw responses (see the module); returns what went, or with
    `dry_run` what would go, changing nothing. Raises PurgeRefused."""
    today = today or timezone.localdate()
    _refuse_if_kept(year, today)
    start, end = parse_period(str(year)).bounds()
    purge = Purge(year=year)
    with transaction.atomic():
        lock_engine()  # no sweep or repair counts these responses meanwhile
        responses = Response.objects.filter(
            submitted_at__gte=start, submitted_at__lt=end
        )
        _refuse_if_uncounted(responses)
        purge.responses = responses.count()
        if dry_run:
            purge.answers = Answer.objects.filter(year=year).count()
            purge.partition = partition_name(year) if is_partitioned() else ""
            return purge
        _purge_related(responses, purge)
        _purge_answers(year, purge)
        with connection.cursor() as cursor:
            # raw: the dependent rows are gone, no collector needed for millions
            cursor.execute(
                f"DELETE FROM {Response._meta.db_table} "
                "WHERE submitted_at >= %s AND submitted_at < %s",
                [
                    connection.ops.adapt_datetimefield_value(start),
                    connection.ops.adapt_datetimefield_value(end),
                ],
            )
            purge.responses = cursor.rowcount
        PurgedYear.objects.create(
            year=year, responses=purge.responses, answers=purge.answers
        )
        record(
            "other",
            object_type="responses",
            object_id=year,
            object_repr=f"purge_responses --year {year}",
            detail={
                "responses": purge.responses,
                "answers": purge.answers,
                "related": purge.related,
                "table": purge.partition or TABLE,
            },
        )
    return purge
