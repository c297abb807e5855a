"""Reason sentences of the rule language: templates with {field} or {field:kind} slots, checked
when a rule is saved and filled per row from the feature frame.

Only named fields of the frame (schema features or x_ attributes) and a handful of format kinds
are allowed: no attribute or index access, no conversions, no nested specs, so a template can
show data but never reach anything else. Rendering maps one str.format over the rows hit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .rule_language import KIND_WORDS, FrameView, RuleSyntaxError, feature_kind, unknown_name
from .schema import is_known

FORMATS = {
    "pct_below": "how far below 1 a ratio is, as a percentage (0.38 -> 62%)",
    "pct_above": "how far above 1 a ratio is, as a percentage (2.4 -> 140%)",
    "pct": "a share as a percentage (0.04 -> 4%)",
    "rupees": "an amount in whole rupees (Rs 4,512,300)",
    "number": "a number with thousands separators (412, 1.83)",
    "text": "the value as it is",
}
_NUMERIC_FORMATS = frozenset(FORMATS) - {"text"}
_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
MAX_REASON_CHARS = 500
UNKNOWN = "unknown"


def _fmt_number(x: float) -> str:
    if abs(x - round(x)) < 1e-9 or abs(x) >= 100:
        return f"{round(x):,}"
    return f"{x:,.2f}"


def _fmt_pct(x: float) -> str:
    return f"{x:,.1f}%" if 0 < abs(x) < 1 else f"{round(x):,}%"


def _fmt_rupees(x: float) -> str:
    whole = int(np.floor(abs(x) + 0.5))  # half up, as amounts are shown elsewhere
    return f"{'-' if x < 0 and whole else ''}Rs {whole:,}"


_NUMBER_FORMATTERS: dict[str, Callable[[float], str]] = {
    "number": _fmt_number, "rupees": _fmt_rupees,
    "pct_below": lambda x: _fmt_pct((1 - x) * 100), "pct_above": lambda x: _fmt_pct((x - 1) * 100),
    "pct": lambda x: _fmt_pct(x * 100),
}


@dataclass(frozen=True)
class ReasonTemplate:
    """A reason sentence with {field} or {field:kind} slots filled from the row."""

    source: str
    parts: tuple[tuple[str, str | None, str | None], ...]  # (text before, field, kind)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(f for _, f, _ in self.parts if f)

    def render(self, view: FrameView, rows: np.ndarray) -> list[str]:
        """The sentence for each of `rows` (positions in the frame)."""
        columns = [self._values(view, name, kind or "", rows)
                   for _text, name, kind in self.parts if name is not None]
        # One str.format per row, mapped in C: the literal text is escaped, each slot is {}.
        pattern = "".join(text.replace("{", "{{").replace("}", "}}") + ("{}" if name else "")
                          for text, name, _kind in self.parts)
        if not columns:
            return [pattern.format()] * len(rows)
        return list(map(pattern.format, *columns))

    @staticmethod
    def _values(view: FrameView, name: str, kind: str, rows: np.ndarray) -> list[str]:
        source_kind = feature_kind(name)
        if kind in _NUMBER_FORMATTERS or (source_kind == "number" and kind != "text"):
            fmt = _NUMBER_FORMATTERS.get(kind, _fmt_number)
            return [UNKNOWN if x != x else fmt(x) for x in view.column(name, "number")[rows].tolist()]
        if source_kind == "number":
            return [UNKNOWN if x != x else _fmt_number(x)
                    for x in view.column(name, "number")[rows].tolist()]
        if source_kind == "date":
            return [UNKNOWN if np.isnat(d) else str(d) for d in view.column(name, "date")[rows]]
        if source_kind == "bool":
            true, false = view.column(name, "bool")
            return ["yes" if t else "no" if f else UNKNOWN
                    for t, f in zip(true[rows].tolist(), false[rows].tolist())]
        values, missing = view.column(name, "text")
        return [UNKNOWN if m else str(x) for x, m in zip(values[rows].tolist(), missing[rows].tolist())]


def compile_reason(source: str, code: str = "?") -> ReasonTemplate:
    """Check a reason template: named fields from the frame only, a known format kind each."""
    text = source or ""
    if not text.strip():
        raise RuleSyntaxError(code, "reason", "the reason is empty")
    if len(text) > MAX_REASON_CHARS:
        raise RuleSyntaxError(code, "reason", f"longer than {MAX_REASON_CHARS} characters")
    parts: list[tuple[str, str | None, str | None]] = []
    literal: list[str] = []
    i = 0

    def fail(message: str, at: int) -> RuleSyntaxError:
        return RuleSyntaxError(code, "reason", message, 1, at + 1)

    while i < len(text):
        ch = text[i]
        if text.startswith("{{", i) or text.startswith("}}", i):
            literal.append(ch)
            i += 2
            continue
        if ch == "}":
            raise fail("a lone } (write }} for a brace)", i)
        if ch != "{":
            literal.append(ch)
            i += 1
            continue
        end = text.find("}", i)
        if end < 0:
            raise fail("a { that is never closed", i)
        slot = text[i + 1:end]
        name, _, kind = slot.partition(":")
        if "{" in slot or not _FIELD.match(name):
            raise fail(f"{{{slot}}} is not allowed: write {{name}} or {{name:kind}} "
                       "with the name of a feature", i)
        if name.startswith("__"):
            raise fail(f"names starting with __ are not allowed ({name})", i)
        if not is_known(name):
            raise fail(unknown_name(name), i)
        if kind and kind not in FORMATS:
            raise fail(f"unknown format {kind!r}: use one of {', '.join(FORMATS)}", i)
        if kind in _NUMERIC_FORMATS and feature_kind(name) not in ("number", "any"):
            raise fail(f"{name} is {KIND_WORDS[feature_kind(name)]}: format it as text", i)
        parts.append(("".join(literal), name, kind or None))
        literal = []
        i = end + 1
    parts.append(("".join(literal), None, None))
    return ReasonTemplate(text, tuple(parts))
