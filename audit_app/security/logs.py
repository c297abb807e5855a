"""Structured logs: one JSON object per line, each carrying the request id of the request it
belongs to, and one access line per request.

The request id comes from the `X-Request-ID` header when a proxy sent a sane one, otherwise a
new one is made; it is echoed in the response header and written into audit-log entries, so an
operator can follow one request from the proxy through the logs to the changes it made.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
access_log = logging.getLogger("audit_app.access")
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None)))


def current_request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.timezone.utc)
                    .isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
        }
        for key, value in vars(record).items():  # extra={...} fields, request_id
            if key not in _STANDARD and key not in entry and value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(app: Flask) -> None:
    """One handler on the root logger (JSON or plain text, PCA_LOG_FORMAT), set once per
    process; later apps (tests build many) only adjust the level."""
    root = logging.getLogger()
    level = str(app.config.get("LOG_LEVEL") or "INFO").upper()
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # SpiffWorkflow logs every task state change at INFO (several per step), with the task's
    # data (amounts, names) whenever its logger's own level is below INFO: a cost on every
    # workflow step and case data in the log. Kept for PCA_LOG_LEVEL=DEBUG only.
    # WeasyPrint logs each rendering step and page at INFO (dozens of lines per document).
    for name in ("spiff", "spiff.task", "spiff.workflow", "spiff.data", "spiff.dmn",
                 "weasyprint.progress"):
        logging.getLogger(name).setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)
    if any(getattr(h, "_pca", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler._pca = True  # type: ignore[attr-defined]
    handler.addFilter(RequestIdFilter())
    if str(app.config.get("LOG_FORMAT", "json")) == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    root.addHandler(handler)


def _start_request() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish_request(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id:
        response.headers[REQUEST_ID_HEADER] = request_id
    # Below INFO nothing is written: skip building the line, and above all loading the user
    # of a public route for it (a query).
    if request.endpoint != "static" and access_log.isEnabledFor(logging.INFO):
        from flask_login import current_user
        user = getattr(current_user, "username", None) if current_user else None
        access_log.info(
            "%s %s %s", request.method, request.path, response.status_code,
            extra={"method": request.method, "path": request.path,
                   "status": response.status_code, "user": user,
                   "duration_ms": round((time.perf_counter() - g.get(
                       "request_started", time.perf_counter())) * 1000, 1),
                   "remote_addr": request.remote_addr})
    return response


def init_app(app: Flask) -> None:
    configure_logging(app)
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)
    app.after_request(_finish_request)
