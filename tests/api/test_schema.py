"""The OpenAPI schema: public, valid OpenAPI 3, and the API keeps to it.

schemathesis generates requests for every operation from /api/schema/ (valid
token) and checks that none answers 500 and that every answer — status code,
content type, headers and body — conforms to the schema.
"""

from __future__ import annotations

import contextlib

import pytest
import yaml
from django.core.wsgi import get_wsgi_application
from django.test import Client
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.mark.django_db
def test_the_schema_is_public_and_valid_openapi_3():
    response = Client().get("/api/schema/")
    assert response.status_code == 200
    document = yaml.safe_load(response.content)
    validate(document)
    assert document["openapi"].startswith("3.")
    assert "bearerAuth" in document["components"]["securitySchemes"]


@pytest.mark.django_db
def test_the_documentation_page_loads_its_assets_from_this_site():
    page = Client().get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js" in html
    assert "https://" not in html


@contextlib.contextmanager
def connections_kept():
    """schemathesis calls the WSGI application directly, and Django's handler
    closes, at each request, a connection that is inside a transaction or older
    than CONN_MAX_AGE — here the test's own connection and its transaction.
    Django's test client suspends that around each of its requests (and connects
    it again after), so this is entered after the test client's last request."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, connection

    connection.close_at = None  # not "too old" (CONN_MAX_AGE) during the test
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_every_operation_keeps_to_the_schema(
    api, province_token, index_results, comments, exit_version
):
    token, raw = province_token
    token.rate_per_minute = 100_000  # the throttle is tested on its own
    token.save(update_fields=["rate_per_minute"])
    # Something to find: an invitation of the commune, the token's own webhook.
    created = api(raw).post("/api/v1/invitations/", {"dossier_code": "HS-SCHEMA"})
    assert created.status_code == 201
    with connections_kept():
        app = get_wsgi_application()
        schema = schemathesis.openapi.from_wsgi("/api/schema/", app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 12
        _check_all(operations, raw)


def _check_all(operations, raw: str) -> None:
    for operation in operations:

        @settings(
            max_examples=30,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @_given(operation)
        def check(case):
            case.call_and_validate(
                headers={"Authorization": f"Bearer {raw}"}, checks=CHECKS
            )

        check()


def _given(operation):
    from hypothesis import given

    return given(case=operation.as_strategy())
