"""Login sessions, machine tokens and the rule that every route needs one of them.

Routes are protected by default: a `before_request` hook refuses anything not listed as public,
so a new blueprint cannot forget to protect itself.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

from flask import Flask, abort, g, redirect, request, url_for
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from ..db import get_session
from ..models.user import ApiToken, User
from .permissions import allowed
from .service import find_api_token

login_manager = LoginManager()
csrf = CSRFProtect()
F = TypeVar("F", bound=Callable[..., Any])

# What a view declares about who may call it, read by tests/security/test_route_guard.py:
# every non-public route must carry one of these attributes (set by the decorators below).
PERMISSION_ATTR = "__pca_permission__"  # an action of PERMISSIONS, or ANY_LOGGED_IN_USER
SCOPE_ATTR = "__pca_scope__"  # the API token scope a token-only view needs
ANY_LOGGED_IN_USER = "any logged-in user"


# Every logged-in request runs this statement: built once, so SQLAlchemy neither rebuilds the
# select with its loader option nor recomputes its cache key per request (about 0.2 ms of CPU
# each time, measured side by side in one process).
_USER_WITH_ROLES = (select(User).where(User.id == bindparam("user_id"))
                    .options(joinedload(User.roles)))


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    # The user and their roles in one round trip (the roles' own `selectin` would be a
    # second). Read afresh per request, never cached, so a disabled account or a changed role
    # counts from the next request on.
    user = get_session().execute(
        _USER_WITH_ROLES, {"user_id": int(user_id)}).unique().scalar_one_or_none()
    return user if user is not None and user.is_active else None


def current_token() -> ApiToken | None:
    return g.get("api_token")


def _authenticate_bearer() -> None:
    g.pop("api_token", None)  # never a token left from another request in the same context
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        token = find_api_token(get_session(), header[7:].strip())
        if token is None:
            abort(401, description="The API token is unknown or revoked.")
        g.api_token = token
        if get_session().dirty:
            get_session().commit()  # record last_used_at (at most once a minute)


def _require_login() -> Any:
    endpoint = request.endpoint or ""
    if endpoint == "static" or endpoint in _public_endpoints():
        return None
    if request.path.startswith("/api/"):
        _authenticate_bearer()
        if current_token() is None and not current_user.is_authenticated:
            abort(401, description="Log in or send an API token (Authorization: Bearer ...).")
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


def _public_endpoints() -> set[str]:
    from flask import current_app
    return current_app.extensions.get("pca_public_endpoints", set())


def permission_required(action: str) -> Callable[[F], F]:
    """Refuse the view unless the logged-in user's roles allow `action`."""
    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated or not allowed(current_user.role_set, action):
                abort(403, description="Your role does not allow this.")
            return view(*args, **kwargs)
        setattr(wrapped, PERMISSION_ATTR, action)
        return wrapped  # type: ignore[return-value]
    return decorator


def any_logged_in_user(view: F) -> F:
    """Declare that every logged-in user may open this view (login itself is enforced for
    every non-public route by `_require_login`); the route guard test reads the declaration."""
    setattr(view, PERMISSION_ATTR, ANY_LOGGED_IN_USER)
    return view


def permission_checked_in_view(action: str, scope: str | None = None) -> Callable[[F], F]:
    """Declare `action` (and the token `scope`) for a view that enforces them itself, e.g. with
    `api_user(scope, action)`, because it also accepts API tokens. The route guard test still
    checks every role against the matrix, and a token without `scope`, for these views."""
    def decorator(view: F) -> F:
        setattr(view, PERMISSION_ATTR, action)
        if scope is not None:
            setattr(view, SCOPE_ATTR, scope)
        return view
    return decorator


def scope_required(scope: str) -> Callable[[F], F]:
    """Refuse an API view unless it is called with a token that carries `scope`."""
    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            token = current_token()
            if token is None:
                abort(401, description=f"This endpoint needs an API token with scope {scope!r}.")
            if scope not in token.scope_set:
                abort(403, description=f"The API token lacks scope {scope!r}.")
            return view(*args, **kwargs)
        setattr(wrapped, SCOPE_ATTR, scope)
        return wrapped  # type: ignore[return-value]
    return decorator


def api_user(scope: str, action: str) -> User:
    """The person an API call acts for: the logged-in user, or the user a personal token
    belongs to (the token must carry `scope`). Either way the user's roles must allow
    `action`, so a machine token never works tasks on its own."""
    token = current_token()
    if token is not None:
        if token.user is None:
            abort(403, description=f"This endpoint acts for a person: use a personal token "
                                   f"(issued for a user) with scope {scope!r}.")
        if scope not in token.scope_set:
            abort(403, description=f"The API token lacks scope {scope!r}.")
        user = token.user
    elif current_user.is_authenticated:
        user = current_user._get_current_object()  # type: ignore[attr-defined]
    else:
        abort(401, description="Log in or send an API token (Authorization: Bearer ...).")
    if not allowed(user.role_set, action):
        abort(403, description="Your role does not allow this.")
    return user


def protect_url_prefix(app: Flask, prefix: str, action: str) -> list[str]:
    """Wrap every view under `prefix` (e.g. a Dash app mounted at /dashboards/, whose routes
    Dash registers itself) with `permission_required(action)`; returns the endpoints wrapped.
    Call it after the routes are registered."""
    wrapped = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        if rule.rule.startswith(prefix) and view is not None \
                and getattr(view, PERMISSION_ATTR, None) is None:
            app.view_functions[rule.endpoint] = permission_required(action)(view)
            wrapped.append(rule.endpoint)
    return wrapped


def init_app(app: Flask) -> None:
    from . import views

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    app.register_blueprint(views.bp)
    app.extensions.setdefault("pca_public_endpoints", set()).update(
        {"auth.login", "static"})
    app.before_request(_require_login)
