"""The post-clearance audit system's Flask application."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. No database work and no migrations happen here."""
    from . import api, auth, cli, db, errors, health, security, web
    from .config import load_settings, resolve_secret_key

    settings = load_settings()
    if config:
        settings.update(config)
    app = Flask(__name__, instance_path=str(settings["INSTANCE_PATH"]))
    app.config.update(settings)
    app.config["SECRET_KEY"] = resolve_secret_key(app.config)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(app.config["SECURE_COOKIES"]),
        # Idle limit (the signed cookie's age); security.sessions adds the absolute limit.
        PERMANENT_SESSION_LIFETIME=dt.timedelta(
            minutes=min(int(app.config["SESSION_IDLE_MINUTES"]),
                        int(app.config["SESSION_MINUTES"]))),
        # Every request body: the API's declaration batches (64 MB), or an evidence upload
        # if PCA_MAX_UPLOAD_MB is set higher. Web forms get the upload limit alone
        # (web.evidence sets it per request).
        MAX_CONTENT_LENGTH=max(64, int(app.config["MAX_UPLOAD_MB"]) + 1) * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
    )

    db.init_app(app)
    security.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    health.init_app(app)
    web.init_app(app)
    api.init_app(app)
    cli.init_app(app)
    import dashboards
    dashboards.init_app(app)
    return app
