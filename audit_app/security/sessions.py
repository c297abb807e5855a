"""Login sessions end: after PCA_SESSION_IDLE_MINUTES without a request, and at the latest
PCA_SESSION_MINUTES after the login, however busy the officer is.

The idle limit is Flask's own: the session cookie's signature carries its time, and a cookie
older than PERMANENT_SESSION_LIFETIME is refused. The cookie is signed afresh at most once a
minute (REFRESH_SECONDS), not on every request: signing and sending it took about 400 Python
calls per request (a tenth of a light JSON request's), and an officer working steadily still
keeps a cookie never more than a minute older than their last request. A session therefore ends between `idle limit - 1 minute` and
the idle limit after the last request, never later. The absolute limit is kept here, from the
login instant stored in the (signed) session.
"""
from __future__ import annotations

import time
from typing import Any

from flask import Flask, abort, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user, user_logged_in

LOGIN_AT = "pca_login_at"
SIGNED_AT = "pca_signed_at"  # when the cookie was last signed afresh (seconds since the epoch)
REFRESH_SECONDS = 60
_now = time.time  # tests move it


def _remember_login_instant(_app: Flask, **_extra: Any) -> None:
    session[LOGIN_AT] = session[SIGNED_AT] = int(_now())


def expired(now: float | None = None) -> bool:
    started = session.get(LOGIN_AT)
    limit = int(current_app.config["SESSION_MINUTES"]) * 60
    return started is None or (now or _now()) - float(started) > limit


def _end_expired_session() -> Any:
    # Only a login session expires (an API token is checked on every call, not here).
    if request.endpoint == "static" or "_user_id" not in session or not expired():
        return None
    if not current_user.is_authenticated:
        return None
    logout_user()
    session.clear()
    if request.path.startswith("/api/"):
        abort(401, description="Your session has expired: log in again.")
    flash("Your session has expired: please log in again.", "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _sign_afresh_now_and_then(response: Any) -> Any:
    """Re-sign a login session's cookie when it is a minute old (a changed session, e.g. a
    flashed message, is re-signed anyway): the idle limit counts from the latest signing."""
    if request.endpoint != "static" and "_user_id" in session:
        now = int(_now())
        if now - int(session.get(SIGNED_AT, 0)) >= REFRESH_SECONDS:
            session[SIGNED_AT] = now
    return response


def init_app(app: Flask) -> None:
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False  # _sign_afresh_now_and_then does it
    app.after_request(_sign_afresh_now_and_then)
    user_logged_in.connect(_remember_login_instant, app)
    # Before auth's own check, so an expired session is sent to the login page like a new one.
    app.before_request_funcs.setdefault(None, []).insert(0, _end_expired_session)
