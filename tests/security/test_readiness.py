"""/healthz and /readyz, the worker heartbeat, and what an operator sees in the logs."""
from __future__ import annotations

import datetime as dt
import json
import logging

from flask import Flask
from sqlalchemy import text

from audit_app.db import get_db
from audit_app.health import check_workers, migration_heads
from audit_app.models import WorkerHeartbeat
from audit_app.security.logs import JsonFormatter, RequestIdFilter


def test_ready_when_the_database_is_migrated(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "checks": {
        "database": {"ok": True}, "migrations": {"ok": True}}}


def test_not_ready_with_pending_migrations_and_says_what_to_run(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    [head] = migration_heads()
    with app.app_context(), get_db().engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    try:
        response = client.get("/readyz")
    finally:
        with app.app_context(), get_db().engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
    assert response.status_code == 503
    check = response.get_json()["checks"]["migrations"]
    assert check["ok"] is False and "pca db upgrade" in check["error"]
    assert check["database"] == ["older"] and check["code"] == [head]


def test_workers_are_checked_only_where_they_are_expected(app: Flask, client, session,  # type: ignore[no-untyped-def]
                                                          runner) -> None:
    app.config["WORKER_HEARTBEAT_SECONDS"] = 120
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "no `pca worker` reported" in response.get_json()["checks"]["workers"]["error"]
    from workflows.clock import SystemClock
    from workflows.worker import record_heartbeat
    record_heartbeat(get_db().sessionmaker, "host:1", 0, SystemClock().now())
    assert client.get("/readyz").status_code == 200
    beat = session.get(WorkerHeartbeat, "host:1")
    later = beat.last_seen_at.replace(tzinfo=dt.timezone.utc) + dt.timedelta(seconds=121)
    assert check_workers(session, 120, now=later)["ok"] is False


def test_healthz_says_only_ok(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}


def test_log_lines_are_json_with_the_request_id(app: Flask) -> None:
    record = logging.LogRecord("audit_app.x", logging.WARNING, __file__, 1, "case %s moved",
                               ("PCA-S/2026/000001",), None)
    with app.test_request_context("/", headers={"X-Request-ID": "abc-1"}):
        app.preprocess_request()
        RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "case PCA-S/2026/000001 moved"
    assert line["request_id"] == "abc-1" and line["level"] == "WARNING"
