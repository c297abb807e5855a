"""The server refuses to start, saying what to do, on a wrong database URL, a missing secret
key, an unreachable database or pending migrations."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from audit_app import create_app
from audit_app.config import ConfigurationError, load_settings
from audit_app.security.startup import StartupRefused, check_ready_to_serve
from tests.conftest import REPO, _config


@pytest.mark.parametrize("url", ["not a url", "mysqlx://nobody@host/db", "postgres+nodriver://x/y"])
def test_a_wrong_database_url_is_a_configuration_error(url: str) -> None:
    with pytest.raises(ConfigurationError, match="PCA_DATABASE_URL is not a usable"):
        load_settings({"PCA_DATABASE_URL": url, "PCA_DEMO": "1"})


def test_the_password_of_a_wrong_url_is_not_echoed() -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_settings({"PCA_DATABASE_URL": "nosuchdb://user:s3cret@host/db"})
    assert "s3cret" not in str(raised.value)


def test_a_missing_secret_outside_demo_mode_stops_the_app(tmp_path: Path) -> None:
    config = {**_config("sqlite://", tmp_path), "SECRET_KEY": None}
    with pytest.raises(ConfigurationError, match="PCA_SECRET_KEY is not set"):
        create_app(config)


def test_an_unreachable_database_stops_the_server(tmp_path: Path) -> None:
    app = create_app(_config("postgresql+psycopg://pca:pw@127.0.0.1:1/pca", tmp_path))
    with pytest.raises(StartupRefused, match="Cannot reach the database at "
                       r"postgresql\+psycopg://pca:\*\*\*@127.0.0.1:1/pca"):
        check_ready_to_serve(app)


def test_an_unmigrated_database_stops_the_server(tmp_path: Path) -> None:
    app = create_app(_config(f"sqlite:///{tmp_path / 'empty.sqlite3'}", tmp_path))
    with pytest.raises(StartupRefused, match="no schema yet: run `pca db upgrade`"):
        check_ready_to_serve(app)


def test_pending_migrations_stop_the_server(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32))")
        conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('1c097cbb9ed9')")
    engine.dispose()
    app = create_app(_config(url, tmp_path))
    with pytest.raises(StartupRefused, match="at revision 1c097cbb9ed9 but this code needs .*"
                                             "run `pca db upgrade`"):
        check_ready_to_serve(app)


def test_a_migrated_database_serves(app) -> None:  # type: ignore[no-untyped-def]
    check_ready_to_serve(app)


def test_the_wsgi_entry_point_exits_with_one_sentence(tmp_path: Path) -> None:
    env = {**os.environ, "PCA_DATABASE_URL": f"sqlite:///{tmp_path / 'none.sqlite3'}",
           "PCA_SECRET_KEY": "x" * 32, "PCA_DEMO": "0", "PCA_INSTANCE_PATH": str(tmp_path)}
    env.pop("PCA_TEST_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-c", "import audit_app.wsgi"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 4
    assert done.stderr.strip().startswith("PCA server not started: The database at sqlite:///")
    assert "Traceback" not in done.stderr
