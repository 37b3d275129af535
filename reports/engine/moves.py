"""Agencies that moved in the tree: re-pool the aggregates they affect.

Each response counts for its own agency and, as pooled rows, for every agency
above it at counting time. When an agency moves (admin edit, reference sync),
its history stays under the old ancestors until the pooled rows are rebuilt
from the own rows — for every year, since a move changes the past subtrees
too. reports.models.PooledPath records the paths the pooled rows were built
with; :func:`moved` compares them with the current ones, :func:`repool` does
the rebuild and records the new paths. reports.tasks enqueues it (on an agency
save, and from the sweep, which also catches moves made by bulk updates), and
the dashboards show "đang cập nhật" while :data:`UPDATING_KEY` is set.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection

from agencies.models import Agency
from reports.models import PooledPath

UPDATING_KEY = "reports:repool-pending"


def moved() -> list[int]:
    """Agencies whose current path differs from the one their pooled rows were
    built with. Agencies without a record (new ones: nothing of theirs is
    pooled yet) get one. Call holding the engine lock."""
    table = PooledPath._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT a.id, a.path, p.path FROM agencies_agency a
            LEFT JOIN {table} p ON p.agency_id = a.id
            WHERE p.path IS NULL OR p.path <> a.path
            """
        )
        rows = cursor.fetchall()
    fresh = [
        PooledPath(agency_id=pk, path=path) for pk, path, old in rows if old is None
    ]
    PooledPath.objects.bulk_create(fresh, batch_size=1000)
    return [pk for pk, _path, old in rows if old is not None]


def aggregate_years() -> list[int]:
    """Every year that has aggregate rows."""
    from reports.models import AnswerCount

    return [day.year for day in AnswerCount.objects.dates("month", "year")]


def record(agency_ids: list[int]) -> None:
    """The moved agencies' pooled rows now follow their current paths."""
    for pk, path in Agency.objects.filter(pk__in=agency_ids).values_list("pk", "path"):
        PooledPath.objects.update_or_create(agency_id=pk, defaults={"path": path})


def mark_updating() -> None:
    """Dashboards say "đang cập nhật" until :func:`repool` has run."""
    try:
        cache.set(UPDATING_KEY, "1", timeout=6 * 3600)
    except Exception:  # a cache outage must not fail the save
        pass


def updating() -> bool:
    try:
        return bool(cache.get(UPDATING_KEY))
    except Exception:
        return False


def done() -> None:
    try:
        cache.delete(UPDATING_KEY)
    except Exception:
        pass
