"""An agency moving in the tree queues the re-pooling of the aggregates it
affects (reports.engine.moves.repool_moved). Agency.save() writes a changed path with
update_fields=["path"]; its descendants are re-rooted the same way. Moves made
by bulk updates (reference sync) are caught after the next sweep or recompute
instead (reports.tasks)."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save, pre_save

from agencies.models import Agency


def _remember_old_path(sender, instance: Agency, update_fields=None, **kwargs) -> None:
    if instance.pk and update_fields is not None and "path" in update_fields:
        old = Agency.objects.filter(pk=instance.pk).values_list("path", flat=True)
        instance._path_before_save = old.first() or ""


def _queue_repool(sender, instance: Agency, created=False, **kwargs) -> None:
    old = getattr(instance, "_path_before_save", "")
    # "" is a new agency getting its first path: nothing of it is pooled yet
    if not created and old and old != instance.path:
        from reports.tasks import enqueue_repool

        transaction.on_commit(enqueue_repool)


def connect() -> None:
    pre_save.connect(_remember_old_path, sender=Agency, dispatch_uid="reports-move")
    post_save.connect(_queue_repool, sender=Agency, dispatch_uid="reports-move")
