"""How a request's transaction ends on PostgreSQL: one that only read is committed, so the
connection keeps the statements psycopg prepared on it (a ROLLBACK makes psycopg forget them
all); one that wrote and was not committed, or left changes unflushed, or failed, is rolled
back exactly as before."""
from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select, text, update

from audit_app.db import get_session, reads_only
from audit_app.models import Role, User


@pytest.mark.parametrize("statement", [
    "SELECT users.id FROM users WHERE users.id = %(id)s",
    "  select 1",
    "SELECT id FROM open_tasks WHERE id = 1 FOR UPDATE",
    "WITH per_case AS (SELECT case_id FROM ledger_entries) SELECT count(*) FROM per_case",
])
def test_queries_count_as_reading(statement: str) -> None:
    assert reads_only(statement)


@pytest.mark.parametrize("statement", [
    "INSERT INTO case_events (case_id) VALUES (1)",
    "UPDATE users SET full_name = 'x'",
    "DELETE FROM open_tasks WHERE id = 1",
    "WITH moved AS (DELETE FROM open_tasks RETURNING id) SELECT count(*) FROM moved",
    "WITH locked AS (SELECT id FROM open_tasks FOR UPDATE) SELECT * FROM locked",
    "SET LOCAL statement_timeout = 1000",
    "SAVEPOINT sa_savepoint_1",
    "TRUNCATE users",
])
def test_everything_else_counts_as_writing(statement: str) -> None:
    assert not reads_only(statement)


@pytest.fixture
def pg_app(app: Flask) -> Flask:
    if app.extensions["pca_db"].dialect != "postgresql":
        pytest.skip("psycopg's prepared statements are PostgreSQL's")
    return app


def _user_id(app: Flask, make_user) -> int:  # type: ignore[no-untyped-def]
    name = make_user(Role.AUDITOR, username="reader")
    with app.app_context():
        return get_session().scalar(select(User.id).where(User.username == name))


def _full_name(app: Flask, user_id: int) -> str:
    """The user's name as stored, read in a context (a request) of its own."""
    with app.app_context():
        return get_session().scalars(select(User.full_name).where(User.id == user_id)).one()


def _rename(user_id: int) -> None:
    """Change the user's name in the current session (flushed by the caller if wanted)."""
    get_session().get(User, user_id).full_name = "Changed"  # type: ignore[union-attr]


def _prepared_statements(app: Flask) -> list[str]:
    with app.app_context():
        return list(get_session().scalars(text("SELECT statement FROM pg_prepared_statements")))


def test_a_read_only_request_keeps_the_connections_prepared_statements(
        pg_app: Flask, make_user) -> None:  # type: ignore[no-untyped-def]
    user_id = _user_id(pg_app, make_user)
    pg_app.extensions["pca_db"].engine.dispose()  # one fresh connection, reused by each context
    for _ in range(7):  # psycopg prepares a statement at its sixth execution on a connection
        with pg_app.app_context():
            assert get_session().scalar(select(User.full_name).where(User.id == user_id)) == "Reader"
    assert any("FROM users" in s and "full_name" in s for s in _prepared_statements(pg_app))


def test_a_change_flushed_but_not_committed_is_rolled_back(
        pg_app: Flask, make_user) -> None:  # type: ignore[no-untyped-def]
    user_id = _user_id(pg_app, make_user)
    with pg_app.app_context():
        session = get_session()
        _rename(user_id)
        session.flush()
        session.scalar(select(func.count(User.id)))  # a read after the write changes nothing
    assert _full_name(pg_app, user_id) == "Reader"


def test_a_statement_that_wrote_without_the_orm_is_rolled_back(
        pg_app: Flask, make_user) -> None:  # type: ignore[no-untyped-def]
    user_id = _user_id(pg_app, make_user)
    with pg_app.app_context():
        get_session().execute(update(User).where(User.id == user_id).values(full_name="Changed"))
    assert _full_name(pg_app, user_id) == "Reader"


def test_a_change_left_unflushed_is_not_committed(
        pg_app: Flask, make_user) -> None:  # type: ignore[no-untyped-def]
    user_id = _user_id(pg_app, make_user)
    with pg_app.app_context():
        _rename(user_id)
    assert _full_name(pg_app, user_id) == "Reader"


def test_a_request_that_failed_is_rolled_back(pg_app: Flask, make_user) -> None:  # type: ignore[no-untyped-def]
    user_id = _user_id(pg_app, make_user)
    with pytest.raises(RuntimeError):
        with pg_app.app_context():
            session = get_session()
            _rename(user_id)
            session.flush()
            raise RuntimeError("the handler failed")
    assert _full_name(pg_app, user_id) == "Reader"


def test_a_handled_http_error_after_a_write_rolls_the_write_back(
        pg_app: Flask, make_user) -> None:  # type: ignore[no-untyped-def]
    """An abort() is answered normally (the teardown sees no exception): the write it left
    uncommitted must still go."""
    user_id = _user_id(pg_app, make_user)
    from flask import abort

    @pg_app.route("/_test/write-then-conflict")
    def _write_then_conflict():  # type: ignore[no-untyped-def]
        session = get_session()
        _rename(user_id)
        session.flush()
        abort(409)

    pg_app.extensions.setdefault("pca_public_endpoints", set()).add("_write_then_conflict")
    assert pg_app.test_client().get("/_test/write-then-conflict").status_code == 409
    assert _full_name(pg_app, user_id) == "Reader"
