"""The OpenAPI 3.1 document of the HTTP API, served at ``/api/openapi.json``, generated from the app itself.

Owns the description of every ``/api/`` route (and the health checks): paths and path parameters from the URL
map, who may call each operation from its access declaration (``candor.auth.requires`` / ``public``), and the
query parameters, headers and request bodies each view reads, found by reading the view's source (and the
source of the helpers in the same package it calls) for ``json_body(request, required=..., optional=...)``,
``request.args.get("name")``, ``request.headers.get("Name")``, ``request.form.get("name")`` and
``request.get_data()``. The views stay hand-written JSON views; nothing here changes how a request is handled,
so the document cannot drift from the code: a new route appears in it without anyone editing this module.

The document is public and carries no personal data: it describes shapes, never contents.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify
from werkzeug.routing import Rule

from candor.auth.access import ACCESS_ATTRIBUTE, SIGNED_ATTRIBUTE, public

bp = Blueprint("openapi", __name__)
DOCUMENT_PATH = "/api/openapi.json"
#: Routes outside /api/ that belong to the machine-readable API.
EXTRA_PATHS = ("/healthz", "/readyz")
#: Public views whose callers prove themselves with the candidate link token (``Authorization: Candidate ...``).
CANDIDATE_PREFIX = "/api/v1/candidate/"
#: Headers every request may carry that are not an operation's own parameters.
_AMBIENT_HEADERS = frozenset({"authorization", "user-agent", "x-request-id"})
_PY_TYPES: dict[str, dict[str, Any]] = {
    "str": {"type": "string"}, "int": {"type": "integer"}, "float": {"type": "number"},
    "bool": {"type": "boolean"}, "list": {"type": "array"}, "dict": {"type": "object"}, "object": {},
}
_ERROR = {"$ref": "#/components/schemas/Error"}


@dataclass
class ViewReads:
    """What a view (and its helpers) reads from the request."""

    query: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    form: list[str] = field(default_factory=list)
    json_required: dict[str, str] | None = None
    json_optional: dict[str, str] = field(default_factory=dict)
    json_body_optional: bool = False
    any_json: bool = False
    raw_body: bool = False
    statuses: set[int] = field(default_factory=set)

    def add(self, other: ViewReads) -> None:
        for name in ("query", "headers", "form"):
            mine = getattr(self, name)
            mine.extend(x for x in getattr(other, name) if x not in mine)
        if self.json_required is None and other.json_required is not None:
            self.json_required, self.json_optional = other.json_required, other.json_optional
            self.json_body_optional = other.json_body_optional
        self.any_json |= other.any_json
        self.raw_body |= other.raw_body


def _constant_str(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _is_request_attr(node: ast.AST, attr: str) -> bool:
    """``request.<attr>`` (or ``req.<attr>`` for helpers that receive the request)."""
    return isinstance(node, ast.Attribute) and node.attr == attr and isinstance(node.value, ast.Name) \
        and node.value.id in ("request", "req")


def _fields(node: ast.AST | None) -> dict[str, str]:
    if not isinstance(node, ast.Dict):
        return {}
    found: dict[str, str] = {}
    for key, value in zip(node.keys, node.values, strict=True):
        name = _constant_str(key)
        if name is not None:
            found[name] = value.id if isinstance(value, ast.Name) else "object"
    return found


def _calls_in(function: Callable[..., Any]) -> tuple[ast.AST | None, dict[ast.AST, ast.AST]]:
    try:
        source = textwrap.dedent(inspect.getsource(function))
    except (OSError, TypeError):
        return None, {}
    tree = ast.parse(source)
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    return tree, parents


def _read_function(function: Callable[..., Any], depth: int, seen: set[Any]) -> ViewReads:
    reads = ViewReads()
    if function in seen or depth > 2:
        return reads
    seen.add(function)
    tree, parents = _calls_in(function)
    if tree is None:
        return reads
    module = getattr(function, "__module__", "") or ""
    package = module.rsplit(".", 1)[0]
    scope = getattr(function, "__globals__", {})
    for node in ast.walk(tree):
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple) and len(node.value.elts) >= 2:
            status = node.value.elts[1]
            choices = [status.body, status.orelse] if isinstance(status, ast.IfExp) else [status]
            reads.statuses.update(c.value for c in choices if isinstance(c, ast.Constant) and isinstance(c.value, int))
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        first = _constant_str(node.args[0]) if node.args else None
        if isinstance(func, ast.Attribute) and func.attr == "get" and first is not None:
            if _is_request_attr(func.value, "args") and first not in reads.query:
                reads.query.append(first)
            elif _is_request_attr(func.value, "headers") and first.lower() not in _AMBIENT_HEADERS \
                    and first not in reads.headers:
                reads.headers.append(first)
            elif _is_request_attr(func.value, "form") and first not in reads.form:
                reads.form.append(first)
        elif isinstance(func, ast.Attribute) and _is_request_attr(func, "get_json"):
            reads.any_json = True
        elif isinstance(func, ast.Attribute) and _is_request_attr(func, "get_data"):
            reads.raw_body = True
        elif isinstance(func, ast.Name) and func.id == "json_body":
            keywords = {k.arg: k.value for k in node.keywords}
            reads.json_required = _fields(keywords.get("required"))
            reads.json_optional = _fields(keywords.get("optional"))
            reads.json_body_optional = isinstance(parents.get(node), ast.IfExp)
        elif isinstance(func, ast.Name) and func.id not in ("json_body", "abort", "jsonify"):
            helper = scope.get(func.id)
            helper_module = getattr(helper, "__module__", "") or ""
            # Helpers of the same feature read the request for their view; framework code does not.
            if inspect.isfunction(helper) and helper_module.startswith("candor") \
                    and helper_module.rsplit(".", 1)[0] == package:
                reads.add(_read_function(helper, depth + 1, seen))
    return reads


@cache
def view_reads(view: Callable[..., Any]) -> ViewReads:
    """What ``view`` reads from the request, found in its source and its helpers' (cached per view)."""
    return _read_function(inspect.unwrap(view), 0, set())


_PLACEHOLDER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _path_parameters(rule: Rule) -> dict[str, dict[str, Any]]:
    """Each path parameter's schema, from the converter named in the rule (``<int:answer_id>``)."""
    found: dict[str, dict[str, Any]] = {}
    for converter, name in _PLACEHOLDER.findall(rule.rule):
        if converter == "int":
            found[name] = {"type": "integer", "minimum": 0}
        elif converter == "float":
            found[name] = {"type": "number", "minimum": 0}
        else:
            found[name] = {"type": "string", "minLength": 1}
    return found


def access_of(view: Callable[..., Any]) -> tuple[str, tuple[str, ...]]:
    """``("requires", permissions)`` or ``("public", ())`` from the view's declaration."""
    kind, permissions = getattr(view, ACCESS_ATTRIBUTE, ("public", ()))
    return kind, tuple(str(p) for p in permissions)


def documented_rules(app: Flask) -> Iterator[Rule]:
    """The routes the document describes: everything under /api/ and the health checks."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.rule in EXTRA_PATHS:
            yield rule


def operation_methods(rule: Rule) -> list[str]:
    return sorted(m for m in (rule.methods or set()) if m not in ("HEAD", "OPTIONS"))


def _openapi_path(rule: Rule) -> str:
    return _PLACEHOLDER.sub(lambda match: "{" + match.group(2) + "}", rule.rule)


def _security(rule: Rule, view: Callable[..., Any]) -> list[dict[str, list[str]]]:
    kind, _ = access_of(view)
    if kind == "requires":
        return [{"bearerToken": []}, {"staffSession": []}]
    if rule.rule.startswith(CANDIDATE_PREFIX):
        return [{"candidateToken": []}]
    return []


def _request_body(reads: ViewReads) -> dict[str, Any] | None:
    if reads.json_required is not None:
        properties = {name: dict(_PY_TYPES.get(kind, {})) for name, kind in
                      {**reads.json_required, **reads.json_optional}.items()}
        schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
        if reads.json_required:
            schema["required"] = sorted(reads.json_required)
        return {"required": not reads.json_body_optional, "content": {"application/json": {"schema": schema}}}
    if reads.any_json:
        return {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}
    if reads.raw_body:
        return {"required": True, "content": {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}
    if reads.form:
        properties = {name: {"type": "string"} for name in reads.form}
        return {"required": True, "content": {"application/x-www-form-urlencoded": {
            "schema": {"type": "object", "properties": properties}}}}
    return None


def _operation(app: Flask, rule: Rule, method: str, several: bool) -> dict[str, Any]:
    view = app.view_functions[rule.endpoint]
    reads = view_reads(view)
    kind, permissions = access_of(view)
    doc = inspect.getdoc(inspect.unwrap(view)) or ""
    summary, _, description = doc.partition("\n")
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": schema}
        for name, schema in _path_parameters(rule).items()
    ]
    parameters += [{"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
                   for name in reads.query]
    parameters += [{"name": name, "in": "header", "required": name == "Content-Range" and method == "PUT",
                    "schema": {"type": "string"}} for name in reads.headers]
    success = next((s for s in sorted(reads.statuses) if 200 <= s < 300), 200)
    responses: dict[str, Any] = {
        str(success): {"description": "Done.", "content": {"application/json": {"schema": {"type": "object"}}}},
        "4XX": {"description": "The request cannot be served; the message says why and what to do.",
                "content": {"application/json": {"schema": _ERROR}}},
    }
    for status in sorted(reads.statuses):
        if status >= 500:
            responses[str(status)] = {"description": "A dependency does not answer.",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}
    operation: dict[str, Any] = {
        "operationId": f"{rule.endpoint}.{method.lower()}" if several else rule.endpoint,
        "tags": [rule.endpoint.rsplit(".", 1)[0] if "." in rule.endpoint else "core"],
        "summary": summary.strip() or rule.endpoint.rsplit(".", 1)[-1].replace("_", " ").capitalize() + ".",
        "parameters": parameters,
        "security": _security(rule, view),
        "responses": responses,
        "x-candor-access": {"kind": kind, "permissions": list(permissions),
                            "signed_requests": bool(getattr(view, SIGNED_ATTRIBUTE, False))},
    }
    if description.strip():
        operation["description"] = description.strip()
    if method in ("POST", "PUT", "PATCH", "DELETE"):
        body = _request_body(reads)
        if body is not None:
            operation["requestBody"] = body
    return operation


def build_document(app: Flask) -> dict[str, Any]:
    """The whole OpenAPI 3.1 document of ``app``'s API."""
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(documented_rules(app), key=lambda r: (r.rule, r.endpoint)):
        methods = operation_methods(rule)
        item = paths.setdefault(_openapi_path(rule), {})
        for method in methods:
            item[method.lower()] = _operation(app, rule, method, several=len(methods) > 1)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Candor API",
            "version": _version(),
            "description": "The HTTP API of a Candor installation. Staff call it with an API token "
                           "(`Authorization: Bearer ...`, scoped) or a signed-in session cookie (CSRF-checked); "
                           "candidates call /api/v1/candidate/ with their interview link token "
                           "(`Authorization: Candidate ...`). Errors are JSON objects with `error` and `message`.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerToken": {"type": "http", "scheme": "bearer",
                                "description": "An API token from `candor tokens create`; its scopes narrow the "
                                               "role's permissions."},
                "staffSession": {"type": "apiKey", "in": "cookie", "name": "candor_session",
                                 "description": "A staff sign-in at /admin/login; unsafe methods need the "
                                                "X-CSRFToken header."},
                "candidateToken": {"type": "apiKey", "in": "header", "name": "Authorization",
                                   "description": "`Candidate <token>` from the interview link; it opens one "
                                                  "interview only."},
            },
            "schemas": {
                "Error": {"type": "object", "required": ["error", "message"],
                          "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                                         "request_id": {"type": ["string", "null"]}}},
            },
        },
    }


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("candor")
    except PackageNotFoundError:
        return "0"


@bp.get(DOCUMENT_PATH)
@public
def openapi_document() -> Any:
    """The OpenAPI 3.1 document of this API (public: it describes shapes, never data)."""
    document = current_app.extensions.get("candor.openapi")
    if document is None:
        document = current_app.extensions["candor.openapi"] = build_document(current_app)
    return jsonify(document)
