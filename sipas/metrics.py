"""`/metrics` for Prometheus, and JSON log lines as an option.

What is exported:
- `sipas_http_request_duration_seconds` (histogram): every request's latency, by
  method, URL route (the pattern, never the path: no codes or tokens in labels)
  and status class, measured by MetricsMiddleware.
- `sipas_celery_queue_length` (gauge, per queue): messages waiting in Redis.
- `sipas_uncounted_responses` (gauge): stored responses the engine's sweep has
  not counted yet (flagged ones excluded: they wait for staff, not the engine).
- `sipas_last_sweep_timestamp_seconds` (gauge): when a sweep last finished
  without error (reports.tasks calls `note_sweep`); alert when it lags.

Only addresses in METRICS_ALLOWED_IPS (behind the trusted proxies,
sipas.clientip) may read it; others get a 404, as for a page that is not there.
Under gunicorn with several workers set PROMETHEUS_MULTIPROC_DIR (an empty
directory, cleared at start) so the histogram adds up over all processes.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import time
from collections.abc import Callable

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from sipas.clientip import client_ip

log = logging.getLogger(__name__)

LAST_SWEEP_KEY = "metrics:last-sweep"

REQUEST_SECONDS = Histogram(
    "sipas_http_request_duration_seconds",
    "Time to answer a request, by method, URL route and status class.",
    ["method", "route", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)


def note_sweep() -> None:
    """Record that a sweep finished without error (called by reports.tasks)."""
    try:
        cache.set(LAST_SWEEP_KEY, time.time(), timeout=None)
    except Exception:  # the cache being down must not fail a sweep
        log.warning("cache unavailable: last sweep time not recorded", exc_info=True)


class MetricsMiddleware:
    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = match.route if match is not None and match.route else "unmatched"
        REQUEST_SECONDS.labels(
            request.method if request.method in KNOWN_METHODS else "other",
            route[:100],
            f"{response.status_code // 100}xx",
        ).observe(time.perf_counter() - start)
        return response


KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


class PortalCollector:
    """Read at scrape time: queue lengths, uncounted responses, last sweep."""

    def collect(self):
        queues = GaugeMetricFamily(
            "sipas_celery_queue_length",
            "Celery messages waiting in the broker, per queue.",
            labels=["queue"],
        )
        for name, length in _queue_lengths().items():
            queues.add_metric([name], length)
        yield queues
        Response = apps.get_model("surveys", "Response")
        yield GaugeMetricFamily(
            "sipas_uncounted_responses",
            "Stored responses not yet counted into the indices (flagged excluded).",
            value=Response.objects.filter(counted=False, flagged=False).count(),
        )
        last = cache.get(LAST_SWEEP_KEY)
        if last is not None:
            yield GaugeMetricFamily(
                "sipas_last_sweep_timestamp_seconds",
                "When the engine's sweep last finished without error (Unix time).",
                value=float(last),
            )


def _queue_lengths() -> dict[str, int]:
    """LLEN of each configured queue on a Redis broker; {} when tasks run
    in-process or the broker is not Redis or unreachable."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return {}
    import redis

    names = [queue.name for queue in settings.CELERY_TASK_QUEUES]
    try:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        return {name: int(client.llen(name)) for name in names}
    except redis.RedisError:
        log.warning("broker unavailable: no queue lengths")
        return {}


def _allowed(request: HttpRequest) -> bool:
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    for entry in settings.METRICS_ALLOWED_IPS:
        network = ipaddress.ip_network(entry, strict=False)
        if address.version == network.version and address in network:
            return True
    return False


_collector = PortalCollector()


def metrics(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        raise Http404()
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    registry = CollectorRegistry()
    if directory:
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUEST_SECONDS)
    registry.register(_collector)
    response = HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response


# --- JSON logs -------------------------------------------------------------------


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (and exception)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
