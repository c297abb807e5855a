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
from plotly.io.json import to_json_plotly as to_json  # what Dash serializes with
from flask import Flask, current_app, render_template, request, url_for
from markupsafe import Markup

CSRF_COOKIE = "_csrf_token"


class PCADash(dash.Dash):
    """A Dash app that renders its index inside `dashboards/dash_page.html`."""

    page_title = "Dashboard"
    slug = ""
    # (the validation layout, its JSON): see `_generate_config_html`
    _validation_json: tuple[Any, str] | None = None

    def _generate_config_html(self) -> str:
        """The page's `_dash-config` script, with the validation layout serialized once.

        Dash writes its validation layout (every component of the page, about 90) into the
        config of every page load, serialized afresh: a third of the dashboard page's CPU.
        The layout is built once, when the app is mounted, so its JSON is kept and spliced into
        the rest of the config, which is serialized per request (it holds a per-load token)."""
        config = self._config()
        layout = config.pop("validation_layout", None)
        body = to_json(config)
        if layout is not None:
            cached = self._validation_json
            if cached is None or cached[0] is not layout:  # a new layout, or Dash wrapped it
                cached = self._validation_json = (layout, to_json(layout))
            body = f'{body[:-1]},"validation_layout":{cached[1]}}}'  # body: a JSON object
        return f'<script id="_dash-config" type="application/json">{body}</script>'

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
