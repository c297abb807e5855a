"""Check real responses against the OpenAPI document the app serves.

`checked(client)` wraps a test client: every response's status must be documented for its
operation, and a JSON body must validate against the documented schema (JSON Schema 2020-12,
the dialect of OpenAPI 3.1). Import the `api_doc` fixture with the helper.
"""
from __future__ import annotations

import re
from functools import cache
from typing import Any

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator, FormatChecker


@pytest.fixture
def api_doc(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def template_of(doc: dict[str, Any], path: str) -> str:
    """The documented path template a concrete path belongs to (the most literal match)."""
    matches = []
    for template in doc["paths"]:
        pattern = re.sub(r"\{(\w+)\}", lambda m: "(.+)" if m.group(1) == "gd_number"
                         else "([^/]+)", re.escape(template).replace(r"\{", "{").replace(r"\}", "}"))
        if re.fullmatch(pattern, path):
            matches.append((template.count("{"), template))
    assert matches, f"{path} is not documented"
    return min(matches)[1]


def schema_validator(doc: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    root = {"components": doc["components"], **schema}
    return Draft202012Validator(root, format_checker=FormatChecker())


def check_response(doc: dict[str, Any], method: str, path: str, response: Any) -> None:
    template = template_of(doc, path.split("?")[0])
    operation = doc["paths"][template].get(method.lower())
    assert operation is not None, f"{method} {template} is not documented"
    documented = operation["responses"]
    status = str(response.status_code)
    assert status in documented, (f"{method} {path} answered {status}, documented: "
                                  f"{sorted(documented)}; body: {response.get_data(as_text=True)[:300]}")
    content = documented[status].get("content", {})
    if response.mimetype == "application/json":
        assert "application/json" in content, f"{method} {template} {status}: JSON not documented"
        errors = sorted(schema_validator(doc, content["application/json"]["schema"])
                        .iter_errors(response.get_json()), key=str)
        assert not errors, f"{method} {path} {status}: " + "; ".join(
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5])
    else:
        assert response.mimetype in content, f"{method} {template}: {response.mimetype}"


class Checked:
    """A test client whose every /api/v1 response is checked against the document."""

    def __init__(self, client: FlaskClient, doc: dict[str, Any]) -> None:
        self.client, self.doc = client, doc

    def open(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.client.open(path, method=method, **kwargs)
        check_response(self.doc, method, path, response)
        return response

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.open("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.open("POST", path, **kwargs)


def checked(client: FlaskClient, doc: dict[str, Any]) -> Checked:
    return Checked(client, doc)
