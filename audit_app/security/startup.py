"""Checks before the server takes traffic: the database answers and its schema is at the
migrations' head. A failure is one sentence that says what to do, not a traceback."""
from __future__ import annotations

from flask import Flask
from sqlalchemy.engine import make_url

from ..config import ConfigurationError


class StartupRefused(ConfigurationError):
    """The server must not start; the message says why and which command or setting fixes it."""


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def check_ready_to_serve(app: Flask) -> None:
    from ..db import get_db
    from ..health import database_revisions, migration_heads

    url = str(app.config["DATABASE_URL"])
    with app.app_context():
        db = get_db()
        try:
            with db.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except Exception as exc:  # whatever the driver says, the operator gets one sentence
            reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:300]
            raise StartupRefused(
                f"Cannot reach the database at {_shown(url)}: {reason}. Check PCA_DATABASE_URL "
                "and that the database server is running.") from None
        with db.sessionmaker() as session:
            current = database_revisions(session)
        heads = migration_heads()
        db.engine.dispose()  # gunicorn forks after this: no shared connections
    if not current:
        raise StartupRefused(
            f"The database at {_shown(url)} has no schema yet: run `pca db upgrade` "
            "(with the same PCA_DATABASE_URL), then start the server again.")
    if current != heads:
        raise StartupRefused(
            f"The database at {_shown(url)} is at revision {', '.join(sorted(current))} but "
            f"this code needs {', '.join(sorted(heads))}: run `pca db upgrade` (with the same "
            "PCA_DATABASE_URL), then start the server again.")
