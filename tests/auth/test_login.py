from __future__ import annotations

import datetime as dt

import pytest

from audit_app.auth.service import MAX_FAILED_LOGINS, authenticate, LoginRefused
from audit_app.models import Role, User
from tests.conftest import PASSWORD, login


def test_login_page_is_public_and_other_pages_redirect_to_it(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/login").status_code == 200
    response = client.get("/declarations/?origin=CN")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_healthz_is_public(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}


def test_api_without_credentials_is_401_json(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/declarations/X")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_login_then_logout(client, make_user) -> None:  # type: ignore[no-untyped-def]
    name = make_user(Role.AUDITOR)
    response = login(client, name)
    assert response.status_code == 302
    assert b"Auditor" in client.get("/").data
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_without_saying_which_part(client, make_user) -> None:  # type: ignore[no-untyped-def]
    name = make_user(Role.AUDITOR)
    response = login(client, name, "wrong-password")
    assert response.status_code == 401
    assert b"Unknown username or wrong password" in response.data
    assert login(client, "nobody-here", "whatever").status_code == 401


def test_open_redirect_after_login_is_refused(client, make_user) -> None:  # type: ignore[no-untyped-def]
    name = make_user(Role.AUDITOR)
    response = client.post("/login?next=https://evil.example/x",
                           data={"username": name, "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_account_locks_after_repeated_failures(session, make_user) -> None:  # type: ignore[no-untyped-def]
    name = make_user(Role.AUDITOR)
    now = dt.datetime(2026, 1, 1, 9, tzinfo=dt.timezone.utc)
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(LoginRefused):
            authenticate(session, name, "bad-password", now=now)
    with pytest.raises(LoginRefused, match="locked"):
        authenticate(session, name, PASSWORD, now=now)
    later = now + dt.timedelta(minutes=16)
    assert authenticate(session, name, PASSWORD, now=later).username == name


def test_passwords_are_stored_hashed(session, make_user) -> None:  # type: ignore[no-untyped-def]
    name = make_user(Role.AUDITOR)
    from sqlalchemy import select
    user = session.scalar(select(User).where(User.username == name))
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith("$argon2id$")


def test_csrf_is_required_on_forms(app, make_user) -> None:  # type: ignore[no-untyped-def]
    app.config["WTF_CSRF_ENABLED"] = True
    name = make_user(Role.AUDITOR)
    response = app.test_client().post("/login", data={"username": name, "password": PASSWORD})
    assert response.status_code == 400
