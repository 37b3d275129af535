"""`/healthz`: is the database reachable, is the broker reachable."""

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception:
        return "unavailable"


def _broker_state() -> str:
    if not settings.CELERY_BROKER_URL:
        return "in-process"
    from sipas.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception:
        return "unavailable"


def healthz(request: HttpRequest) -> JsonResponse:
    database = _database_state()
    broker = _broker_state()
    healthy = database == "ok" and broker != "unavailable"
    return JsonResponse(
        {
            "status": "ok" if healthy else "degraded",
            "database": {"state": database, "vendor": connection.vendor},
            "broker": {"state": broker},
        },
        status=200 if healthy else 503,
    )
