"""Pooled PostgreSQL connections: pinged only after sitting idle, and a connection the server
dropped while idle is replaced without the next request seeing an error."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text

from audit_app import db


@pytest.fixture
def engine(migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    if not migrated_url.startswith("postgresql"):
        pytest.skip("the idle ping is PostgreSQL's (SQLite has no server to lose)")
    now = [1000.0]
    monkeypatch.setattr(db, "_clock", lambda: now[0])
    engine = db.make_engine(migrated_url, pool_size=1, max_overflow=0)
    engine.info = {"now": now}  # type: ignore[attr-defined]
    pings: list[Any] = []
    original = engine.dialect.do_ping

    def counting_ping(dbapi_conn: Any) -> bool:
        pings.append(dbapi_conn)
        return original(dbapi_conn)

    monkeypatch.setattr(engine.dialect, "do_ping", counting_ping)
    engine.info["pings"] = pings  # type: ignore[attr-defined]
    yield engine
    engine.dispose()


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_just_returned_is_handed_out_again_without_a_ping(engine: Engine) -> None:
    first = _backend_pid(engine)
    engine.info["now"][0] += db.IDLE_BEFORE_PING_SECONDS - 1  # type: ignore[attr-defined]
    assert _backend_pid(engine) == first
    assert engine.info["pings"] == []  # type: ignore[attr-defined]


def test_a_connection_idle_for_longer_is_pinged_first(engine: Engine) -> None:
    first = _backend_pid(engine)
    engine.info["now"][0] += db.IDLE_BEFORE_PING_SECONDS + 1  # type: ignore[attr-defined]
    assert _backend_pid(engine) == first
    assert len(engine.info["pings"]) == 1  # type: ignore[attr-defined]
    # the ping counts as use: the very next checkout is not pinged again
    assert _backend_pid(engine) == first
    assert len(engine.info["pings"]) == 1  # type: ignore[attr-defined]


def test_an_idle_connection_the_server_dropped_is_replaced_before_use(
        engine: Engine, migrated_url: str) -> None:
    first = _backend_pid(engine)
    killer = db.make_engine(migrated_url)
    try:
        with killer.begin() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar()
    finally:
        killer.dispose()
    engine.info["now"][0] += db.IDLE_BEFORE_PING_SECONDS + 1  # type: ignore[attr-defined]
    replaced = _backend_pid(engine)  # no error: the failed ping made the pool reconnect
    assert replaced != first
