"""CSRF everywhere: no view is exempt, and a POST without the token is refused."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import get_resolver

from tests.security.urls import TOKEN_PREFIXES, concrete_urls, walk_patterns


def test_no_view_of_the_portal_is_exempt_from_csrf():
    # The REST API is exempt on purpose: it authenticates by bearer token only
    # (no session cookie counts there), so a forged cross-site request carries no
    # credentials (tests/api/test_tokens.py).
    exempt = [
        route
        for route, callback in walk_patterns(get_resolver())
        if getattr(callback, "csrf_exempt", False)
        and not ("/" + route).startswith(TOKEN_PREFIXES)
    ]
    assert exempt == []


@pytest.mark.django_db
def test_a_login_post_without_the_csrf_token_is_refused(administrator):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/admin/login/", {"username": "quan.tri", "password": "whatever"}
    )
    assert response.status_code == 403
    assert not get_user_model().objects.filter(last_login__isnull=False).exists()


@pytest.mark.django_db
def test_every_url_refuses_a_post_without_the_csrf_token(administrator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(administrator)
    accepted = []
    for url in concrete_urls():
        response = client.post(url, {"anything": "1"})
        if response.status_code != 403:
            accepted.append((url, response.status_code))
    assert accepted == []


@pytest.mark.django_db
def test_a_post_with_the_token_from_the_form_is_accepted(administrator):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/admin/login/")
    token = page.cookies["csrftoken"].value
    response = client.post(
        "/admin/login/",
        {
            "username": "quan.tri",
            "password": "Mật-khẩu-đủ-dài-2026",
            "csrfmiddlewaretoken": token,
            "next": "/admin/",
        },
    )
    assert response.status_code == 302
