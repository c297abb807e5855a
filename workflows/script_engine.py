"""A restricted script engine for BPMN conditions and script tasks.

SpiffWorkflow's default engine is plain `eval`/`exec` with the real builtins: a BPMN file
could import `os`. Here every expression or script is parsed with `ast` and refused unless it
uses only plain data operations: no imports, no function or class definitions, no names or
attributes starting with `_`, attribute access only to a short list of harmless names (dict
`get`/`items`, date parts), no huge powers. What passes runs with `__builtins__` replaced by
a small whitelist, so even a missed construct finds no `open` or `__import__` to call.
"""
from __future__ import annotations

import ast
import copy
import datetime as dt
from decimal import Decimal
from functools import lru_cache
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from audit_app.errors import DomainError

MAX_SOURCE = 4000
MAX_POWER = 64


class ScriptRefused(DomainError):
    """A condition or script uses something outside the sandbox."""

    status = 422
    code = "script_refused"


def _days_between(start: dt.date, end: dt.date) -> int:
    return (end - start).days


def _add_days(day: dt.date, days: int) -> dt.date:
    return day + dt.timedelta(days=days)


SAFE_BUILTINS: dict[str, Any] = {
    "len": len, "min": min, "max": max, "abs": abs, "round": round, "sum": sum,
    "any": any, "all": all, "sorted": sorted, "int": int, "str": str, "bool": bool,
    "Decimal": Decimal, "date": dt.date, "days_between": _days_between, "add_days": _add_days,
    "True": True, "False": False, "None": None,
}
ALLOWED_ATTRIBUTES = frozenset({"get", "keys", "values", "items", "year", "month", "day",
                                "days", "lower", "upper", "strip"})
FORBIDDEN_NAMES = frozenset({
    "eval", "exec", "compile", "open", "getattr", "setattr", "delattr", "hasattr", "globals",
    "locals", "vars", "dir", "type", "object", "super", "input", "breakpoint", "help",
    "memoryview", "classmethod", "staticmethod", "property", "exit", "quit", "print", "id",
    "format", "isinstance", "issubclass", "callable", "iter", "next", "range",
})
FORBIDDEN_NODES: tuple[type[ast.AST], ...] = (
    ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal, ast.FunctionDef,
    ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.With, ast.AsyncWith, ast.AsyncFor,
    ast.Await, ast.Yield, ast.YieldFrom, ast.Try, ast.Raise, ast.Delete, ast.While,
    ast.NamedExpr,
    # `match x: case str(__class__=c, format=f)` reads any attribute, dunders included, without
    # an ast.Attribute node (and str.format then walks into module globals): no match at all.
    ast.Match,
    *(getattr(ast, name) for name in ("TryStar", "TypeAlias") if hasattr(ast, name)),
)


def check(source: str, mode: str = "exec") -> ast.AST:
    """The parsed source, or `ScriptRefused` naming the first construct outside the sandbox."""
    return _check(source, mode)


@lru_cache(maxsize=512)
def _check(source: str, mode: str) -> ast.AST:
    if len(source) > MAX_SOURCE:
        raise ScriptRefused(f"Script longer than {MAX_SOURCE} characters.")
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as exc:
        raise ScriptRefused(f"Script does not parse: {exc.msg} (line {exc.lineno}).") from None
    problems = [p for node in ast.walk(tree) if (p := _problem(node))]
    if problems:
        listed = "; ".join(dict.fromkeys(problems))  # every distinct problem, in order
        raise ScriptRefused(f"Refused BPMN script: {listed}.")
    return tree


def _problem(node: ast.AST) -> str | None:
    if isinstance(node, FORBIDDEN_NODES):
        return f"{type(node).__name__} is not allowed"
    if isinstance(node, ast.Name) and (node.id.startswith("_") or node.id in FORBIDDEN_NAMES):
        return f"the name {node.id!r} is not allowed"
    if isinstance(node, ast.Attribute) and (node.attr.startswith("_")
                                            or node.attr not in ALLOWED_ATTRIBUTES):
        return f"the attribute {node.attr!r} is not allowed"
    if isinstance(node, ast.keyword) and node.arg is not None and node.arg.startswith("_"):
        return f"the keyword {node.arg!r} is not allowed"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and not (
            isinstance(node.right, ast.Constant) and isinstance(node.right.value, int)
            and abs(node.right.value) <= MAX_POWER):
        return "only small constant powers are allowed"
    return None


@lru_cache(maxsize=512)
def _compiled(source: str, mode: str) -> Any:
    return compile(_check(source, mode), "<string>", mode)


def _clean_keys(context: dict[str, Any]) -> None:
    # Task data comes from forms; a key like `__builtins__` would replace the whitelist.
    for key in context:
        if not isinstance(key, str) or key.startswith("_"):
            raise ScriptRefused(f"Task data key {key!r} is not allowed.")


class RestrictedEnvironment(TaskDataEnvironment):
    def __init__(self, functions: dict[str, Any] | None = None) -> None:
        super().__init__(dict(functions or {}))

    def _globals(self, context: dict[str, Any], external: dict[str, Any] | None) -> dict[str, Any]:
        _clean_keys(context)
        scope = copy.copy(self.globals)
        scope.update(external or {})
        scope.update(context)
        scope["__builtins__"] = SAFE_BUILTINS
        return scope

    def evaluate(self, expression: str, context: dict[str, Any],
                 external_context: dict[str, Any] | None = None) -> Any:
        return eval(_compiled(expression, "eval"), self._globals(context, external_context))

    def execute(self, script: str, context: dict[str, Any],
                external_context: dict[str, Any] | None = None) -> bool:
        code = _compiled(script, "exec")
        self.check_for_overwrite(context, external_context or {})
        scope = self._globals(context, external_context)
        exec(code, scope)
        # Only plain data the script assigned goes back into the task data.
        for key, value in scope.items():
            if key == "__builtins__" or key in self.globals or callable(value):
                continue
            if external_context and key in external_context:
                continue
            context[key] = value
        return True


class RestrictedScriptEngine(PythonScriptEngine):
    """Checks first, so a refusal surfaces as `ScriptRefused` rather than a wrapped error."""

    def __init__(self, functions: dict[str, Any] | None = None) -> None:
        super().__init__(environment=RestrictedEnvironment(functions))

    def validate(self, expression: str) -> None:
        # SpiffWorkflow's DMN engine probes entries like "> 1000" for a SyntaxError, so a
        # syntax error stays one; everything that parses is then checked.
        ast.parse(expression)
        check(expression)

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        _check(expression, "eval")
        return super().evaluate(task, expression, external_context)

    def execute(self, task: Any, script: str, external_context: Any = None) -> Any:
        _check(script, "exec")
        return super().execute(task, script, external_context)


ENGINE = RestrictedScriptEngine()
