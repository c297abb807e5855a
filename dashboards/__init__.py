"""Dashboards (Dash) mounted in the Flask app under /dashboards/, one package per dashboard
(layout, callbacks, queries), registered here in one list."""
from __future__ import annotations

from typing import Any

from flask import Flask, abort, request
from flask_login import current_user

from .registry import Dashboard, Drill

__all__ = ["Dashboard", "Drill", "dashboards", "find", "init_app"]


def dashboards() -> list[Dashboard]:
    from . import performance, revenue, risk
    return [revenue.DASHBOARD, performance.DASHBOARD, risk.DASHBOARD]


def find(slug: str) -> Dashboard | None:
    return next((d for d in dashboards() if d.slug == slug), None)


def _guard() -> Any:
    """Runs after the login check: a logged-in user without the right role gets 403."""
    if not request.path.startswith("/dashboards") or not current_user.is_authenticated:
        return None
    from audit_app.errors import PermissionDenied
    from .access import viewer_for
    try:
        viewer_for(current_user)
    except PermissionDenied as exc:
        abort(403, description=exc.message)
    return None


def _context() -> dict[str, Any]:
    if not request.path.startswith("/dashboards") or not current_user.is_authenticated:
        return {}
    from audit_app.auth.permissions import allowed
    return {"dashboards_list": dashboards(),
            "may_steering": allowed(current_user.role_set, "reports.steering.view")}


def init_app(app: Flask) -> None:
    from . import web
    from .mount import mount, set_csrf_cookie

    app.before_request(_guard)
    app.after_request(set_csrf_cookie)
    app.context_processor(_context)
    app.register_blueprint(web.bp)
    app.extensions["pca_dashboards"] = {
        board.slug: mount(app, board.slug, board.title, board.layout, board.register_callbacks)
        for board in dashboards()}
    # Dash registers its own routes: declare (and check) their permission for the route guard.
    from audit_app.auth import protect_url_prefix
    protect_url_prefix(app, "/dashboards/", "dashboards.view")
