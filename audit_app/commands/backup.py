"""`pca db backup FILE` / `pca db restore FILE`: a whole database to one file and back.

PostgreSQL: `pg_dump --format=custom` (compressed, every table, sequence, index, trigger and
the Alembic revision; restorable table by table) and `pg_restore` in one transaction that
stops at the first error. SQLite: SQLite's online backup API (a consistent copy while the app
runs). A restore goes only into an empty database (no tables): restoring over live data would
mix two histories, so the command refuses and says so. After a restore, `pca audit-log verify`
proves the log's hash chain came back whole, and `pca documents verify` the issued PDFs.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import URL, make_url


class BackupError(Exception):
    """A backup or restore that cannot be done, in one sentence saying why."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    sha256: str


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_args(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump/pg_restore; the password goes in the environment, never
    on the command line (where `ps` would show it)."""
    args = [f"--dbname={url.database}"]
    if url.host:
        args.append(f"--host={url.host}")
    if url.port:
        args.append(f"--port={url.port}")
    if url.username:
        args.append(f"--username={url.username}")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client of the "
                          f"server's major version (Debian: apt-get install postgresql-client).")
    return found


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{what} failed (exit {done.returncode}): "
                          f"{(done.stderr or done.stdout).strip()[:2000]}")


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return Path(url.database)


def backup(database_url: str, target: Path) -> BackupResult:
    """Write the whole database at `database_url` to `target` (refuses to overwrite a file)."""
    url = make_url(database_url)
    if target.exists():
        raise BackupError(f"{target} exists already: choose a new file name (a backup is "
                          f"never overwritten).")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    try:
        if url.get_backend_name() == "postgresql":
            args, env = _pg_args(url)
            _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                  f"--file={partial}", *args], env, "pg_dump")
        elif url.get_backend_name() == "sqlite":
            source = _sqlite_path(url)
            if not source.exists():
                raise BackupError(f"No SQLite database at {source}.")
            with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, \
                    sqlite3.connect(partial) as dst:
                src.backup(dst)
        else:
            raise BackupError(f"Backups support PostgreSQL and SQLite, not "
                              f"{url.get_backend_name()}.")
        partial.rename(target)  # only a complete dump ever carries the final name
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(target, target.stat().st_size, _sha256(target))


def restore(database_url: str, source: Path) -> BackupResult:
    """Load the backup `source` into the empty database at `database_url`."""
    url = make_url(database_url)
    if not source.is_file():
        raise BackupError(f"No backup file at {source}.")
    result = BackupResult(source, source.stat().st_size, _sha256(source))
    if url.get_backend_name() == "postgresql":
        _refuse_non_empty(database_url)
        args, env = _pg_args(url)
        _run([_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
              "--single-transaction", *args, str(source)], env, "pg_restore")
    elif url.get_backend_name() == "sqlite":
        target = _sqlite_path(url)
        if target.exists() and target.stat().st_size > 0:
            _refuse_non_empty(database_url)
        with open(source, "rb") as f:
            if f.read(16) != b"SQLite format 3\x00":
                raise BackupError(f"{source} is not a SQLite backup (a PostgreSQL dump goes "
                                  f"into a PostgreSQL database).")
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, \
                sqlite3.connect(target) as dst:
            src.backup(dst)
    else:
        raise BackupError(f"Restores support PostgreSQL and SQLite, not "
                          f"{url.get_backend_name()}.")
    return result


def _refuse_non_empty(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        tables = inspect(engine).get_table_names()
    finally:
        engine.dispose()
    if tables:
        raise BackupError(f"The database at {make_url(database_url).render_as_string()} is not "
                          f"empty ({len(tables)} tables, e.g. {sorted(tables)[0]}): restore "
                          f"into a new, empty database, then point PCA_DATABASE_URL at it.")
