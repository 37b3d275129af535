"""The Celery application. Tasks live in each app's tasks.py."""

import os

from celery import Celery
from django.db import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sipas.settings")

app = Celery("sipas", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# How a task retries after a database hiccup (a lost connection, a failover):
# exponential back-off from 5 s up to 5 min, with jitter, at most five times.
# Spread into @shared_task(**DATABASE_RETRY).
DATABASE_RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}
