"""The JSON API under /api/v1: machine tokens or a browser session; CSRF does not apply."""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def init_app(app: Flask) -> None:
    from . import cases, declarations, evidence, intake, openapi, risk, tasks  # noqa: F401  (routes on bp)
    from ..auth import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)
    openapi.init_app(app)
