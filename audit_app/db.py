"""The database: declarative base, engine and the per-request session.

Services receive a `Session`; only HTTP handlers and commands commit.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from flask import Flask, current_app, g
from sqlalchemy import (JSON, Date, DateTime, Engine, MetaData, Numeric,
                        String, create_engine, event)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, sessionmaker

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

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


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


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
