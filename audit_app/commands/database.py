"""`pca db ...`: schema migrations with Alembic."""
from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import current_app
from flask.cli import AppGroup

from ..config import PROJECT_ROOT

db_cli = AppGroup("db", help="Database schema: upgrade, downgrade, current revision.")


def alembic_config(url: str | None = None) -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.attributes["database_url"] = url or str(current_app.config["DATABASE_URL"])
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    _ensure_sqlite_folder(url or str(current_app.config["DATABASE_URL"]))
    command.upgrade(alembic_config(url), revision)


def _ensure_sqlite_folder(url: str) -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_cmd(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    upgrade(revision=revision)
    click.echo(f"Database at {revision}.")


@db_cli.command("downgrade")
@click.argument("revision")
def downgrade_cmd(revision: str) -> None:
    """Revert migrations down to REVISION (e.g. base)."""
    command.downgrade(alembic_config(), revision)
    click.echo(f"Database at {revision}.")


@db_cli.command("current")
def current_cmd() -> None:
    """Show the revision the database is at."""
    command.current(alembic_config(), verbose=False)


@db_cli.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup_cmd(file: Path) -> None:
    """Write the whole database to FILE (PostgreSQL: pg_dump custom format; SQLite: a copy)."""
    from .backup import BackupError, backup
    try:
        result = backup(str(current_app.config["DATABASE_URL"]), file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backup written: {result.path} ({result.size:,} bytes, "
               f"SHA-256 {result.sha256}).")


@db_cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
def restore_cmd(file: Path) -> None:
    """Load the backup FILE into the (empty) database of PCA_DATABASE_URL."""
    from .backup import BackupError, restore
    try:
        result = restore(str(current_app.config["DATABASE_URL"]), file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Restored {result.path} (SHA-256 {result.sha256}). Now run "
               f"`pca audit-log verify` and `pca documents verify`.")
