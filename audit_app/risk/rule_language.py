"""The rule language: conditions and reason sentences an administrator writes, made safe.

A condition looks like Python (`unit_value_ratio < 0.5 and ref_count >= 20`) and is parsed with
`ast`, but nothing of it is ever run as Python: every node is checked against a short whitelist
and compiled into numpy operations over whole columns of the feature frame, so a dozen rules
run over a million items in a couple of seconds and no rule can reach an attribute, a module or
a builtin. Never eval/exec/pandas.eval.

Grammar (EBNF; NAME is a column of `schema.FEATURES` or an `x_` attribute of the data):

    condition   = or_test
    or_test     = and_test { "or" and_test }
    and_test    = not_test { "and" not_test }
    not_test    = "not" not_test | comparison
    comparison  = sum { ("<" | "<=" | ">" | ">=" | "==" | "!=") sum }
                | sum [ "not" ] "in" list
    sum         = term { ("+" | "-") term }
    term        = factor { ("*" | "/") factor }
    factor      = ("-" | "+") factor | atom
    atom        = NAME | NUMBER | STRING | "True" | "False" | "(" condition ")"
                | ("abs" | "min" | "max" | "is_missing") "(" sum { "," sum } ")"
    list        = "(" [ literal { "," literal } [ "," ] ] ")" | "[" ... "]"

Types are checked when the rule is saved: text compares only with == != in / not in; numbers
and dates also order; a date compares with a quoted ISO date ('2025-07-01'); `and`/`or`/`not`
take conditions, not numbers. x_ attributes take the type their use asks for.

Reason sentences (`{unit_value_ratio:pct_below} below ...`) are checked and filled by
`rule_reasons`.

Missing values use three-valued logic: a comparison with a missing value (NaN, empty text) is
unknown, `not unknown` is unknown, `unknown or true` is true, and a rule fires only where its
condition is known to be true. So a missing value never makes a rule fire by itself; ask for it
with `is_missing(x)`. Division by zero gives a missing value.
"""
from __future__ import annotations

import ast
import datetime as dt
import difflib
import functools
import operator
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

from .schema import FEATURES, is_known

MAX_CONDITION_CHARS = 2000
MAX_NODES = 300
FUNCTIONS = ("abs", "min", "max", "is_missing")
KIND_WORDS = {"bool": "a condition (true/false)", "number": "a number", "text": "text",
              "date": "a date"}
_TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1"})
_FALSE_WORDS = frozenset({"false", "f", "no", "n", "0"})


class RuleSyntaxError(ValueError):
    """A condition or reason that may not be saved; names the rule, the field and the place."""

    def __init__(self, code: str, field: str, message: str, line: int = 1,
                 column: int | None = None) -> None:
        self.code, self.field, self.message = code, field, message
        self.line, self.column = line, column
        where = f" at line {line}, column {column}" if column is not None else ""
        super().__init__(f"Rule {code}: {field}{where}: {message}")

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "field": self.field, "line": self.line,
                "column": self.column, "message": self.message}


def feature_kind(name: str) -> str:
    """bool | number | text | date, or `any` for an x_ attribute (typed by its use)."""
    if name.startswith("x_") and name not in FEATURES:
        return "any"
    kind = FEATURES[name][0]
    return "number" if kind == "int" else kind


def unknown_name(name: str) -> str:
    close = difflib.get_close_matches(name, FEATURES, n=2)
    hint = f" (did you mean {' or '.join(close)}?)" if close else ""
    return f"unknown name {name!r}{hint}: use a feature from the list or an x_ attribute"


# --------------------------------------------------------------------------- the frame

class FrameView:
    """Columns of the feature frame as numpy arrays of one kind, converted once per evaluation
    and shared by every rule. An absent column is all missing (an x_ attribute the data lacks)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.n = len(frame)
        self._cache: dict[tuple[str, str], Any] = {}

    def column(self, name: str, kind: str) -> Any:
        key = (name, kind)
        if key not in self._cache:
            self._cache[key] = self._convert(name, kind)
        return self._cache[key]

    def missing(self, name: str) -> np.ndarray:
        if name not in self.frame.columns:
            return np.ones(self.n, dtype=bool)
        series = self.frame[name]
        missing = series.isna().to_numpy(dtype=bool)
        if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
            missing = missing | (series.to_numpy(dtype=object) == "")
        return missing

    def _convert(self, name: str, kind: str) -> Any:
        n = self.n
        if name not in self.frame.columns:
            return {"number": np.full(n, np.nan), "date": np.full(n, np.datetime64("NaT"), "M8[D]"),
                    "text": (np.full(n, "", dtype=object), np.ones(n, dtype=bool)),
                    "bool": (np.zeros(n, dtype=bool), np.zeros(n, dtype=bool))}[kind]
        series = self.frame[name]
        if kind == "number":
            if pd.api.types.is_bool_dtype(series) and not series.isna().any():
                return series.to_numpy(dtype=float)
            if pd.api.types.is_numeric_dtype(series):
                return series.to_numpy(dtype=float, na_value=np.nan)
            return pd.to_numeric(series.astype(object), errors="coerce").to_numpy(
                dtype=float, na_value=np.nan)
        if kind == "text":
            if pd.api.types.is_float_dtype(series):  # 40.0 is the code '40'
                series = series.map(lambda v: v if v != v else
                                    (str(int(v)) if float(v).is_integer() else str(v)))
            values = series.to_numpy(dtype=object)
            missing = series.isna().to_numpy(dtype=bool) | (values == "")
            if not (pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)):
                values = np.array([str(v) for v in values], dtype=object)
            return values, missing
        if kind == "date":
            return pd.to_datetime(series, errors="coerce").to_numpy().astype("M8[D]")
        return self._as_bool(series)

    @staticmethod
    def _as_bool(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        missing = series.isna().to_numpy(dtype=bool)
        if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
            values = series.fillna(0).to_numpy(dtype=float) != 0
        else:
            def word(v: Any) -> float:
                if isinstance(v, (bool, np.bool_, int, float)):
                    return float(bool(v))
                text = str(v).strip().lower()
                return 1.0 if text in _TRUE_WORDS else 0.0 if text in _FALSE_WORDS else np.nan
            parsed = np.array([np.nan if m else word(v)
                               for v, m in zip(series.to_numpy(dtype=object), missing)])
            missing = np.isnan(parsed)
            values = parsed == 1.0
        return values & ~missing, ~values & ~missing


# --------------------------------------------------------------------------- conditions

Fn = Callable[[FrameView], Any]
_NO_CONST = object()


@dataclass(frozen=True)
class _Typed:
    """A checked sub-expression: its kind and how to compute it. Booleans compute to a pair
    (known true, known false) so and/or/not follow three-valued logic with plain masks."""

    kind: str
    fn: Fn | None  # None for an x_ name until its use gives it a kind
    node: ast.AST
    name: str | None = None
    const: Any = _NO_CONST


_ORDER_OPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge}
_EQ_OPS: dict[type, Callable[[Any, Any], Any]] = {ast.Eq: operator.eq, ast.NotEq: operator.ne}
_ARITH: dict[type, str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_OTHER_OPERATORS: dict[type, str] = {
    ast.Pow: "**", ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.BitAnd: "&",
    ast.BitOr: "|", ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>"}
_FORBIDDEN = {
    ast.Attribute: "attribute access (.name)", ast.Subscript: "subscripts (x[...])",
    ast.Lambda: "lambda", ast.IfExp: "`... if ... else ...`", ast.NamedExpr: "`:=`",
    ast.ListComp: "comprehensions", ast.SetComp: "comprehensions", ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions", ast.Dict: "dictionaries", ast.Set: "sets",
    ast.JoinedStr: "f-strings", ast.FormattedValue: "f-strings", ast.Starred: "`*` unpacking",
    ast.Tuple: "a list outside `in (...)`", ast.List: "a list outside `in [...]`",
    ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield", ast.Slice: "slices",
}


class _Compiler:
    def __init__(self, code: str, source: str) -> None:
        self.code, self.source = code, source
        self.names: set[str] = set()

    # -- errors
    def error(self, node: ast.AST | None, message: str) -> RuleSyntaxError:
        line, col = getattr(node, "lineno", 1), getattr(node, "col_offset", None)
        if col is not None:  # ast counts UTF-8 bytes; people count characters from 1
            text = self.source.splitlines()[line - 1] if self.source.splitlines() else ""
            col = len(text.encode()[:col].decode(errors="ignore")) + 1
        return RuleSyntaxError(self.code, "condition", message, line, col)

    def show(self, t: _Typed) -> str:
        text = ast.unparse(t.node)
        return f"`{text if len(text) <= 40 else text[:37] + '...'}`"

    # -- kinds
    def as_kind(self, t: _Typed, want: str) -> _Typed:
        if t.kind == want:
            return t
        if t.kind == "any":
            name = t.name
            assert name is not None
            return _Typed(want, lambda v: v.column(name, want), t.node, name)
        if want == "date" and t.kind == "text" and isinstance(t.const, str):
            try:
                day = np.datetime64(dt.date.fromisoformat(t.const), "D")
            except ValueError:
                raise self.error(t.node, f"{t.const!r} is not a date (write 'YYYY-MM-DD')") from None
            return _Typed("date", lambda v: day, t.node, const=day)
        if want == "bool" and t.kind == "number":
            raise self.error(t.node, f"{self.show(t)} is a number, not a condition: compare "
                                     f"it, e.g. {ast.unparse(t.node)} > 0")
        raise self.error(t.node, f"{self.show(t)} is {KIND_WORDS[t.kind]}, "
                                 f"where {KIND_WORDS[want]} is needed")

    # -- nodes
    def compile(self, node: ast.AST) -> _Typed:
        method = getattr(self, f"_{type(node).__name__}", None)
        if isinstance(node, ast.Attribute):
            raise self.error(node, f"attribute access (.{node.attr}): not allowed in a rule")
        if method is None:
            what = _FORBIDDEN.get(type(node), f"`{type(node).__name__}`")
            raise self.error(node, f"{what}: not allowed in a rule")
        return method(node)

    def _Constant(self, node: ast.Constant) -> _Typed:
        value = node.value
        if isinstance(value, bool):
            pair = (value, not value)
            return _Typed("bool", lambda v: pair, node, const=value)
        if isinstance(value, (int, float)):
            number = float(value)
            return _Typed("number", lambda v: number, node, const=number)
        if isinstance(value, str):
            return _Typed("text", lambda v: (value, False), node, const=value)
        if value is None:
            raise self.error(node, "None is not allowed: test for a missing value with is_missing(x)")
        raise self.error(node, f"the literal {ast.unparse(node)} is not allowed")

    def _Name(self, node: ast.Name) -> _Typed:
        name = node.id
        if name.startswith("__"):
            raise self.error(node, f"names starting with __ are not allowed ({name})")
        if not is_known(name):
            if name in FUNCTIONS:
                raise self.error(node, f"{name} is a function: call it, e.g. {name}(x)")
            raise self.error(node, unknown_name(name))
        self.names.add(name)
        kind = feature_kind(name)
        fn: Fn | None = None if kind == "any" else (lambda v: v.column(name, kind))
        return _Typed(kind, fn, node, name)

    def _Expression(self, node: ast.Expression) -> _Typed:
        return self.as_kind(self.compile(node.body), "bool")

    def _BoolOp(self, node: ast.BoolOp) -> _Typed:
        fns = [self.as_kind(self.compile(v), "bool").fn for v in node.values]
        if isinstance(node.op, ast.And):
            def fn(v: FrameView) -> Any:
                pairs = [f(v) for f in fns]  # type: ignore[misc]
                return (functools.reduce(np.logical_and, (p[0] for p in pairs)),
                        functools.reduce(np.logical_or, (p[1] for p in pairs)))
        else:
            def fn(v: FrameView) -> Any:
                pairs = [f(v) for f in fns]  # type: ignore[misc]
                return (functools.reduce(np.logical_or, (p[0] for p in pairs)),
                        functools.reduce(np.logical_and, (p[1] for p in pairs)))
        return _Typed("bool", fn, node)

    def _UnaryOp(self, node: ast.UnaryOp) -> _Typed:
        if isinstance(node.op, ast.Not):
            inner = self.as_kind(self.compile(node.operand), "bool").fn
            assert inner is not None
            return _Typed("bool", lambda v: inner(v)[::-1], node)
        if isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.as_kind(self.compile(node.operand), "number")
            f = operand.fn
            assert f is not None
            if isinstance(node.op, ast.UAdd):
                return operand
            if operand.const is not _NO_CONST:
                neg = -operand.const
                return _Typed("number", lambda v: neg, node, const=neg)
            return _Typed("number", lambda v: np.negative(f(v)), node)
        raise self.error(node, f"the operator {ast.unparse(node)[:1]!r} is not allowed")

    def _BinOp(self, node: ast.BinOp) -> _Typed:
        symbol = _ARITH.get(type(node.op))
        if symbol is None:
            shown = _OTHER_OPERATORS.get(type(node.op), type(node.op).__name__)
            raise self.error(node, f"the operator {shown} is not allowed: only + - * / "
                                   "between numbers")
        a = self.as_kind(self.compile(node.left), "number").fn
        b = self.as_kind(self.compile(node.right), "number").fn
        assert a is not None and b is not None
        if symbol == "/":
            def fn(v: FrameView) -> Any:
                x, y = a(v), b(v)
                with np.errstate(divide="ignore", invalid="ignore"):
                    return np.where(np.asarray(y) == 0, np.nan, np.true_divide(x, y))
            return _Typed("number", fn, node)
        op = {"+": np.add, "-": np.subtract, "*": np.multiply}[symbol]
        return _Typed("number", lambda v: op(a(v), b(v)), node)

    def _Call(self, node: ast.Call) -> _Typed:
        func = node.func
        if not isinstance(func, ast.Name):
            self.compile(func)  # raises: attribute access and the like
            raise self.error(node, "only abs, min, max and is_missing may be called")
        if func.id.startswith("__"):
            raise self.error(func, f"names starting with __ are not allowed ({func.id})")
        if func.id not in FUNCTIONS:
            raise self.error(func, f"calling {func.id}() is not allowed: the functions are "
                                   f"{', '.join(FUNCTIONS)}")
        if node.keywords:
            raise self.error(node.keywords[0].value, "keyword arguments are not allowed")
        args = node.args
        if func.id == "is_missing":
            if len(args) != 1:
                raise self.error(node, "is_missing takes exactly one value")
            return self._is_missing(node, self.compile(args[0]))
        if func.id == "abs" and len(args) != 1:
            raise self.error(node, "abs takes exactly one number")
        if func.id in ("min", "max") and len(args) < 2:
            raise self.error(node, f"{func.id} takes two or more numbers")
        fns = [self.as_kind(self.compile(a), "number").fn for a in args]
        if func.id == "abs":
            f = fns[0]
            assert f is not None
            return _Typed("number", lambda v: np.abs(f(v)), node)
        ufunc = np.minimum if func.id == "min" else np.maximum  # NaN stays missing
        return _Typed("number", lambda v: functools.reduce(ufunc, (f(v) for f in fns)), node)  # type: ignore[misc]

    def _is_missing(self, node: ast.AST, arg: _Typed) -> _Typed:
        if arg.kind == "any" or (arg.name is not None and arg.kind != "bool"):
            name = arg.name
            assert name is not None
            return _Typed("bool", lambda v: (v.missing(name), ~v.missing(name)), node)
        f = arg.fn
        assert f is not None
        test: Callable[[Any], Any] = {
            "number": np.isnan, "date": np.isnat, "text": lambda t: np.asarray(t[1]),
            "bool": lambda p: ~(np.asarray(p[0]) | p[1])}[arg.kind]
        return _Typed("bool", lambda v: (test(f(v)), ~test(f(v))), node)

    def _Compare(self, node: ast.Compare) -> _Typed:
        parts: list[Fn] = []
        left = self.compile(node.left)
        for op, right_node in zip(node.ops, node.comparators):
            if isinstance(op, (ast.In, ast.NotIn)):
                parts.append(self._membership(left, right_node, isinstance(op, ast.NotIn)))
                left = _Typed("list", None, right_node)
                continue
            if isinstance(op, (ast.Is, ast.IsNot)):
                raise self.error(node, "`is` is not allowed: use == or is_missing(x)")
            right = self.compile(right_node)
            if left.kind == "list":
                raise self.error(right_node, "a list can only follow `in`")
            parts.append(self._comparison(op, left, right))
            left = right
        if len(parts) == 1:
            return _Typed("bool", parts[0], node)

        def chain(v: FrameView) -> Any:
            pairs = [p(v) for p in parts]
            return (functools.reduce(np.logical_and, (p[0] for p in pairs)),
                    functools.reduce(np.logical_or, (p[1] for p in pairs)))
        return _Typed("bool", chain, node)

    def _comparison(self, op: ast.cmpop, left: _Typed, right: _Typed) -> Fn:
        ordering = type(op) in _ORDER_OPS
        compare = (_ORDER_OPS | _EQ_OPS)[type(op)]
        kinds = {left.kind, right.kind} - {"any"}
        if "date" in kinds:
            kind = "date"
        elif not kinds:
            kind = "number" if ordering else "text"
        elif len(kinds) == 1:
            kind = kinds.pop()
        else:
            a, b = sorted((left.kind, right.kind))
            hint = ""
            number = left if left.kind == "number" else right
            if {a, b} == {"number", "text"} and number.const is not _NO_CONST:
                hint = f" (write the code in quotes: '{ast.unparse(number.node)}')"
            raise self.error(right.node, f"cannot compare {KIND_WORDS[a]} with {KIND_WORDS[b]}: "
                                         f"{self.show(left)} and {self.show(right)}{hint}")
        if ordering and kind in ("text", "bool"):
            raise self.error(right.node, f"{KIND_WORDS[kind]} can only be compared with == != "
                                         "in or not in")
        a = self.as_kind(left, kind).fn
        b = self.as_kind(right, kind).fn
        assert a is not None and b is not None
        if kind == "bool":
            def fn(v: FrameView) -> Any:
                (t1, f1), (t2, f2) = a(v), b(v)
                same, differ = (t1 & t2) | (f1 & f2), (t1 & f2) | (f1 & t2)
                return (same, differ) if isinstance(op, ast.Eq) else (differ, same)
            return fn
        if kind == "text":
            def fn(v: FrameView) -> Any:
                (x, mx), (y, my) = a(v), b(v)
                result = np.asarray(compare(x, y), dtype=bool)
                known = ~(np.asarray(mx) | my)
                return result & known, ~result & known
            return fn
        missing = np.isnat if kind == "date" else np.isnan

        def fn(v: FrameView) -> Any:
            x, y = a(v), b(v)
            with np.errstate(invalid="ignore"):
                result = np.asarray(compare(x, y), dtype=bool)
            known = ~(missing(x) | missing(y))
            return result & known, ~result & known
        return fn

    def _membership(self, left: _Typed, right: ast.AST, negate: bool) -> Fn:
        if not isinstance(right, (ast.Tuple, ast.List)):
            raise self.error(right, "`in` must be followed by a list of values, "
                                    "e.g. chapter in ('84', '85')")
        values = []
        for element in right.elts:
            if not (isinstance(element, ast.Constant) and isinstance(element.value, (str, int, float))
                    and not isinstance(element.value, bool)):
                raise self.error(element, "a list after `in` may hold only numbers or quoted text")
            values.append(element.value)
        kinds = {"text" if isinstance(x, str) else "number" for x in values}
        if len(kinds) > 1:
            raise self.error(right, "a list after `in` may not mix numbers and text")
        kind = kinds.pop() if kinds else (left.kind if left.kind != "any" else "text")
        if kind not in ("text", "number"):
            raise self.error(left.node, f"`in` needs text or numbers, not {KIND_WORDS[kind]}")
        f = self.as_kind(left, kind).fn
        assert f is not None
        if kind == "text":
            choices = [str(x) for x in values]

            def fn(v: FrameView) -> Any:
                x, missing = f(v)
                found = (pd.Series(x, dtype=object).isin(choices).to_numpy(dtype=bool)
                         if isinstance(x, np.ndarray) else np.bool_(x in choices))
                known = ~np.asarray(missing)
                return (found & known, ~found & known)[::-1 if negate else 1]
            return fn
        numbers = np.array(values, dtype=float)

        def fn_number(v: FrameView) -> Any:
            x = f(v)
            found = np.isin(x, numbers)
            known = ~np.isnan(x)
            return (found & known, ~found & known)[::-1 if negate else 1]
        return fn_number


@dataclass(frozen=True)
class Condition:
    """A compiled condition: `evaluate(view)` gives one bool per row (True = the rule fires)."""

    source: str
    names: frozenset[str]
    _fn: Fn

    def evaluate(self, view: FrameView) -> np.ndarray:
        true, _false = self._fn(view)
        return np.broadcast_to(np.asarray(true, dtype=bool), (view.n,)).copy()


def compile_condition(source: str, code: str = "?") -> Condition:
    """Check `source` against the whitelist and compile it; RuleSyntaxError says why not."""
    text = (source or "").strip()
    if not text:
        raise RuleSyntaxError(code, "condition", "the condition is empty")
    if len(text) > MAX_CONDITION_CHARS:
        raise RuleSyntaxError(code, "condition", f"longer than {MAX_CONDITION_CHARS} characters")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        line = exc.lineno or 1
        column = exc.offset or 0
        if column < 1:  # Python says 0 when the text ends too early: point past its end
            lines = text.splitlines() or [""]
            column = len(lines[min(line, len(lines)) - 1]) + 1
        raise RuleSyntaxError(code, "condition", f"not a valid expression ({exc.msg})",
                              line, column) from None
    except (RecursionError, MemoryError, ValueError):
        raise RuleSyntaxError(code, "condition", "too deeply nested") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise RuleSyntaxError(code, "condition", f"too long: more than {MAX_NODES} parts")
    compiler = _Compiler(code, text)
    try:
        typed = compiler.compile(tree)
    except RecursionError:
        raise RuleSyntaxError(code, "condition", "too deeply nested") from None
    assert typed.fn is not None
    return Condition(text, frozenset(compiler.names), typed.fn)
