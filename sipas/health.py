"""`/healthz`: is the database reachable, is the broker reachable, how far behind
is the read replica (when one is configured)."""

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse

from sipas import replica


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


def _replica() -> dict:
    """The replica's lag, measured now. A lagging or lost replica does not make the
    portal unhealthy: dashboards then read from the primary or show the lag."""
    if not replica.configured():
        return {"state": "none"}
    state = replica.measure_state()
    if not state.reachable:
        return {"state": "unavailable"}
    return {
        "state": "lagging" if state.lagging else "ok",
        "lag_seconds": state.lag_seconds,
        "warning_seconds": settings.REPLICA_LAG_WARNING_SECONDS,
    }


def healthz(request: HttpRequest) -> JsonResponse:
    database = _database_state()
    broker = _broker_state()
    healthy = database == "ok" and broker != "unavailable"
    return JsonResponse(
        {
            "status": "ok" if healthy else "degraded",
            "database": {"state": database, "vendor": connection.vendor},
            "broker": {"state": broker},
            "replica": _replica(),
        },
        status=200 if healthy else 503,
    )
