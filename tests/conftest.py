"""Fixtures: one database per test session (SQLite, or PostgreSQL when PCA_TEST_DATABASE_URL is
set), migrated with Alembic once; each test gets an app on it and leaves the tables empty."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask import Flask
from hypothesis import HealthCheck, settings
from flask.testing import FlaskClient
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from audit_app import create_app
from audit_app.auth import passwords
from audit_app.commands.database import upgrade
from audit_app.db import Base, get_session
from audit_app.models import Role

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
PASSWORD = "correct-horse-battery"

# Property tests check behaviour, not speed: on a busy CI machine Hypothesis's timing health check and
# per-example deadline would fail tests whose logic is fine.
settings.register_profile(
    "pca", deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
settings.load_profile("pca")


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    # Argon2 at production cost would dominate the suite; the algorithm stays the same.
    original = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = original


def _postgres_database(base_url: str) -> Iterator[str]:
    """A fresh database for this run, dropped afterwards, so runs never see each other's rows."""
    url = make_url(base_url)
    name = f"pca_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = os.environ.get("PCA_TEST_DATABASE_URL")
    if base:
        yield from _postgres_database(base)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def migrated_url(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    app = create_app(_config(database_url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        upgrade(database_url)
    app.extensions["pca_db"].engine.dispose()
    return database_url


def _config(url: str, instance: Path) -> dict[str, object]:
    return {"DATABASE_URL": url, "SECRET_KEY": "test-secret", "DEMO": False, "TESTING": True,
            "INSTANCE_PATH": str(instance), "WTF_CSRF_ENABLED": False}


def empty_all_tables(app: Flask) -> None:
    engine = app.extensions["pca_db"].engine
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    # DELETE, not TRUNCATE: on a handful of rows it is far cheaper on PostgreSQL (TRUNCATE
    # swaps every table's files), and the suite empties the tables after every test.
    with engine.begin() as conn:
        with _append_only_lifted(conn):
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


@contextmanager
def _append_only_lifted(conn: Connection) -> Iterator[None]:
    """The ledger's triggers refuse every DELETE; between tests, and only here, they are
    lifted inside the cleanup's own transaction (SQLite: dropped and made again exactly as
    the migration made them; PostgreSQL: replica mode skips user triggers)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        yield
        return
    triggers = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                 "AND tbl_name = 'ledger_entries'")).all()
    for name, _sql in triggers:
        conn.execute(text(f"DROP TRIGGER {name}"))
    yield
    for _name, sql in triggers:
        conn.execute(text(sql))


@pytest.fixture
def app(migrated_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(_config(migrated_url, tmp_path / "instance"))
    yield app
    empty_all_tables(app)
    app.extensions["pca_db"].engine.dispose()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    with app.app_context():
        yield get_session()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


@pytest.fixture
def make_user(app: Flask):  # type: ignore[no-untyped-def]
    """make_user(Role.AUDITOR, username="ali") -> username; password is PASSWORD."""
    from audit_app.auth.service import create_user

    def _make(*roles: Role, username: str | None = None, directorate: str | None = "PCA-S") -> str:
        name = username or "_".join(r.value for r in roles) or "nobody"
        with app.app_context():
            db = get_session()
            create_user(db, name, PASSWORD, name.replace("_", " ").title(), list(roles),
                        directorate_code=directorate)
            db.commit()
        return name
    return _make


def login(client: FlaskClient, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"username": username, "password": password})


@pytest.fixture
def logged_in(client: FlaskClient, make_user):  # type: ignore[no-untyped-def]
    """logged_in(Role.X) -> the client, logged in as a new user with that role."""
    def _as(*roles: Role) -> FlaskClient:
        response = login(client, make_user(*roles))
        assert response.status_code == 302, response.data
        return client
    return _as
