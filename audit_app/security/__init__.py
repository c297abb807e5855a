"""What guards everything else: security headers, session limits, request ids and structured
logs, and the tamper-evident audit log of every change."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import audit_log, headers, logs, sessions

    sessions.init_app(app)
    logs.init_app(app)  # after sessions: its request-id hook must run first
    headers.init_app(app)
    audit_log.install()
