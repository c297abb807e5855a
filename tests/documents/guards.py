"""The migration's SQLite trigger statements, for tests that lift and restore them."""
from __future__ import annotations

import importlib.util
from pathlib import Path

VERSIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"


def sqlite_guards() -> list[str]:
    [path] = VERSIONS.glob("*_be564285f21b_*.py")
    spec = importlib.util.spec_from_file_location("documents_migration", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.SQLITE_GUARDS)
