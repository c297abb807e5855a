"""The workflow runtime and the case services know nothing of HTTP: dependencies point from
views to services to workflows, never back."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted([*(ROOT / "workflows").glob("*.py"),
                  ROOT / "audit_app/services/cases.py", ROOT / "audit_app/services/findings.py",
                  *(ROOT / "audit_app/services").glob("adjudication*.py")])
FORBIDDEN = ("flask", "werkzeug", "audit_app.web", "audit_app.api", "audit_app.auth")
ALLOWED = {"workflows/commands.py": ("flask.cli", "audit_app.db")}  # the CLI entry point


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            prefix = "audit_app." if node.level and "services" in str(path) else ""
            names.append(prefix + node.module)
    return names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_http_layer_imports(path: Path) -> None:
    allowed = ALLOWED.get(str(path.relative_to(ROOT)), ())
    bad = [n for n in _imports(path) if n.startswith(FORBIDDEN) and not n.startswith(allowed)]
    assert bad == []
