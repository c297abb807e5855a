"""Probes for load balancers and monitoring, the only routes besides login open to all.

- `/healthz` (liveness): the process answers and reaches its database.
- `/readyz` (readiness): the database answers, its schema is at the migrations' head, and, when
  PCA_WORKER_HEARTBEAT_SECONDS is set, a `pca worker` reported within that many seconds.
  503 with the failing check named otherwise. The answers name no host, user or version.
"""
from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from .db import get_session, utcnow

bp = Blueprint("health", __name__)


@functools.cache
def migration_heads() -> frozenset[str]:
    """The revisions the code expects (read once per process from migrations/)."""
    from alembic.script import ScriptDirectory

    from .commands.database import alembic_config
    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def database_revisions(session: Session) -> frozenset[str]:
    try:
        return frozenset(session.scalars(text("SELECT version_num FROM alembic_version")))
    except Exception:  # no alembic_version table: never migrated
        session.rollback()
        return frozenset()


def check_database(session: Session) -> dict[str, Any]:
    try:
        session.execute(text("SELECT 1"))
    except Exception as exc:  # the probe must answer, whatever broke
        session.rollback()
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True}


def check_migrations(session: Session) -> dict[str, Any]:
    current, heads = database_revisions(session), migration_heads()
    if current == heads:
        return {"ok": True}
    return {"ok": False, "error": "pending migrations: run `pca db upgrade`",
            "database": sorted(current), "code": sorted(heads)}


def check_workers(session: Session, max_age_seconds: int,
                  now: dt.datetime | None = None) -> dict[str, Any]:
    from .models.worker_heartbeat import WorkerHeartbeat

    latest = session.scalar(select(func.max(WorkerHeartbeat.last_seen_at)))
    if latest is not None and latest.tzinfo is None:  # SQLite gives naive UTC
        latest = latest.replace(tzinfo=dt.timezone.utc)
    age = None if latest is None else ((now or utcnow()) - latest).total_seconds()
    if age is None or age > max_age_seconds:
        return {"ok": False, "error": "no `pca worker` reported within "
                f"{max_age_seconds} s", "last_seen_seconds_ago": None if age is None
                else round(age)}
    return {"ok": True, "last_seen_seconds_ago": round(age)}


def readiness(session: Session) -> dict[str, dict[str, Any]]:
    checks = {"database": check_database(session)}
    if not checks["database"]["ok"]:
        return checks
    checks["migrations"] = check_migrations(session)
    max_age = int(current_app.config.get("WORKER_HEARTBEAT_SECONDS") or 0)
    if max_age and checks["migrations"]["ok"]:
        checks["workers"] = check_workers(session, max_age)
    return checks


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    database = check_database(get_session())
    if not database["ok"]:
        return jsonify(status="error", database=database["error"]), 503
    return jsonify(status="ok", database="ok")


@bp.get("/readyz")
def readyz():  # type: ignore[no-untyped-def]
    checks = readiness(get_session())
    ready = all(c["ok"] for c in checks.values())
    return jsonify(status="ready" if ready else "not ready", checks=checks), \
        (200 if ready else 503)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.extensions.setdefault("pca_public_endpoints", set()).update(
        {"health.healthz", "health.readyz"})
