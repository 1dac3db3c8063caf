"""The OpenAPI document at /api/openapi.json: public, complete (every /api/ route with its method), generated from
the views (a new route appears with its body schema), each operation's security matching its access declaration,
and free of personal data."""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from flask import Blueprint, jsonify, request

from candor.auth import Permission, public, requires
from candor.http import json_body
from candor.openapi import access_of, operation_methods

from .conftest import World


def _document(client: Any) -> dict[str, Any]:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def _path_of(rule: str) -> str:
    import re

    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)


@pytest.mark.candor_backends("sqlite")
def test_every_api_route_is_documented_with_its_access(candor_app: Any) -> None:
    document = _document(candor_app.test_client())  # anonymous: the document is public
    assert document["openapi"].startswith("3.1")
    missing, wrong = [], []
    api_rules = [r for r in candor_app.url_map.iter_rules() if r.rule.startswith("/api/")]
    assert len(api_rules) >= 50
    for rule in api_rules:
        for method in operation_methods(rule):
            operation = document["paths"].get(_path_of(rule.rule), {}).get(method.lower())
            if operation is None:
                missing.append(f"{method} {rule.rule}")
                continue
            kind, permissions = access_of(candor_app.view_functions[rule.endpoint])
            schemes = {name for requirement in operation["security"] for name in requirement}
            expected = ({"bearerToken", "staffSession"} if kind == "requires"
                        else {"candidateToken"} if rule.rule.startswith("/api/v1/candidate/") else set())
            if schemes != expected or operation["x-candor-access"]["permissions"] != list(permissions):
                wrong.append(f"{method} {rule.rule}: {sorted(schemes)} {operation['x-candor-access']}")
            assert operation["responses"], f"{method} {rule.rule} documents no response"
            for parameter in rule.arguments:
                assert any(p["name"] == parameter and p["in"] == "path" for p in operation["parameters"])
    assert not missing, f"routes missing from /api/openapi.json: {missing}"
    assert not wrong, f"operations whose security differs from the view's declaration: {wrong}"

    # schemathesis reads every operation without a schema error.
    schema = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == sum(len(item) for item in document["paths"].values())


@pytest.mark.candor_backends("sqlite")
def test_request_bodies_and_parameters_come_from_the_views(candor_app: Any) -> None:
    paths = _document(candor_app.test_client())["paths"]
    tokens = paths["/api/v1/tokens"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert tokens["required"] == ["name", "scopes"] and tokens["additionalProperties"] is False
    assert tokens["properties"] == {"name": {"type": "string"}, "scopes": {"type": "array"},
                                    "days": {"type": "integer"}}
    upload = paths["/api/v1/candidate/answers/{answer_id}/content"]["put"]
    assert "application/octet-stream" in upload["requestBody"]["content"]
    assert {"name": "Content-Range", "in": "header", "required": True, "schema": {"type": "string"}} \
        in upload["parameters"]
    assert {"name": "lang", "in": "query", "required": False, "schema": {"type": "string"}} \
        in paths["/api/v1/candidate/notice"]["get"]["parameters"]
    assert "201" in paths["/api/v1/candidate/consent"]["post"]["responses"]
    assert "503" in paths["/readyz"]["get"]["responses"]


@pytest.mark.candor_backends("sqlite")
def test_a_new_route_appears_without_editing_the_document(candor_settings: dict[str, Any]) -> None:
    from candor.app import create_app

    app = create_app(candor_settings)
    extra = Blueprint("hardening_extra", __name__)

    @extra.post("/api/v1/hardening/widgets/<int:widget_id>/paint")
    @requires(Permission.JOBS_WRITE)
    def paint(widget_id: int) -> Any:
        """Paint a widget.

        Only its colour changes."""
        body = json_body(request, required={"colour": str}, optional={"coats": int})
        return jsonify({"widget": widget_id, **body}), 201

    @extra.get("/api/v1/hardening/ping")
    @public
    def ping() -> Any:
        return jsonify({"pong": request.args.get("echo", "")})

    app.register_blueprint(extra)
    paths = _document(app.test_client())["paths"]
    operation = paths["/api/v1/hardening/widgets/{widget_id}/paint"]["post"]
    assert operation["summary"] == "Paint a widget." and operation["description"] == "Only its colour changes."
    assert operation["x-candor-access"]["permissions"] == ["jobs:write"]
    assert operation["security"] == [{"bearerToken": []}, {"staffSession": []}]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["colour"] and set(body["properties"]) == {"colour", "coats"}
    assert "201" in operation["responses"]
    assert operation["parameters"][0] == {"name": "widget_id", "in": "path", "required": True,
                                          "schema": {"type": "integer", "minimum": 0}}
    ping_operation = paths["/api/v1/hardening/ping"]["get"]
    assert ping_operation["security"] == [] and ping_operation["parameters"][0]["name"] == "echo"


@pytest.mark.candor_backends("sqlite")
def test_the_document_carries_no_personal_data(candor_app: Any, world: World) -> None:
    text = json.dumps(_document(candor_app.test_client()))
    for secret in ("@demo.invalid", "Other Applicant", "Demo Candidate", "@hardening.invalid", world.token_a,
                   world.staff_tokens["admin"]):
        assert secret not in text
