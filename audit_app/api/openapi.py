"""GET /api/v1/openapi.json (the OpenAPI 3.1 document) and GET /api/v1/docs (the same,
rendered on the server as a readable page: no script, nothing from a CDN). Both are public:
they describe the API, not its data."""
from __future__ import annotations

import json
from typing import Any

from flask import Flask, jsonify, render_template, request

from . import bp
from .openapi_document import document

METHODS = ("get", "post", "put", "patch", "delete")


@bp.get("/openapi.json")
def openapi_json():  # type: ignore[no-untyped-def]
    return jsonify(document(request.host_url))


@bp.get("/docs")
def openapi_docs():  # type: ignore[no-untyped-def]
    doc = document(request.host_url)
    operations = [_operation(path, method, op) for path, item in doc["paths"].items()
                  for method, op in item.items() if method in METHODS]
    schemas = {name: json.dumps(schema, indent=2)
               for name, schema in doc["components"]["schemas"].items()}
    return render_template("api/docs.html", doc=doc, operations=operations, schemas=schemas)


def _schema_name(schema: dict[str, Any] | None) -> str | None:
    if not schema:
        return None
    target = schema.get("$ref", "")
    return target.rsplit("/", 1)[-1] if target else None


def _operation(path: str, method: str, op: dict[str, Any]) -> dict[str, Any]:
    body = (op.get("requestBody") or {}).get("content", {}).get("application/json", {})
    security = op.get("security")
    return {
        "anchor": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
        "method": method.upper(), "path": path, "summary": op.get("summary", ""),
        "description": op.get("description", ""), "tags": op.get("tags", []),
        "public": security == [],
        "scopes": sorted({s for req in (security or []) for s in next(iter(req.values()))}),
        "parameters": op.get("parameters", []),
        "body": _schema_name(body.get("schema")),
        "responses": [(code, r.get("description", ""),
                       _schema_name(next(iter(r.get("content", {}).values()), {}).get("schema")))
                      for code, r in op.get("responses", {}).items()]}


def init_app(app: Flask) -> None:
    app.extensions.setdefault("pca_public_endpoints", set()).update(
        {"api.openapi_json", "api.openapi_docs"})
