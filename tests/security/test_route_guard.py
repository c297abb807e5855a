"""Every route of the app (web, JSON API, Dash) is protected as the permission matrix says.

The rules are read from `app.url_map`, so a route added later is checked without editing this
file: it must declare who may call it, or this test fails and says what to add.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import Rule

from audit_app.auth import ANY_LOGGED_IN_USER, PERMISSION_ATTR, SCOPE_ATTR
from audit_app.auth.permissions import PERMISSIONS
from audit_app.auth.service import TOKEN_SCOPES, issue_api_token
from audit_app.db import get_session
from audit_app.models import Role, User
from tests.conftest import login

# The only routes anyone may call without logging in. Keep it short; adding one is a decision.
PUBLIC_ENDPOINTS = {"static", "auth.login", "health.healthz", "health.readyz",
                    # the API's description (no data): clients fetch it before they have a token
                    "api.openapi_json", "api.openapi_docs"}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

HOW_TO_DECLARE = """\
Every route except the public ones must say who may call it. Add, under its route decorator
(imports from audit_app.auth):
    @permission_required("<action>")          # an action of PERMISSIONS in
                                              # audit_app/auth/permissions.py (add one if none fits)
or, if every logged-in user may use it:
    @any_logged_in_user
or, for an API view that also takes tokens and checks a session's permission itself:
    @permission_checked_in_view("<action>")
or, for a machine-only API view:
    @scope_required("<scope>")
Views registered by a framework (Dash under /dashboards/) are wrapped after mounting with
    protect_url_prefix(app, "/dashboards/", "<action>")"""


def _rules(app: Flask) -> list[Rule]:
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint not in PUBLIC_ENDPOINTS),
                  key=lambda r: (r.rule, r.endpoint))


def _methods(rule: Rule) -> list[str]:
    return [m for m in METHODS if m in (rule.methods or ())]


def _declared(app: Flask, rule: Rule) -> tuple[str | None, str | None]:
    view = app.view_functions[rule.endpoint]
    return getattr(view, PERMISSION_ATTR, None), getattr(view, SCOPE_ATTR, None)


def _sample_url(rule: Rule) -> str:
    """The rule's URL with made-up values for its arguments (refusals come before lookups)."""
    values: dict[str, object] = {}
    for name in rule.arguments:
        converter = type(rule._converters[name]).__name__  # noqa: SLF001 (werkzeug has no API)
        values[name] = {"IntegerConverter": 987654, "FloatConverter": 1.5,
                        "UUIDConverter": uuid.UUID(int=0)}.get(converter, "NO-SUCH-ID")
    return rule.build(values, append_unknown=False)[1]


def _where(app: Flask, rule: Rule) -> str:
    view = app.view_functions[rule.endpoint]
    code = getattr(view, "__wrapped__", view).__code__
    return f"{code.co_filename.split('/audit_app/')[-1]}:{code.co_firstlineno}"


def test_the_public_routes_are_the_short_list(app: Flask) -> None:
    assert set(app.extensions["pca_public_endpoints"]) == PUBLIC_ENDPOINTS, (
        "The set of public routes changed. Routes open without login must be agreed and "
        "listed in PUBLIC_ENDPOINTS of tests/security/test_route_guard.py")


def test_every_route_declares_who_may_call_it(app: Flask) -> None:
    problems = []
    for rule in _rules(app):
        action, scope = _declared(app, rule)
        label = f"{'/'.join(_methods(rule))} {rule.rule} (endpoint {rule.endpoint!r}, " \
                f"{_where(app, rule)})"
        if action is None and scope is None:
            problems.append(f"{label}: declares no permission")
        elif action not in (None, ANY_LOGGED_IN_USER) and action not in PERMISSIONS:
            problems.append(f"{label}: action {action!r} is not in PERMISSIONS "
                            "(audit_app/auth/permissions.py): add it with the roles allowed")
    assert not problems, "\n".join(problems) + "\n\n" + HOW_TO_DECLARE


def test_without_login_every_route_refuses(client: FlaskClient, app: Flask) -> None:
    wrong = []
    for rule in _rules(app):
        url = _sample_url(rule)
        for method in _methods(rule):
            response = client.open(url, method=method)
            if url.startswith("/api/"):
                ok = response.status_code == 401
            else:  # a web page sends the browser to the login page
                ok = response.status_code == 302 and \
                    response.headers["Location"].startswith("/login")
            if not ok:
                wrong.append(f"{method} {url}: {response.status_code}")
    assert not wrong, "Reachable without logging in:\n" + "\n".join(wrong)


@pytest.fixture
def role_clients(app: Flask, make_user) -> Iterator[dict[Role, FlaskClient]]:  # type: ignore[no-untyped-def]
    clients = {}
    for role in Role:
        client = app.test_client()
        response = login(client, make_user(role, username=f"guard_{role.value}"))
        assert response.status_code == 302, role
        clients[role] = client
    yield clients


def test_each_role_gets_what_the_matrix_allows(app: Flask,
                                               role_clients: dict[Role, FlaskClient]) -> None:
    wrong = []
    for rule in _rules(app):
        action, scope = _declared(app, rule)
        url = _sample_url(rule)
        for method in _methods(rule):
            for role, client in role_clients.items():
                if action == ANY_LOGGED_IN_USER:
                    allowed = True
                elif action is None:  # token only: a login session may not use it
                    allowed = False
                else:
                    allowed = role in PERMISSIONS[action]
                if allowed and method != "GET":
                    continue  # would change data; the refusals below are what matters here
                try:
                    status = client.open(url, method=method).status_code
                except Exception:  # noqa: BLE001
                    if not (allowed and rule.arguments):
                        raise
                    # Past the permission check, a framework choked on a made-up argument
                    # (Dash on an unknown package name): access is what this test checks.
                    continue
                if not allowed and status not in (401, 403):
                    wrong.append(f"{role.value}: {method} {url} gave {status}, expected 403 "
                                 f"({action or 'token scope ' + str(scope)})")
                elif allowed and (status in (401, 403) or status >= 500):
                    wrong.append(f"{role.value}: {method} {url} gave {status}, but {action} "
                                 "allows this role")
    assert not wrong, "\n".join(wrong)


def test_api_tokens_need_the_scope_a_route_declares(app: Flask, client: FlaskClient,
                                                   make_user) -> None:  # type: ignore[no-untyped-def]
    """A personal token of a user who holds every role, with every scope but the route's own,
    is refused; with the route's scope alone it gets through (GET; made-up ids may be 404)."""
    make_user(*Role, username="everything")
    tokens: dict[tuple[str, bool], str] = {}
    with app.app_context():
        session = get_session()
        user = session.scalar(select(User).where(User.username == "everything"))
        for scope in TOKEN_SCOPES:
            tokens[scope, False] = issue_api_token(
                session, f"all but {scope}", [s for s in TOKEN_SCOPES if s != scope],
                user=user)[1]
            tokens[scope, True] = issue_api_token(session, f"only {scope}", [scope],
                                                  user=user)[1]
        session.commit()
    wrong = []
    for rule in _rules(app):
        _, scope = _declared(app, rule)
        if scope is None:
            continue
        if scope not in TOKEN_SCOPES:
            wrong.append(f"{rule.rule} declares the unknown scope {scope!r}")
            continue
        for method in _methods(rule):
            for has_scope in (False, True):
                if has_scope and method != "GET":
                    continue
                status = client.open(_sample_url(rule), method=method, headers={
                    "Authorization": f"Bearer {tokens[scope, has_scope]}"}).status_code
                if not has_scope and status != 403:
                    wrong.append(f"{method} {rule.rule}: {status} without {scope!r}")
                if has_scope and (status in (401, 403) or status >= 500):
                    wrong.append(f"{method} {rule.rule}: {status} with {scope!r}")
    assert not wrong, "\n".join(wrong)


def test_every_web_form_route_needs_a_csrf_token(app: Flask, client: FlaskClient) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    wrong = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            continue  # tokens, not cookies; a browser session there needs JSON (no form post)
        for method in _methods(rule):
            if method == "GET":
                continue
            response = client.open(_sample_url(rule), method=method)
            if response.status_code != 400 or b"CSRF" not in response.data:
                wrong.append(f"{method} {rule.rule}: {response.status_code}")
    assert not wrong, "Accepted a form post without a CSRF token:\n" + "\n".join(wrong)


def test_reading_a_declaration_needs_a_declarations_scope(app: Flask, client: FlaskClient,
                                                          make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.AUDITOR, username="tasker")
    with app.app_context():
        session = get_session()
        user = session.scalar(select(User).where(User.username == "tasker"))
        _, tasks_only = issue_api_token(session, "tasks", ["tasks:read"], user=user)
        _, reader = issue_api_token(session, "reader", ["declarations:read"])
        session.commit()
    url = "/api/v1/declarations/NO-SUCH-GD"
    assert client.get(url, headers={"Authorization": f"Bearer {tasks_only}"}).status_code == 403
    assert client.get(url, headers={"Authorization": f"Bearer {reader}"}).status_code == 404
