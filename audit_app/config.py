"""Every setting the system reads from its environment, declared once.

Nothing reads the environment at import time: `load_settings()` is called by the app
factory (and by Alembic's env.py) so tests and commands can pass their own values.
Each setting is documented in the README's configuration table, generated from
`SETTINGS` (see `pca config show`).
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"


@dataclass(frozen=True)
class Setting:
    env: str
    key: str
    default: str | None
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("PCA_DATABASE_URL", "DATABASE_URL", None,
            "SQLAlchemy URL of the database. Default: SQLite file instance/pca.sqlite3. "
            "Production: postgresql+psycopg://user@host:5432/pca"),
    Setting("PCA_SECRET_KEY", "SECRET_KEY", None,
            "Key that signs session cookies and CSRF tokens. Required unless PCA_DEMO=1, "
            "where one is generated once and kept in instance/secret_key"),
    Setting("PCA_DEMO", "DEMO", "0",
            "1 = demo mode: generated secret key, demo users and data may be seeded. "
            "Never set in production"),
    Setting("PCA_INSTANCE_PATH", "INSTANCE_PATH", None,
            "Folder for the SQLite database, the generated secret key and stored documents. "
            "Default: instance/ in the project folder"),
    Setting("PCA_SESSION_MINUTES", "SESSION_MINUTES", "480",
            "Minutes after the login at which a session ends, however active"),
    Setting("PCA_SESSION_IDLE_MINUTES", "SESSION_IDLE_MINUTES", "60",
            "Minutes without a request after which a login session ends"),
    Setting("PCA_SECURE_COOKIES", "SECURE_COOKIES", None,
            "1 = session cookies only over HTTPS, and HSTS (production, behind TLS); "
            "0 = also over plain http. Default: 1, except 0 when PCA_DEMO=1 (local http demo)"),
    Setting("PCA_LOG_LEVEL", "LOG_LEVEL", "INFO", "Python logging level"),
    Setting("PCA_LOG_FORMAT", "LOG_FORMAT", "json",
            "json = one JSON object per log line, with the request id; text = plain lines"),
    Setting("PCA_WORKER_HEARTBEAT_SECONDS", "WORKER_HEARTBEAT_SECONDS", "0",
            "0 = no timer workers expected; N = /readyz fails unless a `pca worker` reported "
            "within the last N seconds (set it where workers run, e.g. 120)"),
    Setting("PCA_MAX_UPLOAD_MB", "MAX_UPLOAD_MB", "20",
            "Largest evidence document accepted, in MB; a bigger upload is refused (413)"),
    Setting("PCA_KCS_DIR", "KCS_DIR", None,
            "Folder of the KCS benchmark files for `pca risk evaluate --dataset kcs`. "
            "Default: ../shared/data/kcs beside the project folder"),
)


class ConfigurationError(RuntimeError):
    """The environment cannot run the system; the message says which variable and why."""


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def load_settings(environ: Mapping[str, str] | None = None) -> dict[str, object]:
    """Read SETTINGS from `environ` and return Flask config keys with typed values."""
    env = os.environ if environ is None else environ
    raw = {s.key: env.get(s.env, s.default) for s in SETTINGS}
    instance = Path(raw["INSTANCE_PATH"] or DEFAULT_INSTANCE)
    demo = _truthy(raw["DEMO"])  # type: ignore[arg-type]
    url = raw["DATABASE_URL"] or f"sqlite:///{instance / 'pca.sqlite3'}"
    session_minutes = _whole(raw, "SESSION_MINUTES", "PCA_SESSION_MINUTES")
    idle_minutes = _whole(raw, "SESSION_IDLE_MINUTES", "PCA_SESSION_IDLE_MINUTES")
    heartbeat = _whole(raw, "WORKER_HEARTBEAT_SECONDS", "PCA_WORKER_HEARTBEAT_SECONDS")
    max_upload = _whole(raw, "MAX_UPLOAD_MB", "PCA_MAX_UPLOAD_MB")
    if max_upload < 1:
        raise ConfigurationError("PCA_MAX_UPLOAD_MB must be at least 1")
    secure = (not demo) if raw["SECURE_COOKIES"] in (None, "") \
        else _truthy(raw["SECURE_COOKIES"])  # type: ignore[arg-type]
    if str(raw["LOG_FORMAT"]) not in {"json", "text"}:
        raise ConfigurationError(f"PCA_LOG_FORMAT must be json or text, got {raw['LOG_FORMAT']!r}")
    check_database_url(url)
    return {
        "DATABASE_URL": url,
        "SECRET_KEY": raw["SECRET_KEY"],
        "DEMO": demo,
        "INSTANCE_PATH": str(instance),
        "SESSION_MINUTES": session_minutes,
        "SESSION_IDLE_MINUTES": idle_minutes,
        "SECURE_COOKIES": secure,
        "LOG_LEVEL": raw["LOG_LEVEL"],
        "LOG_FORMAT": raw["LOG_FORMAT"],
        "WORKER_HEARTBEAT_SECONDS": heartbeat,
        "MAX_UPLOAD_MB": max_upload,
        "KCS_DIR": raw["KCS_DIR"],
    }


def _whole(raw: Mapping[str, object], key: str, env: str) -> int:
    try:
        value = int(str(raw[key]))
    except ValueError:
        raise ConfigurationError(f"{env} must be a whole number, got {raw[key]!r}") from None
    if value < 0:
        raise ConfigurationError(f"{env} must not be negative, got {value}")
    return value


def check_database_url(url: str) -> None:
    """A URL SQLAlchemy can use with an installed driver, or a ConfigurationError saying so."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError
    try:
        parsed = make_url(url)
        parsed.get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        shown = url.split("@")[-1] if "@" in url else url  # never echo a password
        raise ConfigurationError(
            f"PCA_DATABASE_URL is not a usable database URL ({shown!r}: {exc}). Expected e.g. "
            "postgresql+psycopg://user@host:5432/pca or sqlite:////path/to/pca.sqlite3"
        ) from None


def resolve_secret_key(config: dict[str, object]) -> str:
    """The configured key; in demo mode a generated one kept under the instance folder."""
    key = config.get("SECRET_KEY")
    if key:
        return str(key)
    if not config.get("DEMO"):
        raise ConfigurationError(
            "PCA_SECRET_KEY is not set. Set it to a long random value "
            "(python -c 'import secrets; print(secrets.token_hex(32))'), "
            "or set PCA_DEMO=1 for a demonstration instance."
        )
    path = Path(str(config["INSTANCE_PATH"])) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
