"""The BPMN script sandbox against known Python escape tricks: each is refused before it runs,
and the refusal names what was refused."""
from __future__ import annotations

import pytest

from workflows.script_engine import RestrictedEnvironment, ScriptRefused, check

EXPRESSIONS = {
    "subclasses walk": "().__class__.__base__.__subclasses__()",
    "mro walk": "''.__class__.__mro__[1].__subclasses__()",
    "getattr": "getattr((), '__class__')",
    "getattr on an allowed function": "getattr(days_between, '__globals__')",
    "function globals": "days_between.__globals__",
    "function code": "add_days.__code__.co_consts",
    "builtin self": "len.__self__",
    "format attribute walk": "'{0.__class__}'.format(1)",
    "format globals": "'{0.__globals__}'.format(days_between)",
    "format_map": "'{x.__class__}'.format_map({'x': 1})",
    "f-string attribute": "f'{(1).__class__}'",
    "lambda": "(lambda: 1)()",
    "generator frame": "(x for x in [1]).gi_frame.f_globals",
    "generator code": "(x for x in [1]).gi_code",
    "builtins name": "__builtins__",
    "builtins subscript": "__builtins__['open']",
    "import": "__import__('os')",
    "type": "type(1)",
    "type three args": "type('X', (), {})",
    "vars": "vars()",
    "globals": "globals()",
    "locals": "locals()",
    "open": "open('/etc/passwd')",
    "eval": "eval('1')",
    "exec": "exec('1')",
    "compile": "compile('1', 'x', 'eval')",
    "dir": "dir()",
    "object": "object.__subclasses__()",
    "str class attributes": "str.__dict__",
    "decimal class walk": "Decimal.__class__",
    "date internals": "date.__reduce__",
    "breakpoint": "breakpoint()",
    "huge power": "10 ** 10 ** 10",
    "walrus": "(x := 1)",
    "dunder keyword": "sorted([], __key=1)",
    "allowed name on dunder": "(1).__class__.get",
}
SCRIPTS = {
    "import statement": "import os",
    "from import": "from os import system",
    "function definition": "def f():\n    return 1",
    "class definition": "class X:\n    pass",
    "try to reach a traceback": "try:\n    1/0\nexcept Exception as e:\n    t = e.__traceback__",
    "raise": "raise SystemExit",
    "while loop": "while True:\n    pass",
    "global": "global x",
    "delete": "del x",
    "with": "with open('x') as f:\n    pass",
    "match class reads dunders": "match 1:\n    case int(__class__=c):\n        pass",
    "match class reaches format": (
        "match '{0.__globals__}':\n    case str(format=f):\n        leaked = f(days_between)"),
    "assign a dunder": "__builtins__ = {}",
}


@pytest.mark.parametrize("source", EXPRESSIONS.values(), ids=EXPRESSIONS.keys())
def test_escape_expressions_are_refused(source: str) -> None:
    with pytest.raises(ScriptRefused):
        check(source, "eval")
    with pytest.raises(ScriptRefused):
        RestrictedEnvironment().evaluate(source, {})


@pytest.mark.parametrize("source", SCRIPTS.values(), ids=SCRIPTS.keys())
def test_escape_scripts_are_refused(source: str) -> None:
    context: dict[str, object] = {}
    with pytest.raises(ScriptRefused):
        RestrictedEnvironment().execute(source, context)
    assert context == {}


def test_task_data_cannot_replace_the_builtins() -> None:
    with pytest.raises(ScriptRefused, match="__builtins__"):
        RestrictedEnvironment().evaluate("len(x)", {"x": [1], "__builtins__": __builtins__})


def test_what_passes_finds_no_dangerous_builtin() -> None:
    # Even if a construct slipped through the checks, the names are simply not there.
    env = RestrictedEnvironment()
    for name in ("open", "__import__", "getattr", "type", "eval", "vars", "globals"):
        with pytest.raises(ScriptRefused):
            env.evaluate(name, {})


def test_plain_conditions_and_scripts_still_work() -> None:
    env = RestrictedEnvironment()
    assert env.evaluate("decision == 'approve' and total > Decimal('100')",
                        {"decision": "approve", "total": 150}) is True
    assert env.evaluate("days_between(start, end)",
                        {"start": __import__("datetime").date(2026, 1, 1),
                         "end": __import__("datetime").date(2026, 1, 31)}) == 30
    context = {"items": {"a": 1, "b": 2}}
    env.execute("total = sum(v for k, v in items.items())\nnames = sorted(items.keys())", context)
    assert context["total"] == 3 and context["names"] == ["a", "b"]
