"""The database: declarative base, engine and the per-request session.

Services receive a `Session`; only HTTP handlers and commands commit.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import time
from decimal import Decimal
from typing import Annotated, Any

from flask import Flask, current_app, g
from sqlalchemy import (JSON, Date, DateTime, Engine, MetaData, Numeric,
                        String, create_engine, event)
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, sessionmaker

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Money: whole rupees and paisa, never float. 18 digits covers Rs 10^16.
Money = Annotated[Decimal, mapped_column(Numeric(18, 2))]
Quantity = Annotated[Decimal, mapped_column(Numeric(20, 6))]
Percent = Annotated[Decimal, mapped_column(Numeric(9, 4))]
Rate = Annotated[Decimal, mapped_column(Numeric(18, 6))]
JsonDoc = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        Decimal: Numeric(18, 2),
        dt.datetime: DateTime(timezone=True),
        dt.date: Date(),
        str: String(255),
        dict[str, Any]: JsonDoc,
    }


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
    else:
        engine = create_engine(url, **kwargs)
        _ping_when_idle(engine)
    _note_writes(engine)
    return engine


# A request's transaction that only read is ended with COMMIT, not ROLLBACK (the same for a
# transaction that changed nothing), on either database. The reason is PostgreSQL's: psycopg
# forgets every statement it has prepared on the connection at each ROLLBACK, so with a
# ROLLBACK per request no statement ever reached its sixth execution on a connection, and
# PostgreSQL parsed and planned every statement of every request afresh. Any statement but a
# SELECT (or a WITH query naming no INSERT, UPDATE, DELETE or MERGE) marks the transaction as
# one that wrote; that one still ends in ROLLBACK unless the request committed it.
_WROTE = "pca_wrote"
_SELECT = re.compile(r"\s*SELECT\b", re.IGNORECASE)
_WITH = re.compile(r"\s*WITH\b", re.IGNORECASE)
_MODIFYING = re.compile(r"\b(?:INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)


def reads_only(statement: str) -> bool:
    """Whether `statement` cannot change data: a SELECT, or a WITH query that names none of
    INSERT, UPDATE, DELETE and MERGE (so a WITH query locking rows FOR UPDATE is taken for a
    change: the test errs on the side of ROLLBACK)."""
    if _SELECT.match(statement):
        return True
    return bool(_WITH.match(statement)) and not _MODIFYING.search(statement)


def _note_writes(engine: Engine) -> None:
    @event.listens_for(engine, "before_cursor_execute")
    def _note(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not reads_only(statement):
            conn.info[_WROTE] = True

    @event.listens_for(engine, "begin")
    def _began(conn: Any) -> None:
        conn.info.pop(_WROTE, None)


def end_read_only(session: Session) -> None:
    """Commit `session`'s transaction if it only read (see `_WROTE`) and has nothing waiting
    to be flushed; otherwise leave it for `close()` to roll back."""
    if session.get_transaction() is None or session.new or session.dirty or session.deleted:
        return
    if session.connection().info.get(_WROTE):
        return
    session.commit()


# A pooled PostgreSQL connection that sat unused for this long is pinged before it is handed
# out, so a server restart or an idle timeout costs no request an error. One just returned
# is not: pinging on every checkout (`pool_pre_ping`) cost each request a round trip, about an
# eighth of the statements of a typical page. A connection that broke in the last few seconds
# fails its request once, and the pool then replaces all connections older than the failure.
IDLE_BEFORE_PING_SECONDS = 10.0
_LAST_USED = "pca_last_used"


def _clock() -> float:
    return time.monotonic()


def _ping_when_idle(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connected(_dbapi_conn: Any, record: Any) -> None:
        record.info[_LAST_USED] = _clock()

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn: Any, record: Any) -> None:
        record.info[_LAST_USED] = _clock()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        last = record.info.get(_LAST_USED)
        if last is not None and _clock() - last < IDLE_BEFORE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # gone or broken: the pool reconnects and retries the checkout
            raise sa_exc.InvalidatePoolError(f"idle connection failed its ping: {exc}") from exc
        record.info[_LAST_USED] = _clock()


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name


def init_app(app: Flask) -> None:
    app.extensions["pca_db"] = Database(str(app.config["DATABASE_URL"]))
    app.teardown_appcontext(_close_session)


def get_db() -> Database:
    return current_app.extensions["pca_db"]


def get_session() -> Session:
    """The session of the current request or command; created on first use."""
    if "db_session" not in g:
        g.db_session = get_db().sessionmaker()
    return g.db_session


def _close_session(exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is None:
        return
    try:
        if exc is None:
            end_read_only(session)
    except sa_exc.SQLAlchemyError as error:  # it only read: nothing is lost, close() cleans up
        log.warning("ending a read-only transaction failed: %s", error)
    finally:
        session.close()
