"""Helpers shared by the authorization matrices: test_authorization_matrix.py
(staff URLs) and test_admin_scope_matrix.py (the admin); their people are in
conftest.py."""

from __future__ import annotations

from django.test import Client

HOME_NAMES = ("Hưng Yên", "xã Mẫu")  # only in province 33's data
LOGIN_PAGES = ("/accounts/login/", "/admin/login/")


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
