"""Connector secrets set in the admin pages (write-only): an administrator sets, replaces and removes one; the
value is in the private file and in the plugin's settings at once (the next hook call uses it) and in a new app
on the same data folder, and nowhere else: not in a page, a response, a log record, the audit log or the
database. Other roles are refused, CSRF is enforced, undeclared and non-secret settings are refused, and an
environment variable still wins over a stored secret."""

from __future__ import annotations

import base64
import json
import logging
import secrets
import stat
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, select, text
from standardwebhooks import Webhook

from candor import PluginDeclaration, Purpose, Setting
from candor.app import create_app
from candor.audit.models import AuditEntry
from candor.auth.models import Role, User
from candor.auth.passwords import hash_password
from candor.outbox.connectors import ehr_connectors
from candor.plugin_secrets import FILE_NAME, SecretStoreError, write_secret
from candor.recruiting.sync import connectors_of
from candor.state import get_state
from candor.testing import STAFF_PASSWORD, csrf_token_from
from candor_plugins.webhooks.signing import signed_headers

PLUGIN = "vaulted_hr"
PAGE = "/admin/connectors"


class VaultedConnector:
    """An EHR connector that keeps the token it was built with, so a test sees which value a call used."""

    name = "vaulted"

    def __init__(self, token: str) -> None:
        self.token = token

    def pull_jobs(self, since: str | None) -> Iterator[Mapping[str, Any]]:
        return iter(())

    def pull_applicants(self, since: str | None) -> Iterator[Mapping[str, Any]]:
        return iter(())

    def push_event(self, event: Mapping[str, Any], idempotency_key: str) -> Mapping[str, Any]:
        return {}


class VaultedHrPlugin:
    """A throwaway connector plugin: one secret setting, and a connector offered only once the token is set."""

    def candor_declare(self) -> PluginDeclaration:
        return PluginDeclaration(
            name=PLUGIN, title="Vaulted HR", capabilities=frozenset({"ehr_sync"}),
            purposes=frozenset({Purpose.RECRUITMENT}),
            settings=(Setting("base_url", "https://hr.example", "Where the HR system answers."),
                      Setting("token", "", "API token of the HR system.", secret=True),
                      Setting("retries", 3, "Attempts per call.")),
        )

    def candor_register_ehr_connectors(self, settings: Mapping[str, Any]) -> Sequence[VaultedConnector]:
        if any(character.isspace() for character in settings["token"]):
            raise ValueError("vaulted_hr: the token has spaces in it; paste it without them")
        return [VaultedConnector(settings["token"])] if settings["token"] else []


@pytest.fixture
def build_app(candor_settings: dict[str, Any]) -> Iterator[Callable[[], Flask]]:
    """Build apps on the test's data folder and database with the throwaway plugin; all disposed at the end."""
    built: list[Flask] = []

    def build() -> Flask:
        app = create_app(candor_settings, plugins=[VaultedHrPlugin()])
        built.append(app)
        return app

    yield build
    for app in built:
        get_state(app).db.dispose()


def signed_in(app: Flask, role: str = "admin") -> tuple[FlaskClient, User]:
    user = User(email=f"{role}-{secrets.token_hex(3)}@example.com", role=Role(role),
                password_hash=hash_password(STAFF_PASSWORD))
    with get_state(app).db.transaction() as session:
        session.add(user)
    client = app.test_client()
    token = csrf_token_from(client.get("/admin/login").get_data(as_text=True))
    response = client.post("/admin/login", data={"email": user.email, "password": STAFF_PASSWORD,
                                                  "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client, user


def csrf(client: FlaskClient) -> str:
    return csrf_token_from(client.get(PAGE).get_data(as_text=True))


def set_secret(client: FlaskClient, value: str, setting: str = "token") -> Any:
    return client.post(f"{PAGE}/{PLUGIN}/secrets/{setting}", data={"value": value, "csrf_token": csrf(client)})


def remove(client: FlaskClient, setting: str = "token") -> Any:
    return client.post(f"{PAGE}/{PLUGIN}/secrets/{setting}/remove", data={"csrf_token": csrf(client)})


def store_file(app: Flask) -> Path:
    return get_state(app).settings.data_dir / FILE_NAME


def stored(app: Flask) -> dict[str, Any]:
    path = store_file(app)
    return json.loads(path.read_text()) if path.exists() else {}


def running_token(app: Flask) -> str:
    return str(get_state(app).plugins.get(PLUGIN).settings["token"])


def offered_tokens(app: Flask) -> list[str]:
    """What the plugin's connector hook builds now: the next call after a change must use the new value."""
    return [connector.token for name, connector in connectors_of(get_state(app)) if name == PLUGIN]


def row_of(page: str) -> str:
    start = page.index(f'id="c-{PLUGIN}"')
    return page[start:page.index("</section>", start)]


def database_text(app: Flask) -> str:
    """Every row of every table, as text, to search a value for."""
    engine = get_state(app).db.engine
    parts = []
    with engine.connect() as connection:
        for table in inspect(engine).get_table_names():
            parts.extend(str(tuple(row)) for row in connection.execute(text(f'SELECT * FROM "{table}"')))
    return "\n".join(parts)


def test_admin_sets_replaces_and_removes_a_secret_that_never_leaves_the_server(build_app, caplog):
    caplog.set_level(logging.DEBUG)
    app = build_app()
    client, admin = signed_in(app)
    first, second = f"tok-{secrets.token_hex(12)}", f"tok-{secrets.token_hex(12)}"
    bodies: list[str] = []

    def seen(response: Any) -> Any:
        bodies.append(response.get_data(as_text=True) + str(response.headers))
        return response

    page = seen(client.get(PAGE))
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    row = row_of(page.get_data(as_text=True))
    assert "secret: not set" in row and "no connector until its settings are complete" in row
    assert 'type="password"' in row and 'autocomplete="off"' in row and 'name="value"' in row
    assert "value=\"tok-" not in row and "Remove</button>" not in row  # never pre-filled; nothing to remove yet
    assert offered_tokens(app) == []

    assert seen(set_secret(client, first)).status_code == 303
    assert running_token(app) == first and offered_tokens(app) == [first]  # applied at once, no restart
    path = store_file(app)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stored(app) == {PLUGIN: {"token": first}}
    page = seen(client.get(PAGE)).get_data(as_text=True)
    row = row_of(page)
    assert "secret: set" in row and "set here" in row and f"user:{admin.id}" in row and "Replace" in row
    assert "saved." in page and "Remove</button>" in row

    assert seen(set_secret(client, second)).status_code == 303
    assert stored(app) == {PLUGIN: {"token": second}} and offered_tokens(app) == [second]

    assert seen(remove(client)).status_code == 303
    assert stored(app) == {} and running_token(app) == "" and offered_tokens(app) == []
    row = row_of(seen(client.get(PAGE)).get_data(as_text=True))
    assert "secret: not set" in row and "removed here" in row and "Remove</button>" not in row
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    with get_state(app).db.transaction() as session:
        entries = list(session.scalars(select(AuditEntry).where(AuditEntry.subject == f"plugin:{PLUGIN}")
                                       .order_by(AuditEntry.seq)))
        set_via, removed_via = "POST admin.connector_secret_set", "POST admin.connector_secret_remove"
        assert [(e.action, e.actor, e.details) for e in entries] == [  # names only, never the value
            ("admin.secret_set", f"user:{admin.id}", {"setting": "token", "via": set_via}),
            ("admin.secret_set", f"user:{admin.id}", {"setting": "token", "via": set_via}),
            ("admin.secret_removed", f"user:{admin.id}", {"setting": "token", "via": removed_via}),
        ]
    logged = "\n".join(f"{r.getMessage()} {r.args!r} {r.__dict__!r}" for r in caplog.records)
    searched = {"responses": "\n".join(bodies), "log records": logged, "database": database_text(app)}
    for value in (first, second):
        for where, haystack in searched.items():
            assert value not in haystack, f"a secret value appears in the {where}"


@pytest.mark.parametrize("role", ["recruiter", "reviewer", "auditor"])
def test_only_administrators_may_set_or_remove(build_app, role):
    app = build_app()
    write_secret(get_state(app).settings.data_dir, get_state(app).plugins.declaration(PLUGIN), "token", "kept")
    client, _user = signed_in(app, role)
    token = csrf_token_from(client.get("/admin/").get_data(as_text=True))
    assert client.post(f"{PAGE}/{PLUGIN}/secrets/token", data={"value": "theirs", "csrf_token": token}
                       ).status_code == 403
    assert client.post(f"{PAGE}/{PLUGIN}/secrets/token/remove", data={"csrf_token": token}).status_code == 403
    assert stored(app) == {PLUGIN: {"token": "kept"}}
    page = client.get(PAGE)
    if role == "recruiter":  # runs the sync, so sees the page, but without the forms
        assert page.status_code == 200 and 'type="password"' not in page.get_data(as_text=True)
    else:
        assert page.status_code == 403


def test_a_post_without_the_csrf_token_is_refused(build_app):
    app = build_app()
    client, _admin = signed_in(app)
    assert client.post(f"{PAGE}/{PLUGIN}/secrets/token", data={"value": "forged"}).status_code == 400
    assert client.post(f"{PAGE}/{PLUGIN}/secrets/token", data={"value": "forged", "csrf_token": "x"}
                       ).status_code == 400
    assert not store_file(app).exists() and running_token(app) == ""


def test_undeclared_non_secret_and_unknown_settings_are_refused(build_app):
    app = build_app()
    client, _admin = signed_in(app)
    for setting in ("base_url", "retries", "password"):
        response = set_secret(client, "https://evil.example", setting=setting)
        assert response.status_code == 303
        page = client.get(PAGE).get_data(as_text=True)
        assert f"has no secret setting {setting}; only secret settings can be set here" in page
    assert client.post(f"{PAGE}/no_such_plugin/secrets/token",
                       data={"value": "x", "csrf_token": csrf(client)}).status_code == 404
    # smtp_mail has a secret setting but is no connector: this page does not set it
    assert client.post(f"{PAGE}/smtp_mail/secrets/password",
                       data={"value": "x", "csrf_token": csrf(client)}).status_code == 404
    unusable = f"tok {secrets.token_hex(8)}"  # the plugin cannot use it: refused before it is stored
    assert set_secret(client, unusable).status_code == 303
    page = client.get(PAGE).get_data(as_text=True)
    assert "cannot use this value for token: vaulted_hr: the token has spaces in it" in page
    assert "Nothing was saved." in page and unusable not in page
    assert running_token(app) == "" and offered_tokens(app) == []
    empty = set_secret(client, "")
    assert empty.status_code == 303 and "Type the secret" in client.get(PAGE).get_data(as_text=True)
    assert not store_file(app).exists()
    assert get_state(app).plugins.get(PLUGIN).settings["base_url"] == "https://hr.example"
    with pytest.raises(SecretStoreError, match="no secret setting 'base_url'"):
        write_secret(get_state(app).settings.data_dir, get_state(app).plugins.declaration(PLUGIN), "base_url", "x")


def test_a_new_app_on_the_data_folder_uses_the_secret_over_the_config_file(build_app, tmp_path, monkeypatch):
    config = tmp_path / "candor.toml"
    config.write_text(f'[plugin_settings.{PLUGIN}]\ntoken = "from-config-file"\nretries = 5\n')
    monkeypatch.setenv("CANDOR_CONFIG", str(config))
    app = build_app()
    assert running_token(app) == "from-config-file"
    client, _admin = signed_in(app)
    assert set_secret(client, "from-admin-page").status_code == 303
    assert running_token(app) == "from-admin-page"

    later = build_app()  # another process starting on the same data folder
    assert get_state(later).plugins.get(PLUGIN).settings["token"] == "from-admin-page"
    assert get_state(later).plugins.get(PLUGIN).settings["retries"] == 5  # the rest of the file still applies
    assert offered_tokens(later) == ["from-admin-page"]

    assert remove(client).status_code == 303  # the config file's value comes back
    assert running_token(app) == "from-config-file"
    assert get_state(build_app()).plugins.get(PLUGIN).settings["token"] == "from-config-file"


def test_an_environment_variable_still_wins(build_app, monkeypatch):
    monkeypatch.setenv(f"CANDOR_PLUGIN_SETTINGS__{PLUGIN.upper()}__TOKEN", "from-environment")
    app = build_app()
    client, _admin = signed_in(app)
    assert "an environment variable sets it" in row_of(client.get(PAGE).get_data(as_text=True))
    assert set_secret(client, "from-admin-page").status_code == 303
    page = client.get(PAGE).get_data(as_text=True)
    assert f"the environment variable CANDOR_PLUGIN_SETTINGS__{PLUGIN.upper()}__TOKEN sets token" in page
    assert stored(app) == {PLUGIN: {"token": "from-admin-page"}}
    assert running_token(app) == "from-environment" and offered_tokens(app) == ["from-environment"]
    assert get_state(build_app()).plugins.get(PLUGIN).settings["token"] == "from-environment"


def test_a_shipped_connector_refuses_a_malformed_signing_secret_and_takes_a_good_one(build_app, candor_settings):
    candor_settings["plugin_settings"] = {"webhooks": {"url": "https://receiver.example/hook"}}
    app = build_app()
    client, _admin = signed_in(app)
    token = csrf(client)
    # The page where the missing secret is set must open although the plugin refuses its settings until then.
    page = client.get(PAGE).get_data(as_text=True)
    assert "Its settings are not usable yet: Plugin &#39;webhooks&#39; has a url but no secrets" in page
    response = client.post(f"{PAGE}/webhooks/secrets/secrets", data={"value": "not-a-signing-secret",
                                                                    "csrf_token": token})
    assert response.status_code == 303
    page = client.get(PAGE).get_data(as_text=True)
    assert "does not start with &#39;whsec_&#39;" in page and "not-a-signing-secret" not in page
    # inbound_secrets is read when the plugin's blueprint is built at start-up: refused too, so no restart fails
    assert client.post(f"{PAGE}/webhooks/secrets/inbound_secrets", data={"value": "whsec_%%%",
                                                                         "csrf_token": token}).status_code == 303
    page = client.get(PAGE).get_data(as_text=True)
    assert "cannot use this value for inbound_secrets: Plugin &#39;webhooks&#39; setting &#39;inbound_secrets&#39;: " \
        "secret 1 is not valid base64 after &#39;whsec_&#39;" in page
    assert not store_file(app).exists()

    first, second = ("whsec_" + base64.b64encode(secrets.token_bytes(24)).decode() for _ in range(2))
    for value in (first, second):
        assert client.post(f"{PAGE}/webhooks/secrets/secrets", data={"value": value, "csrf_token": token}
                           ).status_code == 303
        assert get_state(app).plugins.get("webhooks").settings["secrets"] == value
        connector = ehr_connectors(get_state(app))["webhooks"].connector  # the outbox builds it again
        headers = signed_headers(connector.secrets, "msg_1", '{"event": "test"}')
        Webhook(value).verify('{"event": "test"}', headers)  # what a receiver holding the new secret checks
        page = client.get(PAGE).get_data(as_text=True)
        assert value not in page and "not usable yet" not in page
