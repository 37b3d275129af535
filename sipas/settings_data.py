"""Settings of the raw data's life: how long a year's raw responses are kept and
the nightly preparation of the year partitions (surveys.partitions and
reports.partitions),
read by sipas/settings.py with the other retention periods."""

import os

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

# A year's raw responses and answers may be purged (manage.py purge_responses
# --year, its published indices and aggregates stay) once it is older than this
# many years: with 5, in 2026 the earliest is 2021 (2022-2026 are kept). The
# current year is never purged.
try:
    RESPONSE_RETENTION_YEARS = max(
        1, int(os.environ.get("RESPONSE_RETENTION_YEARS") or 5)
    )
except ValueError as error:
    raise ImproperlyConfigured("RESPONSE_RETENTION_YEARS must be a number") from error

DATA_BEAT_SCHEDULE = {
    # Every night at 03:40 Vietnam time: this and next year's answer partitions
    # exist before a year's first answer (PostgreSQL; surveys.partitions).
    "nightly-answer-partitions": {
        "task": "surveys.tasks.prepare_answer_partitions_task",
        "schedule": crontab(hour=3, minute=40),
    },
    # The same for the engine's aggregates (reports.partitions).
    "nightly-aggregate-partitions": {
        "task": "reports.tasks.prepare_aggregate_partitions_task",
        "schedule": crontab(hour=3, minute=42),
    },
}
