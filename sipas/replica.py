"""Reads from a PostgreSQL streaming replica, writes and the engine on the primary.

With `DATABASE_REPLICA_URL` set, settings add a second connection, `replica`, and
this module decides which reads may use it:

- `ReplicaRouter` sends every write to the primary (`default`) and a read to the
  replica only inside `replica_reads()` and never inside a transaction on the
  primary (a read that feeds a write must see the primary). Migrations run on the
  primary only; the replica receives them by streaming.
- `ReplicaMiddleware` opens `replica_reads()` for GET and HEAD requests under
  `REPLICA_READ_PATHS` (the dashboards, their exports and the PDF downloads),
  including the iteration of a streamed export.
- Read-your-writes: a signed-in user's POST (or any other unsafe method) leaves a
  cookie holding the primary's WAL position after the request. Until the replica
  has replayed past that position, that user's dashboard reads stay on the
  primary, so a staff member who just reviewed a comment or started a report sees
  it on the next page; other users keep reading the replica.
- `replica_state()` measures the replica's lag (seconds since the last replayed
  transaction while WAL is waiting to be replayed, else 0); `/healthz` reports it
  and dashboards served from the replica show a notice when it exceeds
  `REPLICA_LAG_WARNING_SECONDS`. An unreachable replica sends reads to the primary.
- Background work that only reads (a PDF report's figures, `export_indices`) uses
  `replica_reads()` directly; the index engine never does.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse

PRIMARY = "default"
REPLICA = "replica"
COOKIE = "sipas_primary_lsn"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")

# The alias reads go to in this context (None: the primary).
_reads: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "sipas_replica_reads", default=None
)


def configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    """Reads inside `replica_reads()` go to the replica; everything else to the
    primary."""

    def db_for_read(self, model, **hints) -> str | None:
        alias = _reads.get()
        if alias is None or connections[PRIMARY].in_atomic_block:
            return None  # Django's default: the instance's own database or default
        return alias

    def db_for_write(self, model, **hints) -> str:
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        return db == PRIMARY


@contextlib.contextmanager
def replica_reads(*, wait_for_lsn: int | None = None) -> Iterator[str]:
    """Route this context's reads to the replica when it is configured, reachable
    and (with `wait_for_lsn`) has replayed the primary's WAL up to that position.

    Yields the alias the reads go to ("replica" or "default").
    """
    alias = PRIMARY
    if configured():
        state = cached_state()
        if state.reachable and (
            wait_for_lsn is None or state.replay_lsn >= wait_for_lsn
        ):
            alias = REPLICA
    token = _reads.set(alias if alias == REPLICA else None)
    try:
        yield alias
    finally:
        _reads.reset(token)


@contextlib.contextmanager
def _reading_from(alias: str | None) -> Iterator[None]:
    token = _reads.set(alias)
    try:
        yield
    finally:
        _reads.reset(token)


def current_alias() -> str:
    """Where reads of this context go now ("replica" or "default")."""
    return _reads.get() or PRIMARY


# --- the replica's state -----------------------------------------------------------


@dataclass(frozen=True)
class ReplicaState:
    reachable: bool
    lag_seconds: float | None = None  # None: unknown or unreachable
    replay_lsn: int = 0

    @property
    def lagging(self) -> bool:
        return (
            self.lag_seconds is not None
            and self.lag_seconds > settings.REPLICA_LAG_WARNING_SECONDS
        )


LAG_SQL = """
SELECT pg_last_wal_replay_lsn()::text,
       CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn()
            THEN 0
            ELSE EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())
       END
"""


def lsn_number(text: str | None) -> int:
    """A pg_lsn such as '0/3000148' as a comparable integer (0 for None).

    >>> lsn_number("1/A") > lsn_number("0/FFFFFFFF")
    True
    """
    if not text:
        return 0
    high, _, low = text.partition("/")
    return (int(high, 16) << 32) | int(low, 16)


def measure_state() -> ReplicaState:
    """Ask the replica how far it has replayed; unreachable when the query fails."""
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(LAG_SQL)
            lsn, lag = cursor.fetchone()
    except DatabaseError:
        connections[REPLICA].close()  # reconnect on the next attempt
        return ReplicaState(reachable=False)
    return ReplicaState(
        reachable=True,
        lag_seconds=None if lag is None else max(0.0, round(float(lag), 1)),
        replay_lsn=lsn_number(lsn),
    )


_cache_lock = threading.Lock()
_cached: tuple[float, ReplicaState] | None = None


def cached_state() -> ReplicaState:
    """The replica's state, measured at most once per REPLICA_CHECK_SECONDS in this
    process (a stale answer only keeps a user on the primary a little longer)."""
    global _cached
    now = time.monotonic()
    with _cache_lock:
        if _cached is not None and now - _cached[0] < settings.REPLICA_CHECK_SECONDS:
            return _cached[1]
    state = measure_state()
    with _cache_lock:
        _cached = (time.monotonic(), state)
    return state


def forget_state() -> None:
    """Measure again on the next request (tests, and after a failover)."""
    global _cached
    with _cache_lock:
        _cached = None


def primary_lsn() -> int:
    """The primary's current WAL position."""
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return lsn_number(cursor.fetchone()[0])


# --- requests ----------------------------------------------------------------------


def _replica_path(path: str) -> bool:
    return any(path.startswith(prefix) for prefix in settings.REPLICA_READ_PATHS)


def _cookie_lsn(request: HttpRequest) -> int | None:
    raw = request.COOKIES.get(COOKIE, "")
    return int(raw) if raw.isdigit() else None


class ReplicaMiddleware:
    """Dashboard GETs read from the replica; a signed-in user's writes pin that
    user's reads to the primary until the replica has caught up with them."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not configured():
            return self.get_response(request)
        if request.method in ("GET", "HEAD") and _replica_path(request.path):
            return self._read(request)
        response = self.get_response(request)
        if request.method not in SAFE_METHODS and _signed_in(request):
            # After the write has committed: the position the replica must reach.
            response.set_cookie(
                COOKIE,
                str(primary_lsn()),
                max_age=settings.REPLICA_STICKY_SECONDS,
                secure=request.is_secure(),
                httponly=True,
                samesite="Lax",
            )
        return response

    def _read(self, request: HttpRequest) -> HttpResponse:
        wait_for = _cookie_lsn(request)
        with replica_reads(wait_for_lsn=wait_for) as alias:
            request.database = alias
            if alias == REPLICA:
                request.replica_state = cached_state()
            response = self.get_response(request)
        if wait_for is not None and alias == REPLICA:
            response.delete_cookie(COOKIE)  # caught up: back to the replica
        if response.streaming and alias == REPLICA:
            response.streaming_content = _iterate_on(alias, response.streaming_content)
        return response


def _signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def _iterate_on(alias: str, chunks) -> Iterator:
    """A streamed export runs its queries while the server iterates, after the
    view returned: read each chunk on the same database as the view."""
    iterator = iter(chunks)
    while True:
        with _reading_from(alias):
            try:
                chunk = next(iterator)
            except StopIteration:
                return
        yield chunk


def lag_notice(request: HttpRequest) -> dict:
    """Template context: the replica's lag on pages read from a lagging replica."""
    state = getattr(request, "replica_state", None)
    if state is None or not state.lagging:
        return {}
    return {"replica_lag_seconds": round(state.lag_seconds)}
