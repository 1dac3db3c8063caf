"""Fixtures for the admin pages: staff of every role signed in through the real form, and a seeded interview."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from candor.testing import STAFF_PASSWORD, csrf_token_from

from .seeding import seed_reviewable

ROLES = ("admin", "recruiter", "reviewer", "auditor")


@pytest.fixture
def seeded(candor_app: Flask) -> dict[str, Any]:
    return seed_reviewable(candor_app, full_name="<script>alert('x')</script> Robin")


@pytest.fixture
def client_as(candor_app: Flask, make_staff: Callable[..., Any]) -> Callable[[str], tuple[FlaskClient, Any]]:
    """A fresh client signed in with a new user of ``role``: ``client, user = client_as("reviewer")``."""

    def sign_in(role: str) -> tuple[FlaskClient, Any]:
        user = make_staff(role)
        client = candor_app.test_client()
        token = csrf_token_from(client.get("/admin/login").get_data(as_text=True))
        response = client.post("/admin/login", data={"email": user.email, "password": STAFF_PASSWORD,
                                                      "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client, user

    return sign_in


def csrf_of(client: FlaskClient) -> str:
    return csrf_token_from(client.get("/admin/").get_data(as_text=True))
