"""Two submissions through one token at the same moment store one response.

Needs PostgreSQL (row locks between real connections); on SQLite, whose test
database is one in-memory file shared by threads, the race cannot be staged.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from invitations import services
from surveys.models import Response


@pytest.mark.django_db(transaction=True)
def test_simultaneous_submissions_through_one_token_store_one_response(
    exit_questionnaire, province_centre
):
    if connection.vendor != "postgresql":
        pytest.skip("the race needs PostgreSQL row locks (DATABASE_URL unset)")
    issued = services.create_invitation(
        dossier_code="000.00.53.H48-220921-0099", agency=province_centre
    )
    version = exit_questionnaire.current_version()
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def submit(n: int) -> None:
        from django.db import connections

        try:
            barrier.wait()
            services.answer_invitation(
                token=issued.token,
                version=version,
                answers={"E1.1": 4, "G": 5},
                idempotency_key=f"form-{n}",
            )
            outcomes.append("stored")
        except services.InvitationUnavailable as exc:
            outcomes.append(exc.reason)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["stored", "used", "used", "used"]
    assert Response.objects.count() == 1
