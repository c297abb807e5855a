"""The OpenAPI document at /api/v1/openapi.json: it describes every /api/v1 route of the app
(and nothing else), its schemas are valid JSON Schema 2020-12, real responses of the older
routes validate against it (the task and case tests check theirs), and the docs page is
served from the app alone."""
from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator

from audit_app.models import Role
from tests.api.openapi_check import api_doc, checked  # noqa: F401
from tests.api.test_risk_api import GD, scored, token  # noqa: F401
from tests.intake.csvdata import declaration_row
from tests.risk.riskdata import own_factory_serials  # noqa: F401  (autouse)

METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def _api_routes(app: Flask) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") and rule.rule != "/api/v1":
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        routes |= {(path, m.lower()) for m in rule.methods & METHODS}
    return routes


def _documented(doc: dict) -> set[tuple[str, str]]:  # type: ignore[type-arg]
    return {(path, method) for path, item in doc["paths"].items() for method in item
            if method.upper() in METHODS}


def test_every_api_route_is_documented_and_nothing_else(app: Flask, api_doc) -> None:  # type: ignore[no-untyped-def]
    routes = _api_routes(app)
    assert len(routes) >= 13
    assert routes - _documented(api_doc) == set(), "routes missing from the OpenAPI document"
    assert _documented(api_doc) - routes == set(), "documented routes the app does not have"


def test_the_document_is_openapi_3_1_with_valid_schemas(api_doc) -> None:  # type: ignore[no-untyped-def]
    assert api_doc["openapi"].startswith("3.1")
    assert set(api_doc["components"]["securitySchemes"]) == {"bearerToken", "sessionCookie"}
    for name, schema in api_doc["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)
    text = json.dumps(api_doc)
    for target in set(re.findall(r'"\$ref": "#/components/schemas/(\w+)"', text)):
        assert target in api_doc["components"]["schemas"], target
    for path, item in api_doc["paths"].items():
        for method, op in item.items():
            params = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert params == set(re.findall(r"\{(\w+)\}", path)), (method, path)
            assert op["responses"], (method, path)
            if op.get("security") != []:
                assert "401" in op["responses"] and "403" in op["responses"], (method, path)


def test_declarations_and_risk_responses_match_the_document(client: FlaskClient, api_doc,  # type: ignore[no-untyped-def]
                                                            session, scored, logged_in) -> None:
    api = checked(client, api_doc)
    assert api.get(f"/api/v1/declarations/{GD}").status_code == 401
    logged_in(Role.AUDITOR)
    assert api.get(f"/api/v1/declarations/{GD}").status_code == 200
    assert api.get("/api/v1/declarations/NO-SUCH-GD").status_code == 404
    assert api.get("/api/v1/risk/scores?limit=2").status_code == 200
    assert api.get("/api/v1/risk/scores?limit=0").status_code == 422
    assert api.get("/api/v1/risk/scores?run=999999").status_code == 404
    client.post("/logout")
    push = token(session, "declarations:write")
    row = declaration_row(item_no=1)
    created = api.post("/api/v1/declarations", json={"items": [row]}, headers=push)
    assert created.status_code == 201
    assert api.post("/api/v1/declarations", json={"items": [row]}, headers=push).status_code == 200
    assert api.post("/api/v1/declarations", json={"items": [{**row, "gd_date": "x"}]},
                    headers=push).status_code == 422
    assert api.post("/api/v1/declarations", data="nope", headers=push).status_code == 400
    assert api.post("/api/v1/declarations", json={"items": [row]},
                    headers=token(session, "risk:read")).status_code == 403
    assert api.get("/api/v1/tasks").status_code == 401


def test_the_docs_page_lists_every_operation_without_outside_assets(client: FlaskClient,  # type: ignore[no-untyped-def]
                                                                    api_doc) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    for path in api_doc["paths"]:
        assert path in page
    assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', page)


def test_out_of_range_ids_are_client_errors_not_server_errors(client: FlaskClient, api_doc,  # type: ignore[no-untyped-def]
                                                             logged_in) -> None:
    api = checked(client, api_doc)
    logged_in(Role.SUPERVISOR)
    assert api.get(f"/api/v1/cases/{2**63}").status_code == 404
    assert api.get(f"/api/v1/cases/{2**31}/diagrams").status_code == 404
    unknown = "00000000-0000-0000-0000-000000000000"
    assert api.post(f"/api/v1/tasks/{unknown}/reassign",
                    json={"assignee_id": 2**40}).status_code == 422
    assert api.post(f"/api/v1/tasks/{unknown}/complete", json={}).status_code == 409
