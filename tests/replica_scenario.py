"""Steps of tests/test_replica.py that run in a Django process of their own.

The test starts a real primary and a streaming replica; these steps run with
DATABASE_URL (the primary) and DATABASE_REPLICA_URL (the replica) pointing at them,
so the settings, the router and the middleware are the production ones. Each step
prints one JSON line.

    python tests/replica_scenario.py setup     # after `migrate`, on the primary
    python tests/replica_scenario.py STEP      # see STEPS
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402

from agencies.models import AdministrativeUnit, Agency  # noqa: E402
from dashboard.models import TransactionVolume  # noqa: E402
from sipas import replica  # noqa: E402
from staff.models import StaffProfile  # noqa: E402

PAGE = "/dashboard/sample/?period=2026"
AGENCY = "SNV-T33"
# The page shows the volume grouped the Vietnamese way (4.321, sipas/numbers.py).
VOLUME = re.compile(
    rf'name="agency" value="{AGENCY}".*?name="count"[^>]*value="([\d.]*)"', re.DOTALL
)


def setup() -> dict:
    """Two analysts of one province and a transaction volume; their sessions."""
    unit = AdministrativeUnit.objects.create(
        code="33", name="Tỉnh Hưng Yên", level="province", province_code="33"
    )
    root = Agency.objects.create(
        code="UBND-T33", name="UBND tỉnh Hưng Yên", kind="ubnd_tinh", unit=unit,
        province_code="33",
    )  # fmt: skip
    agency = Agency.objects.create(
        code=AGENCY, name="Sở Nội vụ tỉnh Hưng Yên", kind="so", unit=unit,
        parent=root, province_code="33",
    )  # fmt: skip
    TransactionVolume.objects.create(agency=agency, period="2026", count=4321)
    sessions = {}
    for name in ("an", "binh"):
        user = get_user_model().objects.create_user(name, password="x" * 20)
        StaffProfile.objects.create(
            user=user, role="provincial_analyst", province_code="33"
        )
        client = Client()
        client.force_login(user)
        sessions[name] = client.cookies["sessionid"].value
    return {"sessions": sessions, "primary_lsn": replica.primary_lsn()}


def _client(session: str, cookies: dict | None = None) -> Client:
    client = Client()
    client.cookies["sessionid"] = session
    for name, value in (cookies or {}).items():
        client.cookies[name] = value
    return client


class _Capture:
    """The queries run on one connection, without connecting it (the replica may
    be down; Django's CaptureQueriesContext would connect on entry)."""

    def __init__(self, alias: str) -> None:
        self.connection = connections[alias]

    def __enter__(self) -> _Capture:
        self.connection.force_debug_cursor = True
        self.connection.queries_log.clear()
        return self

    def __exit__(self, *exc) -> None:
        self.connection.force_debug_cursor = False
        self.captured_queries = list(self.connection.queries_log)


def _tables_read(queries: list[dict]) -> list[str]:
    """The dashboard tables a list of captured queries read."""
    read = set()
    for query in queries:
        sql = query["sql"]
        if sql.lstrip().upper().startswith("SELECT"):
            for table in ("staff_transactionvolume", "reports_indexresult"):
                if f'"{table}"' in sql:
                    read.add(table)
    return sorted(read)


def _get(client: Client, path: str = PAGE) -> dict:
    """GET a dashboard page; which database served its reads, what it showed."""
    replica.forget_state()
    with (
        _Capture("default") as on_primary,
        _Capture("replica") as on_replica,
    ):
        response = client.get(path)
        body = response.content.decode()
    shown = VOLUME.search(body)
    return {
        "status": response.status_code,
        "volume": shown.group(1).replace(".", "") if shown else None,
        "primary_read": _tables_read(on_primary.captured_queries),
        "replica_read": _tables_read(on_replica.captured_queries),
        "lag_notice": "replica-lag" in body,
        "sticky_cookie": client.cookies.get(replica.COOKIE).value
        if replica.COOKIE in client.cookies
        else None,
    }


def write_and_read(sessions: dict) -> dict:
    """An enters a new volume; then An and Binh read the page."""
    an = _client(sessions["an"])
    with (
        _Capture("default") as on_primary,
        _Capture("replica") as on_replica,
    ):
        posted = an.post(
            "/dashboard/sample/volume/",
            {"agency": AGENCY, "period": "2026", "count": "8765", "next": PAGE},
        )
    wrote = [
        q["sql"][:60]
        for q in on_primary.captured_queries
        if '"staff_transactionvolume"' in q["sql"]
        and q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))
    ]
    return {
        "post_status": posted.status_code,
        "write_on_primary": bool(wrote),
        "writes_on_replica": len(on_replica.captured_queries),
        "an": _get(an),
        "an_cookies": {
            name: morsel.value
            for name, morsel in an.cookies.items()
            if name == replica.COOKIE
        },
        "binh": _get(_client(sessions["binh"])),
        "health": _client("").get("/healthz").json(),
    }


def read(sessions: dict, cookies: dict) -> dict:
    """Both read again (An still carrying the cookie from the write)."""
    return {
        "an": _get(_client(sessions["an"], cookies)),
        "binh": _get(_client(sessions["binh"])),
        "health": _client("").get("/healthz").json(),
    }


if __name__ == "__main__":
    step = sys.argv[1]
    argument = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    if step == "setup":
        result = setup()
    elif step == "write_and_read":
        result = write_and_read(argument["sessions"])
    else:
        result = read(argument["sessions"], argument.get("cookies", {}))
    print(json.dumps(result))
