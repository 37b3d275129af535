"""Steps of the load benchmark that need Django, run in a subprocess against the
load database: `python bench/load_steps.py _prepare` and `... _verify ACKS STARTED`.
"""

from __future__ import annotations

import json
import sys

from load_procs import PROVINCE, ROOT, STAFF_PASSWORD, STAFF_USER

# --- steps that need Django (run in a subprocess against the load database) --------


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _prepare() -> None:
    """Staff user, bare table; print the place codes and dashboard URLs as JSON."""
    _django()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from agencies.models import Agency, ServicePoint
    from bench.bare_urls import BARE_TABLE
    from staff.models import StaffProfile

    user = get_user_model().objects.create_user(STAFF_USER, password=STAFF_PASSWORD)
    StaffProfile.objects.create(
        user=user, role=StaffProfile.Role.PROVINCIAL_ANALYST, province_code=PROVINCE
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {BARE_TABLE} (id bigserial PRIMARY KEY, "
            "payload text NOT NULL, at timestamptz NOT NULL DEFAULT now())"
        )
    points = list(
        ServicePoint.objects.filter(questionnaire_code="exit-dv")
        .order_by("code")
        .values_list("code", flat=True)[:40]
    )
    root = Agency.objects.filter(code=f"UBND-T{PROVINCE}").first()
    dashboards = ["/dashboard/", "/dashboard/ranking/", "/dashboard/comments/"]
    if root is not None:
        dashboards.append(f"/dashboard/agency/{root.code}/")
    print(json.dumps({"codes": points, "dashboards": dashboards}))


def _verify(ack_file: str, started: str) -> None:
    """Check acknowledged submissions against the database; print JSON."""
    _django()
    from django.core import signing
    from django.db import connection
    from django.db.models import Count

    from bench.bare_urls import BARE_TABLE
    from surveys.abuse import TOKEN_SALT
    from surveys.models import Response

    acked: dict[str, int] = {}
    refused: dict[int, int] = {}
    with open(ack_file, encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if not record["acked"]:
                refused[record["status"]] = refused.get(record["status"], 0) + 1
                continue
            key = signing.loads(record["token"], salt=TOKEN_SALT)["k"]
            acked[key] = acked.get(key, 0) + 1
    new = Response.objects.filter(submitted_at__gte=started)
    stored = dict(
        new.values("idempotency_key")
        .annotate(n=Count("id"))
        .values_list("idempotency_key", "n")
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {BARE_TABLE}")
        bare_rows = cursor.fetchone()[0]
    print(
        json.dumps(
            {
                "acknowledged_posts": sum(acked.values()),
                "refused_posts_by_status": refused,
                "acknowledged_keys": len(acked),
                "repeated_posts": sum(n - 1 for n in acked.values()),
                "stored_responses": sum(stored.values()),
                "acked_not_stored": sum(1 for k in acked if k not in stored),
                "stored_more_than_once": sum(1 for n in stored.values() if n > 1),
                "stored_not_acked": sum(1 for k in stored if k not in acked),
                "uncounted_responses_left": Response.objects.filter(
                    counted=False, flagged=False
                ).count(),
                "bare_rows": bare_rows,
            }
        )
    )


if __name__ == "__main__":
    if sys.argv[1] == "_prepare":
        _prepare()
    elif sys.argv[1] == "_verify":
        _verify(sys.argv[2], sys.argv[3])
    else:
        sys.exit(f"unknown step {sys.argv[1]!r}")
