"""Security headers on every response; session cookies and their limits."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from flask import Flask, render_template_string

from audit_app import create_app
from audit_app.models import Role
from audit_app.security.headers import register_script_hashes
from audit_app.security import sessions
from audit_app.security.sessions import LOGIN_AT
from tests.conftest import _config, login


def _csp(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    parts = (p.strip().split(" ", 1) for p in response.headers["Content-Security-Policy"].split(";"))
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


@pytest.mark.parametrize("path", ["/login", "/healthz", "/api/v1/declarations/X",
                                  "/no-such-page", "/static/css/app.css"])
def test_every_response_carries_the_security_headers(client, path: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path)
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    csp = _csp(response)
    assert csp["default-src"] == "'self'" and csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'"
    assert "unsafe-inline" not in csp["script-src"] and "unsafe-eval" not in csp["script-src"]
    assert len(headers["X-Request-ID"]) >= 16


def test_pages_are_not_cached_but_static_files_may_be(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/static/css/app.css").headers.get("Cache-Control", "")


def test_hsts_only_when_served_over_https(app: Flask, tmp_path: Path, migrated_url: str) -> None:
    assert app.config["SESSION_COOKIE_SECURE"]  # production default
    assert "max-age=31536000" in app.test_client().get("/login").headers[
        "Strict-Transport-Security"]
    demo = create_app({**_config(migrated_url, tmp_path), "DEMO": True, "SECURE_COOKIES": False})
    assert "Strict-Transport-Security" not in demo.test_client().get("/login").headers
    demo.extensions["pca_db"].engine.dispose()


def test_inline_scripts_run_only_with_a_registered_hash_or_the_nonce(app: Flask) -> None:
    register_script_hashes(app, ["'sha256-abc='"])

    @app.get("/inline-test")
    def inline():  # type: ignore[no-untyped-def]
        return render_template_string("<script nonce='{{ csp_nonce() }}'>1</script>")

    app.extensions["pca_public_endpoints"].add("inline")
    response = app.test_client().get("/inline-test")
    nonce = response.get_data(as_text=True).split("'")[1]
    assert _csp(response)["script-src"] == f"'self' 'sha256-abc=' 'nonce-{nonce}'"
    assert "'nonce-" not in _csp(app.test_client().get("/login"))["script-src"]


def test_a_request_id_from_the_proxy_is_kept_and_a_bad_one_replaced(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/healthz", headers={"X-Request-ID": "lb-123"}).headers[
        "X-Request-ID"] == "lb-123"
    assert client.get("/healthz", headers={"X-Request-ID": "bad id <x>"}).headers[
        "X-Request-ID"] != "bad id <x>"


def test_session_cookie_is_secure_httponly_and_samesite(client, make_user) -> None:  # type: ignore[no-untyped-def]
    response = login(client, make_user(Role.AUDITOR))
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires=" in cookie  # a permanent session: ends after the idle limit


def test_demo_mode_allows_plain_http_cookies_unless_told_otherwise() -> None:
    from audit_app.config import load_settings
    assert load_settings({"PCA_DEMO": "1"})["SECURE_COOKIES"] is False
    assert load_settings({"PCA_DEMO": "1", "PCA_SECURE_COOKIES": "1"})["SECURE_COOKIES"] is True
    assert load_settings({})["SECURE_COOKIES"] is True


def test_a_session_ends_at_the_absolute_limit_however_active(app: Flask, client,  # type: ignore[no-untyped-def]
                                                             make_user) -> None:
    login(client, make_user(Role.AUDITOR))
    assert client.get("/").status_code == 200
    limit = app.config["SESSION_MINUTES"] * 60
    with client.session_transaction() as session:
        session[LOGIN_AT] = int(time.time()) - limit - 1  # logged in one limit ago
    response = client.get("/declarations/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.get("/").status_code == 302  # logged out, not only redirected once


def test_the_idle_limit_is_the_cookie_lifetime(app: Flask) -> None:
    assert app.permanent_session_lifetime.total_seconds() == \
        min(app.config["SESSION_IDLE_MINUTES"], app.config["SESSION_MINUTES"]) * 60


def test_the_cookie_is_signed_afresh_once_a_minute_and_refused_after_the_idle_limit(
        app: Flask, client, make_user, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from itsdangerous import TimestampSigner
    now = [1_900_000_000.0]  # simulated time for the signatures and the refresh rule
    monkeypatch.setattr(sessions, "_now", lambda: now[0])
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda _self: int(now[0]))
    assert "Set-Cookie" in login(client, make_user(Role.AUDITOR)).headers
    idle = app.permanent_session_lifetime.total_seconds()
    client.get("/")  # shows (and so removes from the session) the login's flashed message

    now[0] += sessions.REFRESH_SECONDS - 1
    response = client.get("/")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    now[0] += 1  # a minute after the cookie was signed: signed afresh, with a new expiry
    response = client.get("/")
    assert response.status_code == 200 and "Expires=" in response.headers["Set-Cookie"]
    signed = now[0]

    now[0] = signed + idle - 1  # a request within the idle limit keeps the session...
    response = client.get("/")
    assert response.status_code == 200 and "Set-Cookie" in response.headers
    signed = now[0]
    now[0] = signed + idle + 1  # ...a cookie left idle for longer than the limit is refused
    assert client.get("/declarations/").status_code == 302
    with client.session_transaction() as session:
        assert "_user_id" not in session
