"""Liveness for load balancers and monitoring: the only route besides login open to all."""
from __future__ import annotations

from flask import Blueprint, Flask, jsonify
from sqlalchemy import text

from .db import get_session

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    try:
        get_session().execute(text("SELECT 1"))
    except Exception as exc:  # the probe must answer, whatever broke
        return jsonify(status="error", database=str(exc.__class__.__name__)), 503
    return jsonify(status="ok", database="ok")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.extensions.setdefault("pca_public_endpoints", set()).add("health.healthz")
