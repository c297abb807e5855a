"""`pca db backup` / `pca db restore`: a case with ledger entries and its audit log survive a
dump and a restore into a fresh database: the hash chain verifies and every count and sum
matches. Runs on the suite's database (PostgreSQL: pg_dump -Fc / pg_restore; SQLite: the
online backup API)."""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from audit_app import create_app
from audit_app.models import AuditCase, CaseEvent, LedgerEntry
from audit_app.models.audit_log import AuditLogEntry
from audit_app.services import ledger
from tests.casedata import World, drive_to, world  # noqa: F401
from tests.conftest import _config


@pytest.fixture
def fresh_url(migrated_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database on the same server (a new SQLite file, or a new PostgreSQL database)."""
    url = make_url(migrated_url)
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"pca_test_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _figures(url: str) -> dict[str, object]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                "cases": conn.scalar(select(func.count()).select_from(AuditCase)),
                "events": conn.scalar(select(func.count()).select_from(CaseEvent)),
                "ledger_entries": conn.scalar(select(func.count()).select_from(LedgerEntry)),
                "ledger_sum": Decimal(conn.scalar(select(func.coalesce(
                    func.sum(LedgerEntry.amount_pkr), 0)))),
                "audit_log": conn.scalar(select(func.count()).select_from(AuditLogEntry)),
                "last_hash": conn.scalar(select(AuditLogEntry.hash)
                                         .order_by(AuditLogEntry.seq.desc()).limit(1)),
            }
    finally:
        engine.dispose()


def test_backup_then_restore_into_a_fresh_database_keeps_everything(
        app: Flask, world: World, runner, fresh_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case = world.open_case(2)
    drive_to(world, case, "examine_records")
    for account, amounts in (("contravened", {"cd": Decimal("100000.50"), "st": Decimal(18000)}),
                             ("demanded", {"cd": Decimal(90000), "penalty": Decimal(5000)}),
                             ("paid", {"cd": Decimal("25000.25")})):
        ledger.post(world.session, case.id, account, amounts, on=dt.date(2026, 1, 5),
                    kind="test_posting", actor=world.supervisor, clock=world.clock)
    world.session.commit()
    before = _figures(app.config["DATABASE_URL"])
    assert before["ledger_entries"] == 5 and before["audit_log"] > 0

    dump = tmp_path / "backups" / "pca.dump"
    made = runner.invoke(args=["db", "backup", str(dump)])
    assert made.exit_code == 0, made.output
    assert "Backup written" in made.output and dump.stat().st_size > 0
    again = runner.invoke(args=["db", "backup", str(dump)])
    assert again.exit_code != 0 and "exists already" in again.output  # never overwritten

    restored_app = create_app(_config(fresh_url, tmp_path / "restored_instance"))
    restored = restored_app.test_cli_runner()
    # The test's own app context is active: commands run in the restored app's, explicitly.
    with restored_app.app_context():
        result = restored.invoke(args=["db", "restore", str(dump)])
        assert result.exit_code == 0, result.output
        verify = restored.invoke(args=["audit-log", "verify"])
    assert verify.exit_code == 0, verify.output
    assert f"{before['audit_log']} entries" in verify.output
    assert _figures(fresh_url) == before

    # The restored ledger is as append-only as the original (its triggers came back).
    engine = create_engine(fresh_url)
    try:
        with pytest.raises(Exception, match="(?i)ledger|append|immutable"):
            with engine.begin() as conn:
                conn.execute(text("UPDATE ledger_entries SET amount_pkr = 1"))
    finally:
        engine.dispose()

    # A second restore onto what is now live data is refused, naming why.
    with restored_app.app_context():
        twice = restored.invoke(args=["db", "restore", str(dump)])
    assert twice.exit_code != 0 and "not empty" in twice.output
    restored_app.extensions["pca_db"].engine.dispose()
    assert _figures(fresh_url) == before


def test_restoring_a_file_that_is_not_a_backup_is_refused(app: Flask, runner, fresh_url: str,
                                                          tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    junk = tmp_path / "junk.dump"
    junk.write_bytes(b"not a backup\n" * 10)
    restored_app = create_app(_config(fresh_url, tmp_path / "restored_instance"))
    with restored_app.app_context():
        result = restored_app.test_cli_runner().invoke(args=["db", "restore", str(junk)])
    restored_app.extensions["pca_db"].engine.dispose()
    assert result.exit_code != 0
    assert "pg_restore failed" in result.output or "not a SQLite backup" in result.output
