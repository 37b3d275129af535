import pytest


@pytest.mark.django_db
def test_healthz_reports_the_database_and_the_broker(client):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200
    assert body["database"]["state"] == "ok"
    assert body["broker"]["state"] in ("ok", "in-process")
    assert body["replica"] == {"state": "none"}  # no DATABASE_REPLICA_URL here
