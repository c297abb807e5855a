"""Domain exceptions, and the one place that maps them to HTTP responses."""
from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge


class DomainError(Exception):
    """Base of every error a service raises on purpose; `status` is only read by the web layer."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    status = 404
    code = "not_found"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"


CONCURRENT_CHANGE = ("Someone else changed this at the same time and nothing was saved; "
                     "reload and try again.")
# PostgreSQL's serialization failure, deadlock detected, lock not available: the database
# chose this transaction to give way to another; nothing of it was committed.
_CONCURRENCY_SQLSTATES = {"40001", "40P01", "55P03"}


def is_concurrency_failure(exc: BaseException) -> bool:
    """A database error that only says another transaction won a race (retrying may work)."""
    return getattr(getattr(exc, "orig", None), "sqlstate", None) in _CONCURRENCY_SQLSTATES


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _render(status: int, code: str, message: str, details: Any = None):  # type: ignore[no-untyped-def]
    if wants_json():
        body: dict[str, Any] = {"error": {"code": code, "message": message}}
        if details is not None:
            body["error"]["details"] = details
        return jsonify(body), status
    return render_template("errors/error.html", status=status, message=message,
                           details=details), status


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):  # type: ignore[no-untyped-def]
        return _render(exc.status, exc.code, exc.message, exc.details)

    @app.errorhandler(StaleDataError)
    def _stale(_exc: StaleDataError):  # type: ignore[no-untyped-def]
        # A row this request read was changed or deleted by another writer before it wrote
        # (the version column's compare-and-swap): the same answer as the services' Conflict.
        return _render(Conflict.status, Conflict.code, CONCURRENT_CHANGE)

    @app.errorhandler(DBAPIError)
    def _database(exc: DBAPIError):  # type: ignore[no-untyped-def]
        if not is_concurrency_failure(exc):
            raise exc
        return _render(Conflict.status, Conflict.code, CONCURRENT_CHANGE)

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(exc: RequestEntityTooLarge):  # type: ignore[no-untyped-def]
        if wants_json():  # the API's limits are described with its endpoints
            return _render(413, "request_entity_too_large", exc.description or exc.name)
        return _render(413, "request_entity_too_large",
                       f"The upload was refused: it is larger than the limit of "
                       f"{app.config.get('MAX_UPLOAD_MB')} MB (PCA_MAX_UPLOAD_MB). Upload a "
                       "smaller file (e.g. a scan at a lower resolution) or split it.")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):  # type: ignore[no-untyped-def]
        code = (exc.name or "error").lower().replace(" ", "_")
        return _render(exc.code or 500, code, exc.description or exc.name)
