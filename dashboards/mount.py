"""Mounting a dashboard's Dash app on the Flask server, inside the system's own page.

- Every request under /dashboards/ passes the app's login check first (Dash's routes are Flask
  routes), then `dashboards.view` and the viewer's scope (see `access`).
- Dash serves its own scripts from the Python packages (serve_locally); nothing comes from a CDN.
- The page is the system's layout (navigation, user, log-out) with Dash's entry point inside,
  rendered by Jinja, and the one inline script Dash writes (`new DashRenderer()`) is replaced by a
  static file, so the page has no inline script at all.
- Callbacks are POSTs: dash-renderer sends the token of the `_csrf_token` cookie as X-CSRFToken,
  which Flask-WTF checks like any form's token. The cookie is set with the page.
"""
from __future__ import annotations

from typing import Any, Callable

import dash
from flask import Flask, current_app, render_template, request, url_for
from markupsafe import Markup

CSRF_COOKIE = "_csrf_token"


class PCADash(dash.Dash):
    """A Dash app that renders its index inside `dashboards/dash_page.html`."""

    page_title = "Dashboard"
    slug = ""

    def interpolate_index(self, **kwargs: Any) -> str:  # type: ignore[override]
        renderer = Markup(f'<script id="_dash-renderer" src="'
                          f'{url_for("static", filename="dashboards/renderer.js")}"></script>')
        parts = {k: Markup(v) for k, v in kwargs.items() if k != "renderer"}
        return render_template("dashboards/dash_page.html", renderer=renderer,
                               page_title=self.page_title, slug=self.slug, **parts)


def mount(app: Flask, slug: str, title: str, layout: Callable[[], Any],
          register_callbacks: Callable[[dash.Dash], None]) -> PCADash:
    dash_app = PCADash(
        name=f"dashboards.{slug}", server=app, url_base_pathname=f"/dashboards/{slug}/",
        serve_locally=True, include_assets_files=False, assets_folder="__no_assets__",
        title=f"{title} · PCA", update_title=None, compress=False,
        suppress_callback_exceptions=False)
    dash_app.page_title, dash_app.slug = title, slug
    dash_app.layout = layout
    register_callbacks(dash_app)
    return dash_app


def set_csrf_cookie(response: Any) -> Any:
    """Give the dashboard page the CSRF token its callbacks send back as a header."""
    if (request.method == "GET" and request.path.startswith("/dashboards/")
            and response.mimetype == "text/html" and response.status_code == 200):
        from flask_wtf.csrf import generate_csrf
        response.set_cookie(CSRF_COOKIE, generate_csrf(), path="/dashboards/", samesite="Strict",
                            secure=bool(current_app.config.get("SECURE_COOKIES")),
                            httponly=False)
    return response
