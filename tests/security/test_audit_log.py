"""Every change to an audited row lands in one hash chain, and `pca audit-log verify` finds any
edit, deletion or reordering of its entries and says where."""
from __future__ import annotations

import datetime as dt
import os
import threading

import pytest
from flask import Flask
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from audit_app.db import get_db
from audit_app.models import AuditLogEntry, DeadlineRule, Role, User
from audit_app.security.audit_log import acting_as
from audit_app.security.audit_verify import verify_chain
from tests.casedata import world  # noqa: F401  (fixture)
from tests.conftest import login

POSTGRES = bool(os.environ.get("PCA_TEST_DATABASE_URL"))


def _entries(session: Session, entity: str | None = None) -> list[AuditLogEntry]:
    session.expire_all()
    query = select(AuditLogEntry).order_by(AuditLogEntry.seq)
    if entity:
        query = query.where(AuditLogEntry.entity == entity)
    return list(session.scalars(query))


def _verify(app: Flask):  # type: ignore[no-untyped-def]
    with app.app_context(), get_db().engine.connect() as conn:
        return verify_chain(conn)


def _rule(session: Session, key: str, days: int = 30) -> DeadlineRule:
    rule = DeadlineRule(key=key, days=days, valid_from=dt.date(2026, 1, 1))
    session.add(rule)
    return rule


def test_insert_update_delete_are_logged_with_before_and_after(session: Session) -> None:
    with acting_as("system:test"):
        rule = _rule(session, "reply_days")
        session.commit()
        rule.days = 45
        session.commit()
        session.delete(rule)
        session.commit()
    inserted, updated, deleted = _entries(session, "deadline_rules")
    assert (inserted.action, inserted.before, inserted.after["days"]) == ("insert", None, 30)
    assert inserted.entity_id == str(rule.id) and inserted.actor == "system:test"
    assert (updated.action, updated.before, updated.after) == ("update", {"days": 30},
                                                               {"days": 45})
    assert (deleted.action, deleted.before["days"], deleted.after) == ("delete", 45, None)
    assert [e.seq for e in _entries(session)] == list(range(1, len(_entries(session)) + 1))


def test_a_rolled_back_change_leaves_no_entry(app: Flask, session: Session) -> None:
    _rule(session, "gone")
    session.flush()
    session.rollback()
    _rule(session, "kept")
    savepoint = session.begin_nested()
    _rule(session, "undone")
    session.flush()
    savepoint.rollback()
    session.commit()
    assert [e.after["key"] for e in _entries(session, "deadline_rules")] == ["kept"]
    assert _verify(app).ok


def test_a_released_savepoint_keeps_its_entries_and_an_inner_rollback_drops_only_its_own(
        app: Flask, session: Session) -> None:
    _rule(session, "before")
    session.flush()
    outer = session.begin_nested()
    _rule(session, "released")
    session.flush()
    inner = session.begin_nested()
    _rule(session, "inner undone")
    session.flush()
    inner.rollback()
    outer.commit()
    _rule(session, "after")
    session.commit()
    assert [e.after["key"] for e in _entries(session, "deadline_rules")] == [
        "before", "released", "after"]
    assert [e.seq for e in _entries(session)] == list(range(1, len(_entries(session)) + 1))
    assert _verify(app).ok


def test_a_transaction_writes_its_entries_once_whatever_its_flushes(session: Session) -> None:
    from sqlalchemy import event as sa_event
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    for n in range(3):
        _rule(session, f"flush {n}")
        session.flush()
    engine = session.get_bind()
    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        session.commit()
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)
    inserts = [s for s in statements if s.lstrip().startswith("INSERT INTO audit_log ")]
    assert len(inserts) == 1, statements  # the three flushes' entries in one INSERT at commit
    assert [e.after["key"] for e in _entries(session, "deadline_rules")] == [
        "flush 0", "flush 1", "flush 2"]


def test_secrets_never_enter_the_log(session: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.AUDITOR, username="ayesha")
    [user_entry] = _entries(session, "users")
    assert user_entry.after["password_hash"] == "[redacted]"
    assert user_entry.after["username"] == "ayesha"


def test_web_changes_name_the_user_and_the_request(app: Flask, client, make_user,  # type: ignore[no-untyped-def]
                                                   session: Session) -> None:
    login(client, make_user(Role.ADMINISTRATOR, username="admin1"))
    response = client.post("/risk/rules/draft", headers={"X-Request-ID": "req-42"})
    assert response.status_code == 302
    [created] = _entries(session, "risk_rule_sets")
    assert created.actor == "user:admin1" and created.request_id == "req-42"
    assert created.actor_user_id == session.scalar(select(User.id).where(
        User.username == "admin1"))


def test_a_case_lifecycle_is_logged_and_verifies(app: Flask, world) -> None:  # type: ignore[no-untyped-def]
    case = world.open_case()
    world.do(case, "assign_auditor", {"auditor_id": world.auditor.id})
    entities = {e.entity for e in _entries(world.session)}
    assert {"audit_cases", "case_items", "case_events", "workflow_instances",
            "open_tasks"} <= entities
    # Serialized workflows are logged by their digest, not copied whole into the log.
    instance = next(e for e in _entries(world.session, "workflow_instances")
                    if e.action == "insert")
    assert set(instance.after["state"]) == {"sha256", "length"}
    assert _verify(app).ok


def test_orm_bulk_updates_are_logged(session: Session) -> None:
    _rule(session, "bulk")
    session.commit()
    session.execute(update(DeadlineRule).where(DeadlineRule.key == "bulk").values(days=7))
    session.commit()
    bulk = _entries(session, "deadline_rules")[-1]
    assert bulk.action == "bulk_update" and "deadline_rules" in bulk.after["statement"]


# --- tampering -----------------------------------------------------------------------------

@pytest.fixture
def logged_chain(app: Flask, session: Session) -> list[AuditLogEntry]:
    with acting_as("system:test"):
        for n in range(6):
            _rule(session, f"rule-{n}", days=n + 1)
            session.commit()
    entries = _entries(session)
    assert len(entries) == 6 and _verify(app).ok
    return entries


def _raw(app: Flask, *statements: str) -> None:
    with app.app_context(), get_db().engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


def test_an_edited_entry_is_found(app: Flask, logged_chain, runner) -> None:  # type: ignore[no-untyped-def]
    target = logged_chain[2]
    _raw(app, f"UPDATE audit_log SET actor = 'user:someone-else' WHERE id = {target.id}")
    result = _verify(app)
    assert (result.first.seq, result.first.entry_id) == (3, target.id)
    assert "edited" in result.first.message
    out = runner.invoke(args=["audit-log", "verify"])
    assert out.exit_code == 1 and f"seq 3 (id {target.id}): edited" in out.output


def test_an_edited_value_inside_the_json_is_found(app: Flask, logged_chain) -> None:  # type: ignore[no-untyped-def]
    target = logged_chain[4]
    new_after = dict(target.after, days=999)
    with app.app_context(), get_db().engine.begin() as conn:
        conn.execute(update(AuditLogEntry.__table__).where(AuditLogEntry.id == target.id)
                     .values(after=new_after))
    assert _verify(app).first.seq == 5


def test_a_deleted_entry_is_found(app: Flask, logged_chain) -> None:  # type: ignore[no-untyped-def]
    _raw(app, f"DELETE FROM audit_log WHERE id = {logged_chain[1].id}")
    result = _verify(app)
    assert result.first.seq == 3 and "seq 2 missing" in result.first.message


def test_deleting_the_last_entries_is_found(app: Flask, logged_chain) -> None:  # type: ignore[no-untyped-def]
    _raw(app, f"DELETE FROM audit_log WHERE seq >= 5")
    result = _verify(app)
    assert result.first.seq is None and "the last entries were deleted" in result.first.message


def test_two_swapped_entries_are_found(app: Flask, logged_chain) -> None:  # type: ignore[no-untyped-def]
    a, b = logged_chain[2], logged_chain[3]  # seq 3 and 4 change places
    _raw(app, f"UPDATE audit_log SET seq = -1 WHERE id = {a.id}",
         f"UPDATE audit_log SET seq = 3 WHERE id = {b.id}",
         f"UPDATE audit_log SET seq = 4 WHERE id = {a.id}")
    result = _verify(app)
    assert (result.first.seq, result.first.entry_id) == (3, b.id)
    assert "out of order" in result.first.message and f"id {a.id}" in result.first.message


def test_an_intact_log_verifies_from_the_command_line(app: Flask, logged_chain, runner) -> None:  # type: ignore[no-untyped-def]
    out = runner.invoke(args=["audit-log", "verify"])
    assert out.exit_code == 0 and "intact: 6 entries" in out.output


@pytest.mark.skipif(not POSTGRES, reason="concurrent writers need PostgreSQL")
def test_concurrent_writers_on_postgresql_keep_one_chain(app: Flask) -> None:
    sessions = get_db_sessionmaker(app)
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            with acting_as(f"system:writer-{n}"):
                for k in range(10):
                    with sessions() as session:
                        _rule(session, f"w{n}-{k}")
                        session.flush()
                        if k == 0:
                            barrier.wait(timeout=30)  # every writer holds an open transaction
                        session.commit()
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    result = _verify(app)
    assert result.ok, [str(p) for p in result.problems]
    assert result.checked == 80


def get_db_sessionmaker(app: Flask):  # type: ignore[no-untyped-def]
    with app.app_context():
        return get_db().sessionmaker
